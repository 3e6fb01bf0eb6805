/* Multiboot2 kernels (type = "multiboot2"), as the Multiboot2 specification 2.0 says: the
 * header in the first 32 KiB, 8-byte aligned (§3.1.1), its tags (§3.1.3-3.1.13), the
 * kernel loaded from its ELF program headers or from the address tag (§3.1.5), the boot
 * information tags (§3.6) and the machine state at entry (§3.3): 32-bit protected mode,
 * paging off, flat segments, EAX = 0x36D76289, EBX = the boot information. */
#include "include/multiboot2.h"
#include "lib/string.h"
#include "vmm/guest_boot.h"

/* What Keel reads from a kernel's header tags. */
struct mb2_header_info {
	bool has_address, has_entry;
	struct address_fields address;
	uint32_t entry_addr;
	bool relocatable;
	struct multiboot2_header_tag_relocatable reloc;
};

long multiboot2_find_header(const void *image, uint64_t size, long *bad_offset)
{
	const uint8_t *bytes = image;
	uint64_t end = size < MULTIBOOT2_SEARCH ? size : MULTIBOOT2_SEARCH;
	for (uint64_t off = 0; off + sizeof(struct multiboot2_header) <= end; off += MULTIBOOT2_HEADER_ALIGN) {
		struct multiboot2_header h;
		memcpy(&h, bytes + off, sizeof(h));
		if (h.magic != MULTIBOOT2_HEADER_MAGIC)
			continue;
		if (h.magic + h.architecture + h.header_length + h.checksum == 0)
			return (long)off;
		if (*bad_offset < 0)
			*bad_offset = (long)off;
	}
	return -1;
}

/* The information tags Keel provides (§3.6): an information request may ask for these;
 * the ACPI one where the domain has ACPI tables. */
static bool provided(const struct load_ctx *c, uint32_t type)
{
	return type == MULTIBOOT2_TAG_CMDLINE || type == MULTIBOOT2_TAG_BOOT_LOADER_NAME ||
	       type == MULTIBOOT2_TAG_MODULE || type == MULTIBOOT2_TAG_BASIC_MEMINFO ||
	       type == MULTIBOOT2_TAG_MMAP || (type == MULTIBOOT2_TAG_ACPI_NEW && c->in->rsdp_gpa);
}

static int information_request(struct load_ctx *c, const uint8_t *tag, uint32_t size, bool optional)
{
	for (uint32_t at = sizeof(struct multiboot2_header_tag); at + 4 <= size; at += 4) {
		uint32_t type;
		memcpy(&type, tag + at, 4);
		if (!provided(c, type) && !optional)
			return load_fail(c, "kernel '%s': its Multiboot2 header requires boot information tag %u, "
					 "which Keel does not provide", c->in->kernel.name, type);
	}
	return 0;
}

/* Reads one header tag; refuses a required one Keel cannot honour (§3.1.3: a loader that
 * does not support a required tag must fail). */
