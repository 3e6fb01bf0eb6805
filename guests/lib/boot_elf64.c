/* Keel's elf64 protocol: RDI = struct keel_start_info (include/keel/start_info.h), with
 * everything it points to below 1 MiB. */
#include "guests/lib/boot_parse.h"
#include "include/keel/start_info.h"
#include "lib/string.h"

static void read_memory_map(struct guest_boot *b, const struct keel_start_info *si)
{
	uint32_t n = si->memory_count;
	if (n > GUEST_MAX_MEMORY) {
		boot_problem(b, "start info: %u memory ranges, only %u kept", n, GUEST_MAX_MEMORY);
		n = GUEST_MAX_MEMORY;
	}
	if (n && !boot_readable(b, si->memory_gpa, (uint64_t)n * sizeof(struct keel_memory_range))) {
		boot_problem(b, "start info: memory map at 0x%lx (%u ranges) is outside low memory",
			     si->memory_gpa, n);
		return;
	}
	uint64_t prev_end = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct keel_memory_range r;
		memcpy(&r, gpa_ptr(si->memory_gpa + i * sizeof(r)), sizeof(r));
		if (i && r.base < prev_end)
			boot_problem(b, "start info: memory range %u at 0x%lx is not sorted after 0x%lx", i,
				     r.base, prev_end);
		prev_end = r.base + r.length;
		boot_add_memory(b, r.base, r.length, r.type);
	}
}

static void read_modules(struct guest_boot *b, const struct keel_start_info *si)
{
	uint32_t n = si->module_count;
	if (n > GUEST_MAX_MODULES) {
		boot_problem(b, "start info: %u modules, only %u kept", n, GUEST_MAX_MODULES);
		n = GUEST_MAX_MODULES;
	}
	if (n && !boot_readable(b, si->modules_gpa, (uint64_t)n * sizeof(struct keel_start_module))) {
		boot_problem(b, "start info: module list at 0x%lx (%u modules) is outside RAM", si->modules_gpa, n);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct keel_start_module m;
		memcpy(&m, gpa_ptr(si->modules_gpa + i * sizeof(m)), sizeof(m));
		boot_add_module(b, m.gpa, m.size, boot_string(b, m.cmdline_gpa, "module command line"));
	}
}

void boot_parse_elf64(struct guest_boot *b)
{
	struct keel_start_info si;
	uint64_t gpa = b->entry->rdi;

	b->info_gpa = gpa;
	if (!boot_readable(b, gpa, sizeof(si))) {
		boot_problem(b, "start info at 0x%lx is outside low memory", gpa);
		return;
	}
	b->info_readable = true;
	memcpy(&si, gpa_ptr(gpa), sizeof(si));
	b->start_magic = si.magic;
	b->start_version = si.version;
	if (si.magic != KEEL_START_MAGIC || si.version != KEEL_START_VERSION) {
		boot_problem(b, "start info: magic 0x%x version %u, expected 0x%x version %u", si.magic,
			     si.version, KEEL_START_MAGIC, KEEL_START_VERSION);
		return;
	}
	read_memory_map(b, &si); /* first: it says where the other pointers may point */
	b->cmdline = boot_string(b, si.cmdline_gpa, "command line");
	b->rsdp_gpa = si.rsdp_gpa;
	b->has_cmdline = true;
	read_modules(b, &si);
}
