/* PVH: EBX = struct pvh_start_info (include/pvh.h), version 1 with the memory map. */
#include "guests/lib/boot_parse.h"
#include "include/pvh.h"
#include "lib/string.h"

static void read_memory_map(struct guest_boot *b, uint64_t addr, uint32_t count)
{
	if (count > GUEST_MAX_MEMORY) {
		boot_problem(b, "memmap_entries %u, more than %u", count, GUEST_MAX_MEMORY);
		return;
	}
	if (!boot_readable(b, addr, (uint64_t)count * sizeof(struct pvh_memmap_entry))) {
		boot_problem(b, "memmap_paddr 0x%lx (%u entries): outside memory", addr, count);
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		struct pvh_memmap_entry e;
		memcpy(&e, gpa_ptr(addr + i * sizeof(e)), sizeof(e));
		boot_add_memory(b, e.addr, e.size, e.type);
	}
}

static void read_modules(struct guest_boot *b, uint64_t addr, uint32_t count)
{
	if (count > GUEST_MAX_MODULES) {
		boot_problem(b, "nr_modules %u, more than %u", count, GUEST_MAX_MODULES);
		return;
	}
	if (count && !boot_readable(b, addr, (uint64_t)count * sizeof(struct pvh_module))) {
		boot_problem(b, "modlist_paddr 0x%lx (%u modules): outside memory", addr, count);
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		struct pvh_module m;
		memcpy(&m, gpa_ptr(addr + i * sizeof(m)), sizeof(m));
		const char *cmdline = m.cmdline_paddr ? boot_string(b, m.cmdline_paddr, "module cmdline") : "";
		boot_add_module(b, m.paddr, m.size, cmdline);
	}
}

void boot_parse_pvh(struct guest_boot *b)
{
	struct pvh_start_info info;
	uint64_t gpa = b->entry->rbx;

	b->info_gpa = gpa;
	b->info_readable = boot_readable(b, gpa, sizeof(info));
	if (!b->info_readable) {
		boot_problem(b, "EBX 0x%lx: the start info is not in low memory", gpa);
		return;
	}
	memcpy(&info, gpa_ptr(gpa), sizeof(info));
	b->start_magic = info.magic;
	b->start_version = info.version;
	if (info.magic != PVH_START_MAGIC || info.version < 1) {
		boot_problem(b, "start info magic 0x%x, version %u: expected 0x%x, 1 or later", info.magic, info.version,
			     PVH_START_MAGIC);
		return;
	}
	/* The memory map first: it says where the rest may be read. */
	read_memory_map(b, info.memmap_paddr, info.memmap_entries);
	if (info.cmdline_paddr) {
		b->has_cmdline = true;
		b->cmdline = boot_string(b, info.cmdline_paddr, "cmdline");
	}
	read_modules(b, info.modlist_paddr, info.nr_modules);
	b->rsdp_gpa = info.rsdp_paddr;
}
