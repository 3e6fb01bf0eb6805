#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/multiboot2.h"
#include "boot/mem_ranges.h"

/* Builds a Multiboot2 information block tag by tag (8-byte aligned, as GRUB does). */
struct mbi {
	_Alignas(8) uint8_t bytes[8192];
	size_t len;
};

static void mbi_start(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
}

static void *tag(struct mbi *m, uint32_t type, uint32_t size)
{
	uint8_t *p = m->bytes + m->len;
	memcpy(p, &type, 4);
	memcpy(p + 4, &size, 4);
	m->len += (size + 7) & ~7u;
	return p;
}

static void module(struct mbi *m, uint32_t start, uint32_t end, const char *name)
{
	uint8_t *p = tag(m, 3, 16 + (uint32_t)strlen(name) + 1);
	memcpy(p + 8, &start, 4);
	memcpy(p + 12, &end, 4);
	strcpy((char *)p + 16, name);
}

static void mmap_entry(uint8_t *p, uint64_t base, uint64_t len, uint32_t type)
{
	memcpy(p, &base, 8);
	memcpy(p + 8, &len, 8);
	memcpy(p + 16, &type, 4);
}

/* A memory-map tag with room for n entries of 24 bytes, filled by the caller at 16 + 24 i. */
static uint8_t *mmap_tag(struct mbi *m, uint32_t n)
{
	uint8_t *p = tag(m, 6, 16 + n * 24);
	uint32_t entry_size = 24, version = 0;
	memcpy(p + 8, &entry_size, 4);
	memcpy(p + 12, &version, 4);
	return p;
}

static void memory_map(struct mbi *m)
{
	uint8_t *p = mmap_tag(m, 4);
	mmap_entry(p + 16, 0x100000, 0x7f00000, 1);
	mmap_entry(p + 40, 0, 0x9fc00, 1);
	mmap_entry(p + 64, 0x9fc00, 0x400, 2);
	mmap_entry(p + 88, 0xfffc0000, 0x40000, 2);
}

static void finish(struct mbi *m)
{
	tag(m, 0, 8);
	uint32_t total = (uint32_t)m->len;
	memcpy(m->bytes, &total, 4);
}

