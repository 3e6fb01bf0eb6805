/* Multiboot kernels (type = "multiboot1"), as the Multiboot specification 0.6.96 says:
 * the header in the first 8 KiB (§3.1.1), its flags (§3.1.2), the kernel loaded from its
 * ELF program headers or from the header's address fields (§3.1.3), the information
 * structure (§3.3) and the machine state at entry (§3.2): 32-bit protected mode, paging
 * off, flat segments, EAX = 0x2BADB002, EBX = the information structure. */
#include "include/multiboot1.h"
#include "lib/string.h"
#include "vmm/guest_boot.h"

#define ADDRESS_FIELDS_END 32 /* the header up to entry_addr */
#define KNOWN_REQUIREMENTS (MULTIBOOT1_PAGE_ALIGN | MULTIBOOT1_MEMORY_INFO)

long multiboot1_find_header(const void *image, uint64_t size, long *bad_offset)
{
	const uint8_t *bytes = image;
	uint64_t end = size < MULTIBOOT1_SEARCH ? size : MULTIBOOT1_SEARCH;
	for (uint64_t off = 0; off + 12 <= end; off += MULTIBOOT1_HEADER_ALIGN) {
		uint32_t h[3];
		memcpy(h, bytes + off, sizeof(h));
		if (h[0] != MULTIBOOT1_HEADER_MAGIC)
			continue;
		if (h[0] + h[1] + h[2] == 0)
			return (long)off;
		if (*bad_offset < 0)
			*bad_offset = (long)off;
	}
	return -1;
}

/* Refuses what the header requires and Keel cannot give (bits 0-15 are requirements). */
static int check_flags(struct load_ctx *c, uint32_t flags)
{
	const char *name = c->in->kernel.name;
	if (flags & MULTIBOOT1_VIDEO_MODE)
		return load_fail(c, "kernel '%s': its Multiboot header asks for a video mode (flag 2); Keel's "
				 "domains have no display", name);
	uint32_t unknown = flags & MULTIBOOT1_REQUIRED_MASK & ~KNOWN_REQUIREMENTS & ~MULTIBOOT1_VIDEO_MODE;
	if (unknown)
		return load_fail(c, "kernel '%s': its Multiboot header requires feature bit %d, which Keel does "
				 "not know", name, __builtin_ctz(unknown));
	return 0;
}

static int load_kernel(struct load_ctx *c, uint64_t header_offset, const struct multiboot1_header *h)
{
	const struct loader_file *k = &c->in->kernel;
	if (h->flags & MULTIBOOT1_AOUT_KLUDGE) {
		if (header_offset + ADDRESS_FIELDS_END > k->size)
			return load_fail(c, "kernel '%s': the file ends inside the Multiboot header's address "
					 "fields", k->name);
		struct address_fields a = { header_offset, h->header_addr, h->load_addr, h->load_end_addr,
					    h->bss_end_addr, h->entry_addr };
		return load_address_fields(c, &a);
	}
	struct elf_image elf;
	int err = load_elf_kernel(c, ELF_ACCEPT_32 | ELF_ACCEPT_64, GUEST_32BIT_LIMIT, &elf);
	if (err)
		return err;
	if (elf.entry >= GUEST_32BIT_LIMIT)
		return load_fail(c, "kernel '%s': entry 0x%llx is beyond 4 GiB", k->name, (unsigned long long)elf.entry);
	c->out->regs.rip = elf.entry;
	return 0;
}

static int put_info(struct load_ctx *c)
{
	const struct loader_input *in = c->in;
	struct multiboot1_module mods[LOADER_MAX_MODULES];
	struct keel_memory_range map[GUEST_MEMORY_RANGES];
	struct multiboot1_mmap_entry mmap[GUEST_MEMORY_RANGES];
	uint64_t gpa;
	struct multiboot1_info info = {
		.flags = MULTIBOOT1_INFO_MEMORY | MULTIBOOT1_INFO_CMDLINE | MULTIBOOT1_INFO_MODS |
			 MULTIBOOT1_INFO_MEM_MAP | MULTIBOOT1_INFO_BOOT_LOADER_NAME,
		/* KiB of low memory (at most 640) and from 1 MiB up to the first hole (§3.3) */
		.mem_lower = (uint32_t)(GUEST_LOW_RAM_END / 1024),
		.mem_upper = (uint32_t)((c->ram_end - GUEST_UPPER_RAM) / 1024),
	};

	if (!(gpa = boot_put_string(c, in->kernel.cmdline)))
		return -1;
	info.cmdline = (uint32_t)gpa;
	for (unsigned i = 0; i < in->nmodules; i++) {
		if (!(gpa = boot_put_string(c, in->modules[i].cmdline)))
			return -1;
		mods[i] = (struct multiboot1_module){ .mod_start = (uint32_t)c->module_gpa[i],
						      .mod_end = (uint32_t)(c->module_gpa[i] + in->modules[i].size),
						      .string = (uint32_t)gpa };
	}
	info.mods_count = in->nmodules;
	if (in->nmodules) {
		if (!(gpa = boot_put(c, mods, in->nmodules * sizeof(mods[0]), 4)))
			return -1;
		info.mods_addr = (uint32_t)gpa;
	}
	unsigned n = guest_memory_map(c->p2m->layout, map);
	for (unsigned i = 0; i < n; i++)
		mmap[i] = (struct multiboot1_mmap_entry){ .size = sizeof(mmap[i]) - 4, .addr = map[i].base,
							  .len = map[i].length, .type = map[i].type };
	if (!(gpa = boot_put(c, mmap, n * sizeof(mmap[0]), 4)))
		return -1;
	info.mmap_addr = (uint32_t)gpa;
	info.mmap_length = (uint32_t)(n * sizeof(mmap[0]));
	if (!(gpa = boot_put_string(c, KEEL_BOOT_LOADER_NAME)))
		return -1;
	info.boot_loader_name = (uint32_t)gpa;
	if (!(gpa = boot_put(c, &info, sizeof(info), 8)))
		return -1;
	c->out->regs.gpr[REG_RBX] = gpa;
	return 0;
}

int load_multiboot1(struct load_ctx *c)
{
	const struct loader_file *k = &c->in->kernel;
	struct multiboot1_header h = { 0 };
	long bad = -1, off = multiboot1_find_header(k->data, k->size, &bad);

	if (off < 0) {
		if (bad >= 0)
			return load_fail(c, "kernel '%s': the Multiboot header at offset 0x%lx has a bad checksum "
					 "(magic + flags + checksum must be 0)", k->name, bad);
		return load_fail(c, "kernel '%s': no Multiboot header in its first 8 KiB", k->name);
	}
	uint64_t avail = k->size - (uint64_t)off;
	memcpy(&h, (const uint8_t *)k->data + off, avail < sizeof(h) ? avail : sizeof(h));
	int err;
	if ((err = check_flags(c, h.flags)) || (err = load_kernel(c, (uint64_t)off, &h)))
		return err;
	return start_protected_mode(c, put_info, MULTIBOOT1_BOOTLOADER_MAGIC);
}
