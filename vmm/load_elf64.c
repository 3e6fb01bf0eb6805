/* ELF64 kernels (type = "elf64"): Keel's own boot protocol, include/keel/start_info.h. The
 * kernel starts in long mode with the low 4 GiB identity-mapped and RDI pointing at a
 * struct keel_start_info: command line, modules and memory map. */
#include "lib/string.h"
#include "vmm/guest_boot.h"

static int put_start_info(struct load_ctx *c)
{
	const struct loader_input *in = c->in;
	struct keel_start_module mods[LOADER_MAX_MODULES];
	struct keel_memory_range map[GUEST_MEMORY_RANGES];
	struct keel_start_info info = { .magic = KEEL_START_MAGIC, .version = KEEL_START_VERSION };

	if (!(info.cmdline_gpa = boot_put_string(c, in->kernel.cmdline)))
		return -1;
	for (unsigned i = 0; i < in->nmodules; i++) {
		mods[i] = (struct keel_start_module){ .gpa = c->module_gpa[i], .size = in->modules[i].size };
		if (!(mods[i].cmdline_gpa = boot_put_string(c, in->modules[i].cmdline)))
			return -1;
	}
	info.module_count = in->nmodules;
	if (in->nmodules && !(info.modules_gpa = boot_put(c, mods, in->nmodules * sizeof(mods[0]), 8)))
		return -1;
	info.rsdp_gpa = in->rsdp_gpa;
	info.memory_count = guest_memory_map(c->p2m->layout, map);
	if (!(info.memory_gpa = boot_put(c, map, info.memory_count * sizeof(map[0]), 8)))
		return -1;
	uint64_t gpa = boot_put(c, &info, sizeof(info), 8);
	if (!gpa)
		return -1;
	c->out->regs.gpr[REG_RDI] = gpa;
	return 0;
}

int load_elf64(struct load_ctx *c)
{
	struct elf_image elf;
	int err;

	if ((err = load_elf_kernel(c, ELF_ACCEPT_64, UINT64_MAX, &elf)) || (err = load_modules(c, UINT64_MAX)) ||
	    (err = place_boot_area(c)) || (err = put_start_info(c)) || (err = put_gdt(c)) ||
	    (err = put_identity_page_tables(c)))
		return err;
	c->out->boot = (struct vcpu_boot_state){
		.mode = VCPU_BOOT_LONG64,
		.cr3 = c->boot_area + BOOT_AREA_PML4,
		.gdt_base = c->boot_area + BOOT_AREA_GDT,
		.gdt_limit = GUEST_GDT_LIMIT,
		.code_selector = GUEST_CODE64,
		.data_selector = GUEST_DATA,
	};
	c->out->regs.rip = elf.entry;
	c->out->boot.rsp = KEEL_START_STACK_TOP;
	return 0;
}
