/* PVH kernels (type = "pvh"): an ELF image, 64- or 32-bit, that names its 32-bit entry
 * point in a PVH note (include/pvh.h), as Linux built with CONFIG_PVH does. Its segments
 * load at their physical addresses, below 4 GiB; it starts there in 32-bit protected mode,
 * paging off, with flat segments and EBX the guest-physical address of a struct
 * pvh_start_info: its command line, its modules (the ramdisk first), the domain's memory
 * map and ACPI RSDP. Booting Linux this way skips its self-decompression. */
#include "include/pvh.h"
#include "lib/string.h"
#include "vmm/guest_boot.h"

typedef unsigned long long ull;

/* The PVH memory map is Keel's own, field for field (guest_memory_map). */
_Static_assert(sizeof(struct pvh_memmap_entry) == sizeof(struct keel_memory_range), "one memory map layout");
_Static_assert(KEEL_MEMORY_RAM == 1 && KEEL_MEMORY_RESERVED == 2, "E820 types");

static int put_start_info(struct load_ctx *c)
{
	const struct loader_input *in = c->in;
	struct pvh_module mods[LOADER_MAX_MODULES];
	struct keel_memory_range map[GUEST_MEMORY_RANGES];
	struct pvh_start_info info = { .magic = PVH_START_MAGIC, .version = PVH_START_VERSION };

	if (!(info.cmdline_paddr = boot_put_string(c, in->kernel.cmdline)))
		return -1;
	for (unsigned i = 0; i < in->nmodules; i++) {
		mods[i] = (struct pvh_module){ .paddr = c->module_gpa[i], .size = in->modules[i].size };
		if (!(mods[i].cmdline_paddr = boot_put_string(c, in->modules[i].cmdline)))
			return -1;
	}
	info.nr_modules = in->nmodules;
	if (in->nmodules && !(info.modlist_paddr = boot_put(c, mods, in->nmodules * sizeof(mods[0]), 8)))
		return -1;
	info.rsdp_paddr = in->rsdp_gpa;
	info.memmap_entries = guest_memory_map(c->p2m->layout, map);
	if (!(info.memmap_paddr = boot_put(c, map, info.memmap_entries * sizeof(map[0]), 8)))
		return -1;
	uint64_t gpa = boot_put(c, &info, sizeof(info), 8);
	if (!gpa)
		return -1;
	c->out->regs.gpr[REG_RBX] = gpa;
	return 0;
}

/* The entry the PVH note names, which must lie in one of the kernel's segments. */
static int find_entry(struct load_ctx *c, const struct elf_image *elf, uint64_t *entry)
{
	const struct loader_file *k = &c->in->kernel;
	const uint8_t *desc;
	uint32_t desc_size;
	if (!elf_find_note(k->data, k->size, PVH_NOTE_NAME, PVH_NOTE_PHYS32_ENTRY, (const void **)&desc, &desc_size))
		return load_fail(c, "kernel '%s': no PVH entry (an ELF note \"" PVH_NOTE_NAME "\" of type %u, "
				 "XEN_ELFNOTE_PHYS32_ENTRY)", k->name, PVH_NOTE_PHYS32_ENTRY);
	if (desc_size != 4 && desc_size != 8)
		return load_fail(c, "kernel '%s': its PVH entry note holds %u bytes, not a 4- or 8-byte address", k->name,
				 desc_size);
	*entry = 0;
	memcpy(entry, desc, desc_size);
	for (unsigned i = 0; i < elf->nsegments; i++)
		if (*entry >= elf->seg[i].gpa && *entry - elf->seg[i].gpa < elf->seg[i].mem_size)
			return 0;
	return load_fail(c, "kernel '%s': its PVH entry 0x%llx is not inside one of its segments", k->name,
			 (ull)*entry);
}

int load_pvh(struct load_ctx *c)
{
	struct elf_image elf;
	uint64_t entry;
	int err;
	if ((err = load_elf_kernel(c, ELF_ACCEPT_64 | ELF_ACCEPT_32, GUEST_32BIT_LIMIT, &elf)) ||
	    (err = find_entry(c, &elf, &entry)) || (err = start_protected_mode(c, put_start_info, 0)))
		return err;
	c->out->regs.rip = entry;
	return 0;
}
