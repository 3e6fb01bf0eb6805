/* vmm/dev/aml.c: AML terms, byte for byte as ACPI 6.x §20.2 and §6.4.2 encode them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/dev/aml.h"

static uint8_t buf[8192];
static struct aml a;

static int setup(void **state)
{
	(void)state;
	memset(buf, 0xee, sizeof(buf));
	aml_init(&a, buf, sizeof(buf));
	return 0;
}

#define EXPECT_BYTES(...) do { \
		const uint8_t want[] = { __VA_ARGS__ }; \
		assert_false(a.failed); \
		assert_int_equal(a.len, sizeof(want)); \
		assert_memory_equal(buf, want, sizeof(want)); \
	} while (0)

static void integers_take_their_shortest_encoding(void **state)
{
	static const struct {
		uint64_t value;
		size_t len;
		uint8_t bytes[9];
	} cases[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ 2, 2, { 0x0a, 0x02 } },
		{ 0xff, 2, { 0x0a, 0xff } },
		{ 0x100, 3, { 0x0b, 0x00, 0x01 } },
		{ 0xffff, 3, { 0x0b, 0xff, 0xff } },
		{ 0x10000, 5, { 0x0c, 0x00, 0x00, 0x01, 0x00 } },
		{ 0xffffffff, 5, { 0x0c, 0xff, 0xff, 0xff, 0xff } },
		{ 0x100000000, 9, { 0x0e, 0, 0, 0, 0, 1, 0, 0, 0 } },
		{ UINT64_MAX, 9, { 0x0e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(state);
		aml_integer(&a, cases[i].value);
		assert_false(a.failed);
		assert_int_equal(a.len, cases[i].len);
		assert_memory_equal(buf, cases[i].bytes, cases[i].len);
	}
}

static void names_strings_and_eisa_ids(void **state)
{
	(void)state;
	aml_name(&a, "\\_S5");
	aml_name(&a, "_HID");
	aml_name(&a, "A");
	aml_string(&a, "ACPI0007");
	aml_eisa_id(&a, "PNP0501");
	aml_eisa_id(&a, "PNP0B00"); /* a DWord even when its high byte is 0 */
	EXPECT_BYTES(0x08, '\\', '_', 'S', '5', '_',
		     0x08, '_', 'H', 'I', 'D',
		     0x08, 'A', '_', '_', '_',
		     0x0d, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0x00,
		     0x0c, 0x41, 0xd0, 0x05, 0x01,
		     0x0c, 0x41, 0xd0, 0x0b, 0x00);
}

static void what_aml_cannot_hold_fails(void **state)
{
	static const char *const bad_names[] = { "", "\\", "1ABC", "ABCDE", "_a", "CP-1" };
	static const char *const bad_ids[] = { "PNP050", "PNP05011", "pnp0501", "PNP05G1", "P1P0501" };

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		setup(state);
		aml_name(&a, bad_names[i]);
		assert_true(a.failed);
	}
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		setup(state);
		aml_eisa_id(&a, bad_ids[i]);
		assert_true(a.failed);
		assert_int_equal(a.len, 0);
	}
	setup(state);
	aml_string(&a, "caf\xc3\xa9");
	assert_true(a.failed);
	setup(state);
	aml_irq(&a, 16);
	assert_true(a.failed);
	assert_int_equal(a.len, 0);
}

static void devices_packages_and_resource_templates(void **state)
{
	(void)state;
	size_t dev = aml_device(&a, "COM1");
	aml_name(&a, "_UID");
	aml_integer(&a, 1);
	aml_end(&a, dev);
	size_t pkg = aml_package(&a, 2);
	aml_integer(&a, 5);
	aml_integer(&a, 0);
	aml_end(&a, pkg);
	size_t res = aml_resources(&a);
	aml_io(&a, 0x3f8, 8);
	aml_irq(&a, 4);
	aml_resources_end(&a, res);
	EXPECT_BYTES(0x5b, 0x82, 0x0b, 'C', 'O', 'M', '1', 0x08, '_', 'U', 'I', 'D', 0x01,
		     0x12, 0x05, 0x02, 0x0a, 0x05, 0x00,
		     0x11, 0x10, 0x0a, 0x0d,
		     0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
		     0x22, 0x10, 0x00,
		     0x79, 0x00);
}

/* A scope holding a string of n characters: its PkgLength counts 5 bytes of name and n + 2
 * of string, and itself. */
static void scope_with_string(size_t n)
{
	static char s[sizeof(buf)];

	memset(s, 'x', n);
	s[n] = '\0';
	size_t scope = aml_scope(&a, "\\_SB");
	aml_string(&a, s);
	aml_end(&a, scope);
	assert_false(a.failed);
	assert_int_equal(buf[0], 0x10);
}

static void pkg_length_grows_at_63_and_4095(void **state)
{
	scope_with_string(55); /* 62 bytes of contents: 63 in one byte */
	assert_int_equal(buf[1], 63);
	assert_int_equal(buf[2], '\\');
	setup(state);
	scope_with_string(56); /* 63: 65 in two bytes, the low nibble first */
	assert_int_equal(buf[1], 0x41);
	assert_int_equal(buf[2], 0x04);
	assert_int_equal(buf[3], '\\');
	setup(state);
	scope_with_string(4086); /* 4093: 4095 in two bytes */
	assert_int_equal(buf[1], 0x4f);
	assert_int_equal(buf[2], 0xff);
	assert_int_equal(buf[3], '\\');
	setup(state);
	scope_with_string(4087); /* 4094: 4097 in three */
	assert_int_equal(buf[1], 0x81);
	assert_int_equal(buf[2], 0x00);
	assert_int_equal(buf[3], 0x01);
	assert_int_equal(buf[4], '\\');
	assert_int_equal(a.len, 4097 + 1);
}

static void running_out_of_room_stops_writing(void **state)
{
	(void)state;
	aml_init(&a, buf, 3);
	aml_name(&a, "_HID"); /* NameOp fits, the name does not */
	assert_true(a.failed);
	assert_int_equal(a.len, 1);
	aml_integer(&a, 0);
	assert_int_equal(a.len, 1);
	assert_int_equal(buf[1], 0xee);

	aml_init(&a, buf, 6); /* the scope fits, its PkgLength does not */
	size_t scope = aml_scope(&a, "\\_SB");
	assert_false(a.failed);
	aml_end(&a, scope);
	assert_true(a.failed);
	assert_int_equal(a.len, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(integers_take_their_shortest_encoding, setup),
		cmocka_unit_test_setup(names_strings_and_eisa_ids, setup),
		cmocka_unit_test_setup(what_aml_cannot_hold_fails, setup),
		cmocka_unit_test_setup(devices_packages_and_resource_templates, setup),
		cmocka_unit_test_setup(pkg_length_grows_at_63_and_4095, setup),
		cmocka_unit_test_setup(running_out_of_room_stops_writing, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
