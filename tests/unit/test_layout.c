/* vmm/layout.c: a domain's guest-physical space laid out as a PC's, for every memory size
 * and MMIO hole, and what is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/errno.h"
#include "vmm/layout.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define MAX_GPA (1ull << 40)

static struct guest_layout l;
static char why[160];

static void expect(unsigned i, uint64_t base, uint64_t size, enum layout_type type, bool backed)
{
	assert_true(i < l.count);
	assert_int_equal(l.range[i].base, base);
	assert_int_equal(l.range[i].size, size);
	assert_int_equal(l.range[i].type, type);
	assert_int_equal(l.range[i].backed, backed);
}

static void a_pc_below_the_hole(void **state)
{
	(void)state;
	assert_int_equal(layout_build(&l, 64 * MIB, LAYOUT_HOLE_DEFAULT_MIB, MAX_GPA, why, sizeof(why)), 0);
	assert_int_equal(l.count, 4);
	expect(0, 0, 0xa0000, LAYOUT_RAM, true);
	expect(1, 0xa0000, 0x20000, LAYOUT_RESERVED, false); /* the VGA window: nothing behind it */
	expect(2, 0xc0000, 0x40000, LAYOUT_RESERVED, true);  /* the BIOS area */
	expect(3, MIB, 63 * MIB, LAYOUT_RAM, true);
	assert_int_equal(l.hole_start, 0xe0000000);
	assert_int_equal(l.ram_bytes, 64 * MIB);
	assert_int_equal(layout_backed_bytes(&l), 64 * MIB - 0x20000);
}

static void one_mib_is_low_ram_alone(void **state)
{
	(void)state;
	assert_int_equal(layout_build(&l, MIB, LAYOUT_HOLE_DEFAULT_MIB, MAX_GPA, why, sizeof(why)), 0);
	assert_int_equal(l.count, 3);
	assert_int_equal(layout_ram_end(&l, MIB), MIB); /* no RAM from 1 MiB up */
	assert_int_equal(layout_ram_end(&l, 0x7c00), 0xa0000);
}

static void ram_beyond_the_hole_goes_above_4_gib(void **state)
{
	(void)state;
	assert_int_equal(layout_build(&l, 6 * GIB, LAYOUT_HOLE_DEFAULT_MIB, MAX_GPA, why, sizeof(why)), 0);
	assert_int_equal(l.count, 5);
	expect(3, MIB, 0xe0000000 - MIB, LAYOUT_RAM, true);
	expect(4, 4 * GIB, 6 * GIB - 0xe0000000, LAYOUT_RAM, true);
	/* exactly the hole's start: nothing above 4 GiB */
	assert_int_equal(layout_build(&l, 0xe0000000, LAYOUT_HOLE_DEFAULT_MIB, MAX_GPA, why, sizeof(why)), 0);
	assert_int_equal(l.count, 4);
	/* a larger hole moves RAM up */
	assert_int_equal(layout_build(&l, 256 * MIB, 3968, MAX_GPA, why, sizeof(why)), 0);
	expect(3, MIB, 127 * MIB, LAYOUT_RAM, true);
	expect(4, 4 * GIB, 128 * MIB, LAYOUT_RAM, true);
}

static void what_is_ram(void **state)
{
	(void)state;
	assert_int_equal(layout_build(&l, 6 * GIB, LAYOUT_HOLE_DEFAULT_MIB, MAX_GPA, why, sizeof(why)), 0);
	assert_true(layout_is_ram(&l, 0, 0xa0000));
	assert_false(layout_is_ram(&l, 0x9ffff, 2));         /* into the VGA window */
	assert_false(layout_is_ram(&l, 0xc0000, 1));         /* the BIOS area is reserved */
	assert_true(layout_is_ram(&l, MIB, 0xe0000000 - MIB));
	assert_false(layout_is_ram(&l, 0xdffff000, 0x2000)); /* into the hole */
	assert_false(layout_is_ram(&l, 0xfee00000, 4));      /* the local APIC */
	assert_true(layout_is_ram(&l, 4 * GIB, 4096));
	assert_false(layout_is_ram(&l, 6 * GIB + GIB / 2 - 8, 16)); /* past the end at 6.5 GiB */
	assert_false(layout_is_ram(&l, ~0ull - 4, 16));              /* wraps */
	assert_null(layout_find(&l, 0xfec00000));
	assert_int_equal(layout_find(&l, 0xb8000)->type, LAYOUT_RESERVED);
	assert_int_equal(layout_ram_end(&l, 2 * MIB), 0xe0000000);
}

static void refusals(void **state)
{
	(void)state;
	assert_int_equal(layout_build(&l, MIB + 4096, LAYOUT_HOLE_DEFAULT_MIB, MAX_GPA, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "its memory, 1052672 bytes, is not a whole number of MiB, at least 1");
	assert_int_equal(layout_build(&l, 0, LAYOUT_HOLE_DEFAULT_MIB, MAX_GPA, why, sizeof(why)), -EINVAL);
	assert_int_equal(layout_build(&l, 8 * MIB, 16, MAX_GPA, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "its MMIO hole of 16 MiB is not 32-4080 MiB");
	assert_int_equal(layout_build(&l, 8 * MIB, 4096, MAX_GPA, why, sizeof(why)), -EINVAL);
	/* 1 TiB of RAM with 40 address bits: it would end beyond 2^40 */
	assert_int_equal(layout_build(&l, 1ull << 40, LAYOUT_HOLE_DEFAULT_MIB, MAX_GPA, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "its memory would end at guest-physical 0x10020000000, beyond the 0x10000000000 this "
				 "CPU's nested paging maps");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_pc_below_the_hole),
		cmocka_unit_test(one_mib_is_low_ram_alone),
		cmocka_unit_test(ram_beyond_the_hole_goes_above_4_gib),
		cmocka_unit_test(what_is_ram),
		cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
