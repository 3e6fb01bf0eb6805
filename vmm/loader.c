/* Choosing the boot protocol (configured, or detected from the image) and running it. */
#include "arch/x86/cpu.h"
#include "include/linux_boot.h"
#include "include/pvh.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/guest_boot.h"

/* auto: a Multiboot2 header wins over a Multiboot one (a kernel may carry both, as GRUB
 * lets the user choose), either wins over a bzImage's setup header, a PVH entry note, and
 * plain ELF64, in that order. */
static enum kernel_type detect(struct load_ctx *c)
{
	const struct loader_file *k = &c->in->kernel;
	long bad2 = -1, bad1 = -1;
	if (multiboot2_find_header(k->data, k->size, &bad2) >= 0)
		return KERNEL_MULTIBOOT2;
	if (multiboot1_find_header(k->data, k->size, &bad1) >= 0)
		return KERNEL_MULTIBOOT1;
	if (bad2 >= 0)
		return KERNEL_MULTIBOOT2; /* its loader names the bad checksum */
	if (bad1 >= 0)
		return KERNEL_MULTIBOOT1;
	uint32_t magic = 0;
	if (k->size >= LINUX_HEADER_MAGIC + 4)
		memcpy(&magic, (const uint8_t *)k->data + LINUX_HEADER_MAGIC, 4);
	if (magic == LINUX_HEADER_MAGIC_VALUE)
		return KERNEL_LINUX;
	const void *desc;
	uint32_t desc_size;
	if (elf_find_note(k->data, k->size, PVH_NOTE_NAME, PVH_NOTE_PHYS32_ENTRY, &desc, &desc_size))
		return KERNEL_PVH;
	if (elf_has_magic(k->data, k->size))
		return KERNEL_ELF64;
	load_fail(c, "kernel '%s': no kernel header Keel knows (ELF, bzImage \"HdrS\", Multiboot in the first 8 KiB, "
		  "Multiboot2 in the first 32 KiB); a real-mode binary needs type = \"real16\"", k->name);
	return KERNEL_AUTO;
}

int loader_load(struct p2m *p2m, const struct loader_input *in, struct loader_result *out, char *err,
		size_t errlen)
{
	struct load_ctx c = { .p2m = p2m, .in = in, .out = out, .ram_end = layout_ram_end(p2m->layout, GUEST_UPPER_RAM),
			      .err = err, .errlen = errlen };
	memset(out, 0, sizeof(*out));
	out->type = in->type == KERNEL_AUTO ? detect(&c) : in->type;
	int rc;
	switch (out->type) {
	case KERNEL_ELF64:
		rc = load_elf64(&c);
		break;
	case KERNEL_MULTIBOOT1:
		rc = load_multiboot1(&c);
		break;
	case KERNEL_MULTIBOOT2:
		rc = load_multiboot2(&c);
		break;
	case KERNEL_REAL16:
		rc = load_real16(&c);
		break;
	case KERNEL_PVH:
		rc = load_pvh(&c);
		break;
	case KERNEL_LINUX:
		rc = load_linux(&c);
		break;
	default:
		rc = -EINVAL; /* detect() said why */
		break;
	}
	return rc ? -EINVAL : 0;
}
