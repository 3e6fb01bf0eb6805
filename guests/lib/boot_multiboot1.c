/* Multiboot 1: EBX = struct multiboot1_info (Multiboot 0.6.96 §3.3), its flags saying
 * which fields are valid. */
#include "guests/lib/boot_parse.h"
#include "include/multiboot1.h"
#include "lib/string.h"

#define MMAP_ENTRY_MIN 20 /* base_addr, length, type after the size field */
#define MMAP_MAX_ENTRIES 256

static void read_memory_map(struct guest_boot *b, uint32_t addr, uint32_t length)
{
	if (!boot_readable(b, addr, length)) {
		boot_problem(b, "mmap_addr 0x%x, mmap_length %u: outside memory", addr, length);
		return;
	}
	uint64_t at = addr, end = (uint64_t)addr + length;
	for (unsigned n = 0; at < end; n++) {
		if (n == MMAP_MAX_ENTRIES) {
			boot_problem(b, "memory map: more than %u entries", MMAP_MAX_ENTRIES);
			return;
		}
		/* Each entry is preceded by its size, which excludes the size field itself. */
		uint32_t size = end - at >= 4 ? read32(at) : 0;
		if (size < MMAP_ENTRY_MIN || size > end - at - 4) {
			boot_problem(b, "memory map entry at 0x%lx: size %u does not fit in mmap_length %u", at, size,
				     length);
			return;
		}
		boot_add_memory(b, read64(at + 4), read64(at + 12), read32(at + 20));
		at += 4 + (uint64_t)size;
	}
}

static void read_modules(struct guest_boot *b, uint32_t count, uint32_t addr)
{
	uint32_t n = count;
	if (n > GUEST_MAX_MODULES) {
		boot_problem(b, "mods_count %u, only %u kept", n, GUEST_MAX_MODULES);
		n = GUEST_MAX_MODULES;
	}
	if (n && !boot_readable(b, addr, (uint64_t)n * sizeof(struct multiboot1_module))) {
		boot_problem(b, "mods_addr 0x%x (%u modules): outside memory", addr, count);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct multiboot1_module m;
		memcpy(&m, gpa_ptr(addr + i * sizeof(m)), sizeof(m));
		if (m.mod_end < m.mod_start)
			boot_problem(b, "module %u: mod_end 0x%x is below mod_start 0x%x", i, m.mod_end, m.mod_start);
		/* A module's string may be 0: no command line (§3.3). */
		const char *cmdline = m.string ? boot_string(b, m.string, "module string") : "";
		boot_add_module(b, m.mod_start, m.mod_end >= m.mod_start ? m.mod_end - m.mod_start : 0, cmdline);
	}
}

void boot_parse_multiboot1(struct guest_boot *b)
{
	struct multiboot1_info info;
	uint64_t gpa = b->entry->rbx;

	b->info_gpa = gpa;
	if (!boot_info_placed(gpa, sizeof(info))) {
		boot_problem(b, "the information structure at 0x%lx is not below 4 GiB", gpa);
		return;
	}
	b->info_readable = true;
	memcpy(&info, gpa_ptr(gpa), sizeof(info));
	if (info.flags & MULTIBOOT1_INFO_MEMORY) {
		b->has_meminfo = true;
		b->mem_lower = info.mem_lower;
		b->mem_upper = info.mem_upper;
	}
	/* The map first: it says where the other pointers may point. */
	if (info.flags & MULTIBOOT1_INFO_MEM_MAP)
		read_memory_map(b, info.mmap_addr, info.mmap_length);
	if (info.flags & MULTIBOOT1_INFO_CMDLINE) {
		b->cmdline = boot_string(b, info.cmdline, "cmdline");
		b->has_cmdline = true;
	}
	if (info.flags & MULTIBOOT1_INFO_MODS)
		read_modules(b, info.mods_count, info.mods_addr);
	if (info.flags & MULTIBOOT1_INFO_BOOT_LOADER_NAME)
		b->boot_loader_name = boot_string(b, info.boot_loader_name, "boot_loader_name");
}
