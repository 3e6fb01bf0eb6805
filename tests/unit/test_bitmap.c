#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/bitmap.h"

static void set_clear_and_count(void **state)
{
	(void)state;
	uint64_t map[BITMAP_WORDS(200)] = { 0 };
	bitmap_set(map, 0);
	bitmap_set(map, 63);
	bitmap_set(map, 64);
	bitmap_set(map, 199);
	assert_true(bitmap_test(map, 63));
	assert_true(bitmap_test(map, 64));
	assert_false(bitmap_test(map, 65));
	assert_int_equal(map[0], 0x8000000000000001ull);
	assert_int_equal(map[1], 1);
	assert_int_equal(bitmap_count(map, 200), 4);
	bitmap_clear(map, 63);
	assert_int_equal(bitmap_count(map, 200), 3);
	bitmap_set_range(map, 100, 20);
	assert_int_equal(bitmap_count(map, 200), 23);
	bitmap_clear_range(map, 105, 5);
	assert_int_equal(bitmap_count(map, 200), 18);
	assert_false(bitmap_test(map, 105));
	assert_true(bitmap_test(map, 110));
}

static void find_clear_run_respects_alignment(void **state)
{
	(void)state;
	uint64_t map[BITMAP_WORDS(256)] = { 0 };
	bitmap_set_range(map, 0, 10);
	assert_int_equal(bitmap_find_clear_run(map, 256, 4, 1), 10);
	assert_int_equal(bitmap_find_clear_run(map, 256, 4, 16), 16);
	bitmap_set(map, 20);
	assert_int_equal(bitmap_find_clear_run(map, 256, 8, 1), 10);
	assert_int_equal(bitmap_find_clear_run(map, 256, 11, 1), 21);
	assert_int_equal(bitmap_find_clear_run(map, 256, 8, 16), 32);
	assert_int_equal(bitmap_find_clear_run(map, 256, 256, 1), SIZE_MAX);
	assert_int_equal(bitmap_find_clear_run(map, 256, 236, 4), SIZE_MAX);
	assert_int_equal(bitmap_find_clear_run(map, 256, 235, 1), 21);
}

static void find_clear_run_rejects_bad_arguments(void **state)
{
	(void)state;
	uint64_t map[1] = { 0 };
	assert_int_equal(bitmap_find_clear_run(map, 64, 0, 1), SIZE_MAX);
	assert_int_equal(bitmap_find_clear_run(map, 64, 1, 0), SIZE_MAX);
	assert_int_equal(bitmap_find_clear_run(map, 64, 1, 3), SIZE_MAX);
	assert_int_equal(bitmap_find_clear_run(map, 64, 65, 1), SIZE_MAX);
	assert_int_equal(bitmap_find_clear_run(map, 64, 64, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_clear_and_count),
		cmocka_unit_test(find_clear_run_respects_alignment),
		cmocka_unit_test(find_clear_run_rejects_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
