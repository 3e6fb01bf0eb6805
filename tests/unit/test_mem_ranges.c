#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "boot/mem_ranges.h"

#define MB 0x100000ull

static void assert_range(const struct boot_mem_range *r, uint64_t base, uint64_t length,
			 uint32_t type)
{
	assert_int_equal(r->base, base);
	assert_int_equal(r->length, length);
	assert_int_equal(r->type, type);
}

static void sorts_out_of_order_input(void **state)
{
	(void)state;
	struct boot_mem_range r[4];
	uint32_t n = 0;
	assert_int_equal(mem_ranges_add(r, &n, 4, 8 * MB, MB, BOOT_MEM_USABLE), MEM_RANGES_OK);
	assert_int_equal(mem_ranges_add(r, &n, 4, 0, MB, BOOT_MEM_RESERVED), MEM_RANGES_OK);
	assert_int_equal(mem_ranges_add(r, &n, 4, 4 * MB, MB, BOOT_MEM_BOOT_DATA), MEM_RANGES_OK);
	assert_int_equal(n, 3);
	assert_range(&r[0], 0, MB, BOOT_MEM_RESERVED);
	assert_range(&r[1], 4 * MB, MB, BOOT_MEM_BOOT_DATA);
	assert_range(&r[2], 8 * MB, MB, BOOT_MEM_USABLE);
}

static void merges_touching_ranges_of_the_same_type(void **state)
{
	(void)state;
	struct boot_mem_range r[4];
	uint32_t n = 0;
	assert_int_equal(mem_ranges_add(r, &n, 4, 0, MB, BOOT_MEM_USABLE), MEM_RANGES_OK);
	assert_int_equal(mem_ranges_add(r, &n, 4, 2 * MB, MB, BOOT_MEM_USABLE), MEM_RANGES_OK);
	assert_int_equal(n, 2);
	/* fills the hole: joins both neighbours into one */
	assert_int_equal(mem_ranges_add(r, &n, 4, MB, MB, BOOT_MEM_USABLE), MEM_RANGES_OK);
	assert_int_equal(n, 1);
	assert_range(&r[0], 0, 3 * MB, BOOT_MEM_USABLE);
	/* touches only the next range */
	assert_int_equal(mem_ranges_add(r, &n, 4, 5 * MB, MB, BOOT_MEM_FIRMWARE), MEM_RANGES_OK);
	assert_int_equal(mem_ranges_add(r, &n, 4, 4 * MB, MB, BOOT_MEM_FIRMWARE), MEM_RANGES_OK);
	assert_int_equal(n, 2);
	assert_range(&r[1], 4 * MB, 2 * MB, BOOT_MEM_FIRMWARE);
	/* touches the previous one but has another type: stays separate */
	assert_int_equal(mem_ranges_add(r, &n, 4, 3 * MB, MB, BOOT_MEM_BOOT_DATA), MEM_RANGES_OK);
	assert_int_equal(n, 3);
	assert_range(&r[0], 0, 3 * MB, BOOT_MEM_USABLE);
	assert_range(&r[1], 3 * MB, MB, BOOT_MEM_BOOT_DATA);
	assert_range(&r[2], 4 * MB, 2 * MB, BOOT_MEM_FIRMWARE);
}

static void rejects_overlap_and_wrap(void **state)
{
	(void)state;
	struct boot_mem_range r[4];
	uint32_t n = 0;
	assert_int_equal(mem_ranges_add(r, &n, 4, 4 * MB, 2 * MB, BOOT_MEM_USABLE), MEM_RANGES_OK);
	assert_int_equal(mem_ranges_add(r, &n, 4, 5 * MB, MB, BOOT_MEM_USABLE), MEM_RANGES_OVERLAP);
	assert_int_equal(mem_ranges_add(r, &n, 4, 3 * MB, 2 * MB, BOOT_MEM_USABLE), MEM_RANGES_OVERLAP);
	assert_int_equal(mem_ranges_add(r, &n, 4, 4 * MB, 2 * MB, BOOT_MEM_USABLE), MEM_RANGES_OVERLAP);
	assert_int_equal(mem_ranges_add(r, &n, 4, ~0ull - MB + 1, 2 * MB, BOOT_MEM_RESERVED),
			 MEM_RANGES_OVERLAP);
	assert_int_equal(n, 1);
	assert_range(&r[0], 4 * MB, 2 * MB, BOOT_MEM_USABLE);
}

static void full_only_when_a_new_entry_is_needed(void **state)
{
	(void)state;
	struct boot_mem_range r[2];
	uint32_t n = 0;
	assert_int_equal(mem_ranges_add(r, &n, 2, 0, MB, BOOT_MEM_USABLE), MEM_RANGES_OK);
	assert_int_equal(mem_ranges_add(r, &n, 2, 2 * MB, MB, BOOT_MEM_RESERVED), MEM_RANGES_OK);
	assert_int_equal(mem_ranges_add(r, &n, 2, 4 * MB, MB, BOOT_MEM_BAD), MEM_RANGES_FULL);
	assert_int_equal(mem_ranges_add(r, &n, 2, MB, MB, BOOT_MEM_USABLE), MEM_RANGES_OK);
	assert_int_equal(mem_ranges_add(r, &n, 2, 7 * MB, 0, BOOT_MEM_BAD), MEM_RANGES_OK);
	assert_int_equal(n, 2);
	assert_range(&r[0], 0, 2 * MB, BOOT_MEM_USABLE);
	assert_range(&r[1], 2 * MB, MB, BOOT_MEM_RESERVED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorts_out_of_order_input),
		cmocka_unit_test(merges_touching_ranges_of_the_same_type),
		cmocka_unit_test(rejects_overlap_and_wrap),
		cmocka_unit_test(full_only_when_a_new_entry_is_needed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