static void parses_memory_modules_config_and_rsdp(void **state)
{
	(void)state;
	struct mbi m;
	mbi_start(&m);
	module(&m, 0x200000, 0x201234, "hello64.elf");
	module(&m, 0x202000, 0x202100, "keel.cfg");
	memory_map(&m);
	uint8_t *acpi = tag(&m, 15, 8 + 36);
	memcpy(acpi + 8, "RSD PTR ", 8);
	finish(&m);

	struct boot_info bi;
	uint8_t rsdp[36];
	char err[128] = "";
	assert_int_equal(multiboot2_parse(m.bytes, &bi, rsdp, err, sizeof(err)), 0);
	assert_int_equal(bi.magic, BOOT_INFO_MAGIC);
	assert_int_equal(bi.source, BOOT_FROM_MULTIBOOT2);
	assert_int_equal(bi.module_count, 1);
	assert_string_equal(bi.modules[0].name, "hello64.elf");
	assert_int_equal(bi.modules[0].base, 0x200000);
	assert_int_equal(bi.modules[0].size, 0x1234);
	assert_int_equal(bi.config_base, 0x202000);
	assert_int_equal(bi.config_size, 0x100);
	/* Sorted by base; the reserved neighbours of the low RAM stay apart from it. */
	assert_int_equal(bi.mem_count, 4);
	assert_int_equal(bi.mem[0].base, 0);
	assert_int_equal(bi.mem[0].length, 0x9fc00);
	assert_int_equal(bi.mem[0].type, BOOT_MEM_USABLE);
	assert_int_equal(bi.mem[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi.mem[2].base, 0x100000);
	assert_int_equal(bi.mem[3].base, 0xfffc0000);
	assert_ptr_equal((void *)(uintptr_t)bi.rsdp, rsdp);
	assert_memory_equal(rsdp, "RSD PTR ", 8);
}

static void expect_error(struct mbi *m, const char *want)
{
	struct boot_info bi;
	uint8_t rsdp[36];
	char err[128] = "";
	assert_int_equal(multiboot2_parse(m->bytes, &bi, rsdp, err, sizeof(err)), -22);
	assert_string_equal(err, want);
}

static void refuses_malformed_information(void **state)
{
	(void)state;
	struct mbi m;

	mbi_start(&m);
	finish(&m);
	expect_error(&m, "no memory map");

	mbi_start(&m);
	memory_map(&m);
	uint32_t total = (uint32_t)m.len; /* no end tag */
	memcpy(m.bytes, &total, 4);
	expect_error(&m, "no end tag");

	mbi_start(&m);
	uint32_t huge = 2u << 20;
	memcpy(m.bytes, &huge, 4);
	expect_error(&m, "boot information size 2097152");

	mbi_start(&m);
	uint8_t *t = tag(&m, 3, 24);
	uint32_t bad_size = 4000; /* runs past the end of the block */
	memcpy(t + 4, &bad_size, 4);
	finish(&m);
	expect_error(&m, "tag 3 at offset 8: size 4000");

	mbi_start(&m);
	t = tag(&m, 3, 24);
	memset(t + 16, 'x', 8); /* name without its NUL */
	finish(&m);
	expect_error(&m, "module at 0x0: malformed tag");

	mbi_start(&m);
	module(&m, 0x3000, 0x2000, "backwards.elf");
	finish(&m);
	expect_error(&m, "module at 0x3000: malformed tag");

	mbi_start(&m);
	t = tag(&m, 6, 16 + 24);
	uint32_t entry_size = 20;
	memcpy(t + 8, &entry_size, 4);
	finish(&m);
	expect_error(&m, "memory map entry size 20");

	mbi_start(&m); /* a memory map of nothing but empty entries */
	t = mmap_tag(&m, 2);
	mmap_entry(t + 16, 0x100000, 0, 1);
	mmap_entry(t + 40, 0, 0, 2);
	finish(&m);
	expect_error(&m, "no memory map");
}

static void parse_ok(struct mbi *m, struct boot_info *bi)
{
	uint8_t rsdp[36];
	char err[128] = "";
	assert_int_equal(multiboot2_parse(m->bytes, bi, rsdp, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static void assert_range(const struct boot_mem_range *r, uint64_t base, uint64_t length, uint32_t type)
{
	assert_int_equal(r->base, base);
	assert_int_equal(r->length, length);
	assert_int_equal(r->type, type);
}

/* The kind of map real BIOSes hand over: the EBDA and the top of RAM listed twice. */
static void overlapping_entries_are_sanitized(void **state)
{
	(void)state;
	struct mbi m;
	struct boot_info bi;
	mbi_start(&m);
	uint8_t *t = mmap_tag(&m, 6);
	mmap_entry(t + 16, 0x100000, 0x7f00000, 1);
	mmap_entry(t + 40, 0x7f00000, 0x100000, 2);
	mmap_entry(t + 64, 0, 0xa0000, 1);
	mmap_entry(t + 88, 0x9fc00, 0x400, 2);
	mmap_entry(t + 112, 0x200000, 0, 5);            /* empty: splits nothing */
	mmap_entry(t + 136, 0xfffc0000, 0x40000, 12);   /* unknown type: reserved */
	finish(&m);
	parse_ok(&m, &bi);
	assert_int_equal(bi.mem_count, 5);
	assert_range(&bi.mem[0], 0, 0x9fc00, BOOT_MEM_USABLE);
	assert_range(&bi.mem[1], 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	assert_range(&bi.mem[2], 0x100000, 0x7e00000, BOOT_MEM_USABLE);
	assert_range(&bi.mem[3], 0x7f00000, 0x100000, BOOT_MEM_RESERVED);
	assert_range(&bi.mem[4], 0xfffc0000, 0x40000, BOOT_MEM_RESERVED);
}

/* Multiboot2 defines one memory-map tag; the entries of a second join those of the first. */
static void several_memory_map_tags_make_one_map(void **state)
{
	(void)state;
	struct mbi m;
	struct boot_info bi;
	mbi_start(&m);
	uint8_t *t = mmap_tag(&m, 1);
	mmap_entry(t + 16, 0x100000, 0x1000000, 1);
	module(&m, 0x200000, 0x201000, "hello64.elf");
	t = mmap_tag(&m, 2);
	mmap_entry(t + 16, 0x800000, 0x10000, 3);
	mmap_entry(t + 40, 0x1100000, 0x100000, 1); /* touches the first tag's range */
	finish(&m);
	parse_ok(&m, &bi);
	assert_int_equal(bi.mem_count, 3);
	assert_range(&bi.mem[0], 0x100000, 0x700000, BOOT_MEM_USABLE);
	assert_range(&bi.mem[1], 0x800000, 0x10000, BOOT_MEM_ACPI_RECLAIM);
	assert_range(&bi.mem[2], 0x810000, 0x9f0000, BOOT_MEM_USABLE);
	assert_int_equal(bi.module_count, 1);
}

/* Up to the sanitizer's limit of entries is read, however many ranges they merge into. */
/* 64 modules fit; the ones after are counted and left out, the configuration still found. */
static void modules_beyond_the_limit_are_left_out(void **state)
{
	(void)state;
	static struct mbi m;
	static struct boot_info bi;
	char name[32];

	mbi_start(&m);
	for (int i = 0; i < BOOT_MAX_MODULES + 2; i++) {
		snprintf(name, sizeof(name), "m%02d.bin", i);
		module(&m, 0x200000 + i * 0x1000, 0x200100 + i * 0x1000, name);
	}
	module(&m, 0x300000, 0x300020, "keel.cfg");
	memory_map(&m);
	finish(&m);
	parse_ok(&m, &bi);
	assert_int_equal(bi.module_count, BOOT_MAX_MODULES);
	assert_int_equal(bi.modules_skipped, 2);
	assert_string_equal(bi.modules[BOOT_MAX_MODULES - 1].name, "m63.bin");
	assert_int_equal(bi.config_base, 0x300000);
	assert_int_equal(bi.config_size, 0x20);
}

static void entry_limits(void **state)
{
	(void)state;
	struct mbi m;
	struct boot_info bi;
	const uint32_t max = MEM_RANGES_SANITIZE_MAX;

	mbi_start(&m); /* the limit, in 4 KiB pages that merge into one range */
	uint8_t *t = mmap_tag(&m, max + 1);
	mmap_entry(t + 16, 0x100000, 0, 2); /* empty entries do not count */
	for (uint32_t i = 0; i < max; i++)
		mmap_entry(t + 40 + 24 * i, 0x100000 + 0x1000ull * i, 0x1000, 1);
	finish(&m);
	parse_ok(&m, &bi);
	assert_int_equal(bi.mem_count, 1);
	assert_range(&bi.mem[0], 0x100000, 0x1000ull * max, BOOT_MEM_USABLE);

	mbi_start(&m); /* one more */
	t = mmap_tag(&m, max + 1);
	for (uint32_t i = 0; i <= max; i++)
		mmap_entry(t + 16 + 24 * i, 0x100000 + 0x1000ull * i, 0x1000, 1);
	finish(&m);
	expect_error(&m, "memory map: more than 256 entries, the most Keel can sanitize");

	mbi_start(&m); /* within the limit, but with more holes than boot_info has room for */
	t = mmap_tag(&m, max);
	mmap_entry(t + 16, 0, 1ull << 30, 1);
	for (uint32_t i = 1; i < max; i++)
		mmap_entry(t + 16 + 24 * i, 0x100000ull * i, 0x1000, 2);
	finish(&m);
	expect_error(&m, "memory map: more than 256 ranges once overlaps are resolved");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_memory_modules_config_and_rsdp),
		cmocka_unit_test(refuses_malformed_information),
		cmocka_unit_test(overlapping_entries_are_sanitized),
		cmocka_unit_test(several_memory_map_tags_make_one_map),
		cmocka_unit_test(modules_beyond_the_limit_are_left_out),
		cmocka_unit_test(entry_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
