/* Multiboot2: EBX = the boot information, a total_size and tags (Multiboot2 §3.6),
 * each 8-byte aligned, up to an end tag. */
#include "guests/lib/boot_parse.h"
#include "include/multiboot2.h"
#include "lib/string.h"

#define MAX_TAGS 512

static uint64_t align8(uint64_t v)
{
	return (v + MULTIBOOT2_TAG_ALIGN - 1) & ~(uint64_t)(MULTIBOOT2_TAG_ALIGN - 1);
}

/* A string filling the rest of a tag from offset off on: NUL-terminated inside it. */
static const char *tag_string(struct guest_boot *b, uint64_t tag, uint32_t size, uint32_t off,
			      const char *what)
{
	const char *s = gpa_ptr(tag + off);
	if (size <= off || strnlen(s, size - off) == size - off) {
		boot_problem(b, "%s tag at 0x%lx: no NUL-terminated string in its %u bytes", what, tag, size);
		return "";
	}
	return s;
}

static void read_mmap(struct guest_boot *b, uint64_t tag, uint32_t size)
{
	if (size < sizeof(struct multiboot2_tag_mmap)) {
		boot_problem(b, "memory map tag at 0x%lx: size %u", tag, size);
		return;
	}
	uint32_t entry_size = read32(tag + 8);
	uint32_t bytes = size - (uint32_t)sizeof(struct multiboot2_tag_mmap);
	/* §3.6.8: entry_size is a multiple of 8; entries may grow, the first 24 bytes stay. */
	if (entry_size < sizeof(struct multiboot2_mmap_entry) || entry_size % 8 || bytes % entry_size) {
		boot_problem(b, "memory map tag at 0x%lx: entry_size %u with %u bytes of entries", tag, entry_size,
			     bytes);
		return;
	}
	for (uint32_t at = 0; at < bytes; at += entry_size) {
		struct multiboot2_mmap_entry e;
		memcpy(&e, gpa_ptr(tag + sizeof(struct multiboot2_tag_mmap) + at), sizeof(e));
		boot_add_memory(b, e.addr, e.len, e.type);
	}
}

/* Each tag Keel's header requests; other tags are skipped. */
static void read_tag(struct guest_boot *b, uint64_t tag, uint32_t type, uint32_t size, unsigned *seen)
{
	if (type < 32) {
		if ((*seen & (1u << type)) && type != MULTIBOOT2_TAG_MODULE)
			boot_problem(b, "tag type %u appears twice", type);
		*seen |= 1u << type;
	}
	switch (type) {
	case MULTIBOOT2_TAG_CMDLINE:
		b->cmdline = tag_string(b, tag, size, 8, "command line");
		b->has_cmdline = true;
		break;
	case MULTIBOOT2_TAG_BOOT_LOADER_NAME:
		b->boot_loader_name = tag_string(b, tag, size, 8, "boot loader name");
		break;
	case MULTIBOOT2_TAG_MODULE: {
		if (size < sizeof(struct multiboot2_tag_module)) {
			boot_problem(b, "module tag at 0x%lx: size %u", tag, size);
			break;
		}
		uint32_t start = read32(tag + 8), end = read32(tag + 12);
		if (end < start)
			boot_problem(b, "module tag at 0x%lx: mod_end 0x%x is below mod_start 0x%x", tag, end, start);
		boot_add_module(b, start, end >= start ? end - start : 0,
				tag_string(b, tag, size, 16, "module"));
		break;
	}
	case MULTIBOOT2_TAG_BASIC_MEMINFO:
		if (size < sizeof(struct multiboot2_tag_basic_meminfo)) {
			boot_problem(b, "basic memory information tag at 0x%lx: size %u", tag, size);
			break;
		}
		b->has_meminfo = true;
		b->mem_lower = read32(tag + 8);
		b->mem_upper = read32(tag + 12);
		break;
	case MULTIBOOT2_TAG_MMAP:
		read_mmap(b, tag, size);
		break;
	case MULTIBOOT2_TAG_ACPI_NEW:
		if (size < 8 + 36)
			boot_problem(b, "ACPI tag at 0x%lx: size %u, too small for an RSDP of revision 2", tag, size);
		else
			b->rsdp_gpa = tag + 8;
		break;
	default:
		break;
	}
}

void boot_parse_multiboot2(struct guest_boot *b)
{
	uint64_t gpa = b->entry->rbx;
	unsigned seen = 0;

	b->info_gpa = gpa;
	if (!boot_info_placed(gpa, 8)) {
		boot_problem(b, "the boot information at 0x%lx is not below 4 GiB", gpa);
		return;
	}
	uint32_t total = read32(gpa);
	if (total < 16 || !boot_info_placed(gpa, total)) {
		boot_problem(b, "the boot information at 0x%lx: total_size %u", gpa, total);
		return;
	}
	b->info_readable = true;
	/* The whole block is readable now; each tag is checked against its end. */
	uint64_t at = gpa + 8, end = gpa + total;
	for (unsigned n = 0; n < MAX_TAGS && end - at >= 8; n++) {
		uint32_t type = read32(at), size = read32(at + 4);
		if (size < 8 || size > end - at) {
			boot_problem(b, "tag type %u at 0x%lx: size %u runs past total_size", type, at, size);
			return;
		}
		if (type == MULTIBOOT2_TAG_END)
			return;
		read_tag(b, at, type, size, &seen);
		at = align8(at + size) < end ? align8(at + size) : end;
	}
	boot_problem(b, "the boot information at 0x%lx has no end tag", gpa);
}
