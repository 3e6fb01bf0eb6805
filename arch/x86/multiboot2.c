#include "arch/x86/multiboot2.h"
#include "boot/mem_ranges.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define TAG_END 0
#define TAG_MODULE 3
#define TAG_MEMORY_MAP 6
#define TAG_ACPI_OLD 14 /* a copy of the ACPI 1.0 RSDP (20 bytes) */
#define TAG_ACPI_NEW 15 /* a copy of the ACPI 2.0+ RSDP (36 bytes) */
#define RSDP_MAX MULTIBOOT2_RSDP_MAX

struct mb2_tag {
	uint32_t type, size;
};

struct mb2_module {
	struct mb2_tag tag;
	uint32_t start, end;
	char name[]; /* NUL-terminated */
};

struct mb2_mmap {
	struct mb2_tag tag;
	uint32_t entry_size, entry_version;
};

struct mb2_mmap_entry {
	uint64_t base, length;
	uint32_t type, reserved;
};

static uint32_t memory_type(uint32_t mb2_type)
{
	switch (mb2_type) {
	case 1: return BOOT_MEM_USABLE;
	case 3: return BOOT_MEM_ACPI_RECLAIM;
	case 4: return BOOT_MEM_ACPI_NVS;
	case 5: return BOOT_MEM_BAD;
	default: return BOOT_MEM_RESERVED;
	}
}

static int add_module(const struct mb2_module *m, struct boot_info *bi, char *err, size_t errlen)
{
	size_t name_room = m->tag.size - sizeof(*m);
	size_t name_len = strnlen(m->name, name_room);
	if (name_len == name_room || m->end < m->start) {
		ksnprintf(err, errlen, "module at 0x%x: malformed tag", m->start);
		return -EINVAL;
	}
	if (!strcmp(m->name, MULTIBOOT2_CONFIG_NAME)) {
		bi->config_base = m->start;
		bi->config_size = m->end - m->start;
		return 0;
	}
	if (name_len == 0 || name_len >= BOOT_MODULE_NAME) {
		ksnprintf(err, errlen, "module '%.*s': name must be 1-63 characters", (int)(name_len < 64 ? name_len : 64),
			  m->name);
		return -EINVAL;
	}
	if (bi->module_count == BOOT_MAX_MODULES) {
		bi->modules_skipped++; /* the core says so; the ones that fit are kept */
		return 0;
	}
	struct boot_module *out = &bi->modules[bi->module_count++];
	out->base = m->start;
	out->size = m->end - m->start;
	memcpy(out->name, m->name, name_len + 1);
	return 0;
}

/* The entries of the memory map, as found: BIOS maps may overlap, so they are sanitized
 * into bi->mem only at the end tag. Multiboot2 defines one memory-map tag; should there be
 * several, their entries are taken together as one map. Static, being too big for the boot
 * stack; the parser runs once, on one CPU. */
static struct boot_mem_range raw_mem[MEM_RANGES_SANITIZE_MAX];
static uint32_t raw_count;

static int add_memory_map(const struct mb2_mmap *mm, char *err, size_t errlen)
{
	if (mm->entry_size < sizeof(struct mb2_mmap_entry) || mm->entry_size % 8) {
		ksnprintf(err, errlen, "memory map entry size %u", mm->entry_size);
		return -EINVAL;
	}
	const uint8_t *p = (const uint8_t *)mm;
	for (size_t off = sizeof(*mm); mm->tag.size - off >= mm->entry_size; off += mm->entry_size) {
		struct mb2_mmap_entry e;
		memcpy(&e, p + off, sizeof(e));
		if (e.length == 0)
			continue;
		if (raw_count == MEM_RANGES_SANITIZE_MAX) {
			ksnprintf(err, errlen, "memory map: more than %u entries, the most Keel can sanitize",
				  MEM_RANGES_SANITIZE_MAX);
			return -EINVAL;
		}
		raw_mem[raw_count++] = (struct boot_mem_range){ e.base, e.length, memory_type(e.type), 0 };
	}
	return 0;
}

/* Overlaps resolved, the more restrictive type winning (mem_ranges_sanitize). */
static int finish_memory_map(struct boot_info *bi, char *err, size_t errlen)
{
	int rc = mem_ranges_sanitize(raw_mem, raw_count, bi->mem, &bi->mem_count, BOOT_MAX_MEMMAP);
	if (rc == MEM_RANGES_FULL) {
		ksnprintf(err, errlen, "memory map: more than %u ranges once overlaps are resolved",
			  BOOT_MAX_MEMMAP);
		return -EINVAL;
	}
	if (rc != MEM_RANGES_OK || bi->mem_count == 0) {
		bi->mem_count = 0;
		ksnprintf(err, errlen, "no memory map");
		return -EINVAL;
	}
	return 0;
}

int multiboot2_parse(const void *mbi, struct boot_info *bi, uint8_t *rsdp_copy, char *err, size_t errlen)
{
	uint32_t total;
	memcpy(&total, mbi, sizeof(total));
	if (total < 16 || total > MULTIBOOT2_MAX_INFO) {
		ksnprintf(err, errlen, "boot information size %u", total);
		return -EINVAL;
	}
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->source = BOOT_FROM_MULTIBOOT2;
	raw_count = 0;

	const uint8_t *base = mbi, *end = base + total;
	for (const uint8_t *p = base + 8; p + sizeof(struct mb2_tag) <= end;) {
		const struct mb2_tag *tag = (const void *)p;
		if (tag->size < sizeof(*tag) || tag->size > (size_t)(end - p)) {
			ksnprintf(err, errlen, "tag %u at offset %zu: size %u", tag->type, (size_t)(p - base), tag->size);
			return -EINVAL;
		}
		int rc = 0;
		if (tag->type == TAG_END)
			return finish_memory_map(bi, err, errlen);
		if (tag->type == TAG_MODULE && tag->size > sizeof(struct mb2_module))
			rc = add_module((const void *)tag, bi, err, errlen);
		else if (tag->type == TAG_MEMORY_MAP && tag->size >= sizeof(struct mb2_mmap))
			rc = add_memory_map((const void *)tag, err, errlen); /* a second tag adds to the first */
		else if ((tag->type == TAG_ACPI_NEW || (tag->type == TAG_ACPI_OLD && !bi->rsdp)) &&
			 tag->size > sizeof(*tag)) {
			size_t n = tag->size - sizeof(*tag) < RSDP_MAX ? tag->size - sizeof(*tag) : RSDP_MAX;
			memset(rsdp_copy, 0, RSDP_MAX);
			memcpy(rsdp_copy, tag + 1, n);
			bi->rsdp = (uint64_t)(uintptr_t)rsdp_copy;
		}
		if (rc)
			return rc;
		p += (tag->size + 7) & ~7u; /* tags are 8-byte aligned */
	}
	ksnprintf(err, errlen, "no end tag");
	return -EINVAL;
}