static int read_tag(struct load_ctx *c, const uint8_t *tag, const struct multiboot2_header_tag *t,
		    uint64_t header_offset, struct mb2_header_info *info)
{
	const char *name = c->in->kernel.name;
	bool optional = t->flags & MULTIBOOT2_HEADER_TAG_OPTIONAL;
	uint32_t console_flags;

	switch (t->type) {
	case MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST:
		return information_request(c, tag, t->size, optional);
	case MULTIBOOT2_HEADER_TAG_ADDRESS: {
		struct multiboot2_header_tag_address a;
		if (t->size < sizeof(a))
			return load_fail(c, "kernel '%s': Multiboot2 address tag of %u bytes, expected %zu", name,
					 t->size, sizeof(a));
		memcpy(&a, tag, sizeof(a));
		info->has_address = true;
		info->address = (struct address_fields){ header_offset, a.header_addr, a.load_addr,
							 a.load_end_addr, a.bss_end_addr, 0 };
		return 0;
	}
	case MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS: {
		struct multiboot2_header_tag_entry e;
		if (t->size < sizeof(e))
			return load_fail(c, "kernel '%s': Multiboot2 entry address tag of %u bytes, expected %zu",
					 name, t->size, sizeof(e));
		memcpy(&e, tag, sizeof(e));
		info->has_entry = true;
		info->entry_addr = e.entry_addr;
		return 0;
	}
	case MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS:
		if (t->size < sizeof(*t) + sizeof(console_flags))
			return load_fail(c, "kernel '%s': Multiboot2 console flags tag of %u bytes, expected %zu",
					 name, t->size, sizeof(*t) + sizeof(console_flags));
		memcpy(&console_flags, tag + sizeof(*t), sizeof(console_flags));
		if ((console_flags & MULTIBOOT2_CONSOLE_REQUIRED) && !optional)
			return load_fail(c, "kernel '%s': its Multiboot2 header requires a console described in the "
					 "boot information, which Keel does not provide (its domains have a serial "
					 "port only)", name);
		return 0;
	case MULTIBOOT2_HEADER_TAG_FRAMEBUFFER:
		return optional ? 0 : load_fail(c, "kernel '%s': its Multiboot2 header requires a framebuffer; Keel's "
						"domains have no display", name);
	case MULTIBOOT2_HEADER_TAG_MODULE_ALIGN:
		return 0; /* Keel page-aligns every module anyway */
	case MULTIBOOT2_HEADER_TAG_EFI_BS:
		return optional ? 0 : load_fail(c, "kernel '%s': its Multiboot2 header requires EFI boot services; "
						"Keel's domains have no firmware", name);
	case MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI32:
	case MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI64:
		return 0; /* used only together with EFI boot services (§3.1.9, 3.1.10) */
	case MULTIBOOT2_HEADER_TAG_RELOCATABLE:
		if (t->size < sizeof(info->reloc))
			return load_fail(c, "kernel '%s': Multiboot2 relocatable tag of %u bytes, expected %zu", name,
					 t->size, sizeof(info->reloc));
		memcpy(&info->reloc, tag, sizeof(info->reloc));
		info->relocatable = true;
		return 0;
	default:
		return optional ? 0 : load_fail(c, "kernel '%s': its Multiboot2 header has required tag type %u, "
						"which Keel does not know", name, t->type);
	}
}

static int read_header(struct load_ctx *c, uint64_t off, struct mb2_header_info *info)
{
	const struct loader_file *k = &c->in->kernel;
	const uint8_t *bytes = k->data;
	struct multiboot2_header h;

	memcpy(&h, bytes + off, sizeof(h));
	if (h.architecture != MULTIBOOT2_ARCHITECTURE_I386)
		return load_fail(c, "kernel '%s': Multiboot2 architecture %u is not i386 (0)", k->name, h.architecture);
	if (h.header_length < sizeof(h) || h.header_length > k->size - off)
		return load_fail(c, "kernel '%s': Multiboot2 header_length %u runs past the end of the file", k->name,
				 h.header_length);
	uint64_t end = off + h.header_length;
	for (uint64_t at = off + sizeof(h); at + sizeof(struct multiboot2_header_tag) <= end;) {
		struct multiboot2_header_tag t;
		memcpy(&t, bytes + at, sizeof(t));
		if (t.size < sizeof(t) || t.size > end - at)
			return load_fail(c, "kernel '%s': Multiboot2 header tag %u at offset 0x%llx has size %u", k->name,
					 t.type, (unsigned long long)at, t.size);
		if (t.type == MULTIBOOT2_HEADER_TAG_END)
			return 0;
		int err = read_tag(c, bytes + at, &t, off, info);
		if (err)
			return err;
		at += (t.size + MULTIBOOT2_TAG_ALIGN - 1) & ~(uint64_t)(MULTIBOOT2_TAG_ALIGN - 1);
	}
	return load_fail(c, "kernel '%s': its Multiboot2 header has no end tag", k->name);
}

static int load_kernel(struct load_ctx *c, struct mb2_header_info *info)
{
	const struct loader_file *k = &c->in->kernel;
	int err;
	if (info->has_address) {
		if (!info->has_entry)
			return load_fail(c, "kernel '%s': its Multiboot2 header has an address tag but no entry address "
					 "tag", k->name);
		info->address.entry_addr = info->entry_addr;
		err = load_address_fields(c, &info->address);
	} else {
		struct elf_image elf;
		err = load_elf_kernel(c, ELF_ACCEPT_32 | ELF_ACCEPT_64, GUEST_32BIT_LIMIT, &elf);
		c->out->regs.rip = info->has_entry ? info->entry_addr : elf.entry;
		if (!err && c->out->regs.rip >= GUEST_32BIT_LIMIT)
			return load_fail(c, "kernel '%s': entry 0x%llx is beyond 4 GiB", k->name,
					 (unsigned long long)c->out->regs.rip);
	}
	if (err || !info->relocatable)
		return err;
	/* Keel loads a relocatable kernel where it was linked, which must suit its constraints. */
	const struct multiboot2_header_tag_relocatable *r = &info->reloc;
	if (c->out->kernel_low < r->min_addr || c->out->kernel_high > (uint64_t)r->max_addr + 1 ||
	    (r->align && c->out->kernel_low % r->align))
		return load_fail(c, "kernel '%s': its Multiboot2 header asks to be relocated within 0x%x-0x%x "
				 "(alignment 0x%x); Keel loads kernels only at their own addresses", k->name, r->min_addr,
				 r->max_addr, r->align);
	return 0;
}

