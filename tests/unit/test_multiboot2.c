#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/multiboot2.h"

/* Builds a Multiboot2 information block tag by tag (8-byte aligned, as GRUB does). */
struct mbi {
	_Alignas(8) uint8_t bytes[4096];
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

static void memory_map(struct mbi *m)
{
	uint8_t *p = tag(m, 6, 16 + 4 * 24);
	uint32_t entry_size = 24, version = 0;
	memcpy(p + 8, &entry_size, 4);
	memcpy(p + 12, &version, 4);
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
	t = tag(&m, 6, 16 + 2 * 24);
	uint32_t entry_size = 24;
	memcpy(t + 8, &entry_size, 4);
	mmap_entry(t + 16, 0x100000, 0x100000, 1);
	mmap_entry(t + 40, 0x180000, 0x100000, 2);
	finish(&m);
	expect_error(&m, "memory map: range 0x180000+0x100000 overlaps another or does not fit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_memory_modules_config_and_rsdp),
		cmocka_unit_test(refuses_malformed_information),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
