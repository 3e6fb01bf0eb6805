#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/errno.h"
#include "vmm/port_map.h"

static struct port_map map;

static int setup(void **state)
{
	(void)state;
	memset(&map, 0xa5, sizeof(map)); /* port_map_init must set every field */
	port_map_init(&map);
	return 0;
}

static void test_empty_map_owns_nothing(void **state)
{
	(void)state;
	for (uint32_t port = 0; port < 0x10000; port++)
		assert_int_equal(port_map_owner(&map, (uint16_t)port), 0);
}

static void test_claimed_ports_have_their_owner(void **state)
{
	(void)state;
	assert_int_equal(port_map_claim(&map, 0x3f8, 8, 1), 0);
	assert_int_equal(port_map_claim(&map, 0xe9, 1, 2), 0);
	assert_int_equal(port_map_owner(&map, 0x3f7), 0);
	for (uint16_t p = 0x3f8; p < 0x400; p++)
		assert_int_equal(port_map_owner(&map, p), 1);
	assert_int_equal(port_map_owner(&map, 0x400), 0);
	assert_int_equal(port_map_owner(&map, 0xe9), 2);
	assert_int_equal(port_map_owner(&map, 0xe8), 0);
	assert_int_equal(port_map_owner(&map, 0x2e9), 0); /* same low byte, another block */
	assert_int_equal(map.nblocks, 2);                 /* blocks 0x00 and 0x03 */
}

/* Blocks without owners share one table of zeros, which a claim in one map must not touch. */
static void test_maps_are_independent(void **state)
{
	(void)state;
	static struct port_map other;
	port_map_init(&other);
	assert_int_equal(port_map_claim(&map, 0x1234, 1, 7), 0);
	assert_int_equal(port_map_owner(&map, 0x1234), 7);
	assert_int_equal(port_map_owner(&other, 0x1234), 0);
	assert_int_equal(port_map_claim(&other, 0x5678, 1, 8), 0);
	assert_int_equal(port_map_owner(&map, 0x5678), 0);
	for (uint32_t port = 0; port < 0x10000; port++)
		if (port != 0x1234 && port != 0x5678) {
			assert_int_equal(port_map_owner(&map, (uint16_t)port), 0);
			assert_int_equal(port_map_owner(&other, (uint16_t)port), 0);
		}
}

static void test_range_across_blocks(void **state)
{
	(void)state;
	assert_int_equal(port_map_claim(&map, 0x1f0, 0x20, 3), 0);
	assert_int_equal(port_map_owner(&map, 0x1ff), 3);
	assert_int_equal(port_map_owner(&map, 0x200), 3);
	assert_int_equal(port_map_owner(&map, 0x20f), 3);
	assert_int_equal(port_map_owner(&map, 0x210), 0);
	assert_int_equal(map.nblocks, 2);
}

static void test_last_port(void **state)
{
	(void)state;
	assert_int_equal(port_map_claim(&map, 0xffff, 1, 4), 0);
	assert_int_equal(port_map_owner(&map, 0xffff), 4);
	assert_int_equal(port_map_claim(&map, 0xffff, 2, 5), -EINVAL);
	assert_int_equal(port_map_claim(&map, 0, 0x10000, 5), -EEXIST); /* the whole space: 0xffff taken */
}

static void test_bad_ranges_refused(void **state)
{
	(void)state;
	assert_int_equal(port_map_claim(&map, 0x80, 0, 1), -EINVAL);
	assert_int_equal(port_map_claim(&map, 0x80, 1, 0), -EINVAL);
	assert_int_equal(port_map_claim(&map, 0xfff0, 0x11, 1), -EINVAL);
	assert_int_equal(map.nblocks, 0);
}

static void test_overlap_refused_and_map_unchanged(void **state)
{
	(void)state;
	assert_int_equal(port_map_claim(&map, 0x60, 4, 1), 0);
	assert_int_equal(port_map_claim(&map, 0x50, 0x11, 2), -EEXIST); /* 0x50-0x60 */
	assert_int_equal(port_map_owner(&map, 0x50), 0);
	assert_int_equal(port_map_owner(&map, 0x60), 1);
	assert_int_equal(port_map_claim(&map, 0x64, 1, 2), 0); /* right after: fine */
}

static void test_block_limit(void **state)
{
	(void)state;
	for (unsigned i = 0; i < PORT_MAP_BLOCKS; i++)
		assert_int_equal(port_map_claim(&map, (uint16_t)(i * 0x1000), 1, (uint8_t)(i + 1)), 0);
	assert_int_equal(map.nblocks, PORT_MAP_BLOCKS);
	/* A new block is refused, and nothing of the range is claimed... */
	assert_int_equal(port_map_claim(&map, 0xff00, 1, 99), -ENOSPC);
	assert_int_equal(port_map_owner(&map, 0xff00), 0);
	/* ...but more ports in a block that has owners still fit. */
	assert_int_equal(port_map_claim(&map, 0x1001, 0xff, 99), 0);
	assert_int_equal(port_map_owner(&map, 0x10ff), 99);
	/* A range whose first block exists but whose second does not is refused whole. */
	assert_int_equal(port_map_claim(&map, 0x20f0, 0x20, 98), -ENOSPC);
	assert_int_equal(port_map_owner(&map, 0x20f0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty_map_owns_nothing, setup),
		cmocka_unit_test_setup(test_claimed_ports_have_their_owner, setup),
		cmocka_unit_test_setup(test_maps_are_independent, setup),
		cmocka_unit_test_setup(test_range_across_blocks, setup),
		cmocka_unit_test_setup(test_last_port, setup),
		cmocka_unit_test_setup(test_bad_ranges_refused, setup),
		cmocka_unit_test_setup(test_overlap_refused_and_map_unchanged, setup),
		cmocka_unit_test_setup(test_block_limit, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