/* Appends one boot information tag (header and body); tags follow each other 8-aligned. */
static bool put_tag(struct load_ctx *c, uint32_t type, const void *body, uint32_t len, const char *text)
{
	uint32_t text_len = text ? (uint32_t)strlen(text) + 1 : 0;
	struct multiboot2_tag t = { type, (uint32_t)sizeof(t) + len + text_len };
	if (!boot_put(c, &t, sizeof(t), MULTIBOOT2_TAG_ALIGN) || (len && !boot_put(c, body, len, 1)) ||
	    (text && !boot_put(c, text, text_len, 1)))
		return false;
	return true;
}

static int put_info(struct load_ctx *c)
{
	const struct loader_input *in = c->in;
	uint32_t fixed[2] = { 0, 0 }; /* total_size, reserved: total_size is written last */
	uint64_t start = boot_put(c, fixed, sizeof(fixed), MULTIBOOT2_TAG_ALIGN);
	if (!start)
		return -1;
	if (!put_tag(c, MULTIBOOT2_TAG_CMDLINE, NULL, 0, in->kernel.cmdline) ||
	    !put_tag(c, MULTIBOOT2_TAG_BOOT_LOADER_NAME, NULL, 0, KEEL_BOOT_LOADER_NAME))
		return -1;
	for (unsigned i = 0; i < in->nmodules; i++) {
		uint32_t range[2] = { (uint32_t)c->module_gpa[i], (uint32_t)(c->module_gpa[i] + in->modules[i].size) };
		if (!put_tag(c, MULTIBOOT2_TAG_MODULE, range, sizeof(range), in->modules[i].cmdline))
			return -1;
	}
	/* A copy of the RSDP (Multiboot2 §3.6.16, "ACPI new RSDP"), as GRUB gives one. */
	if (in->rsdp_gpa && !put_tag(c, MULTIBOOT2_TAG_ACPI_NEW, in->rsdp, LOADER_RSDP_BYTES, NULL))
		return -1;
	uint32_t meminfo[2] = { (uint32_t)(GUEST_LOW_RAM_END / 1024), (uint32_t)((c->ram_end - GUEST_UPPER_RAM) / 1024) };
	if (!put_tag(c, MULTIBOOT2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo), NULL))
		return -1;
	struct keel_memory_range map[GUEST_MEMORY_RANGES];
	struct {
		uint32_t entry_size, entry_version;
		struct multiboot2_mmap_entry e[GUEST_MEMORY_RANGES];
	} mmap = { sizeof(struct multiboot2_mmap_entry), 0, { { 0 } } };
	unsigned n = guest_memory_map(c->p2m->layout, map);
	for (unsigned i = 0; i < n; i++)
		mmap.e[i] = (struct multiboot2_mmap_entry){ map[i].base, map[i].length, map[i].type, 0 };
	if (!put_tag(c, MULTIBOOT2_TAG_MMAP, &mmap, (uint32_t)(8 + n * sizeof(mmap.e[0])), NULL) ||
	    !put_tag(c, MULTIBOOT2_TAG_END, NULL, 0, NULL))
		return -1;
	uint32_t total = (uint32_t)(c->boot_next - start);
	if (p2m_copy_to_guest(c->p2m, start, &total, sizeof(total)))
		return -1;
	c->out->regs.gpr[REG_RBX] = start;
	return 0;
}

int load_multiboot2(struct load_ctx *c)
{
	const struct loader_file *k = &c->in->kernel;
	struct mb2_header_info info = { 0 };
	long bad = -1, off = multiboot2_find_header(k->data, k->size, &bad);

	if (off < 0) {
		if (bad >= 0)
			return load_fail(c, "kernel '%s': the Multiboot2 header at offset 0x%lx has a bad checksum "
					 "(magic + architecture + header_length + checksum must be 0)", k->name, bad);
		return load_fail(c, "kernel '%s': no Multiboot2 header in its first 32 KiB", k->name);
	}
	int err;
	if ((err = read_header(c, (uint64_t)off, &info)) || (err = load_kernel(c, &info)))
		return err;
	return start_protected_mode(c, put_info, MULTIBOOT2_BOOTLOADER_MAGIC);
}
