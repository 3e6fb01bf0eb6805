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

/* mem_ranges_sanitize */

#define R(b, l, t) { (b), (l), BOOT_MEM_##t, 0 }
#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define TOP ~0ull /* the last byte of the address space */

/* Sanitizes in into out (room for max) and checks the result code and count. */
static void sanitize(const struct boot_mem_range *in, uint32_t n, struct boot_mem_range *out,
		     uint32_t max, int want_rc, uint32_t want_count)
{
	uint32_t count = 12345;
	assert_int_equal(mem_ranges_sanitize(in, n, out, &count, max), want_rc);
	assert_int_equal(count, want_count);
	for (uint32_t i = 0; i < count; i++)
		assert_int_equal(out[i].reserved, 0);
}

static void reserved_wins_over_usable_and_splits_it(void **state)
{
	(void)state;
	const struct boot_mem_range in[] = {
		R(0, 0xa0000, USABLE), R(0x9fc00, 0x400, RESERVED),    /* at the end of RAM */
		R(MB, 15 * MB, USABLE), R(4 * MB, MB, RESERVED),       /* in the middle */
		R(32 * MB, 2 * MB, RESERVED), R(33 * MB, 2 * MB, USABLE), /* partly, from below */
	};
	struct boot_mem_range out[8];
	sanitize(in, COUNT(in), out, 8, MEM_RANGES_OK, 7);
	assert_range(&out[0], 0, 0x9fc00, BOOT_MEM_USABLE);
	assert_range(&out[1], 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	assert_range(&out[2], MB, 3 * MB, BOOT_MEM_USABLE);
	assert_range(&out[3], 4 * MB, MB, BOOT_MEM_RESERVED);
	assert_range(&out[4], 5 * MB, 11 * MB, BOOT_MEM_USABLE);
	assert_range(&out[5], 32 * MB, 2 * MB, BOOT_MEM_RESERVED);
	assert_range(&out[6], 34 * MB, MB, BOOT_MEM_USABLE);
}

static void nested_ranges(void **state)
{
	(void)state;
	const struct boot_mem_range in[] = {
		R(0, 100 * MB, USABLE),
		R(10 * MB, 10 * MB, ACPI_RECLAIM),
		R(12 * MB, MB, ACPI_NVS),   /* inside the ACPI tables */
		R(200 * MB, 10 * MB, BAD),
		R(202 * MB, MB, USABLE),    /* loses to what holds it */
		R(204 * MB, MB, RESERVED),
	};
	struct boot_mem_range out[8];
	sanitize(in, COUNT(in), out, 8, MEM_RANGES_OK, 6);
	assert_range(&out[0], 0, 10 * MB, BOOT_MEM_USABLE);
	assert_range(&out[1], 10 * MB, 2 * MB, BOOT_MEM_ACPI_RECLAIM);
	assert_range(&out[2], 12 * MB, MB, BOOT_MEM_ACPI_NVS);
	assert_range(&out[3], 13 * MB, 7 * MB, BOOT_MEM_ACPI_RECLAIM);
	assert_range(&out[4], 20 * MB, 80 * MB, BOOT_MEM_USABLE);
	assert_range(&out[5], 200 * MB, 10 * MB, BOOT_MEM_BAD);
}

static void identical_duplicates(void **state)
{
	(void)state;
	const struct boot_mem_range in[] = {
		R(MB, MB, USABLE), R(MB, MB, USABLE), R(MB, MB, USABLE),
		R(8 * MB, MB, USABLE), R(8 * MB, MB, BAD), R(8 * MB, MB, USABLE),
	};
	struct boot_mem_range out[4];
	sanitize(in, COUNT(in), out, 4, MEM_RANGES_OK, 2);
	assert_range(&out[0], MB, MB, BOOT_MEM_USABLE);
	assert_range(&out[1], 8 * MB, MB, BOOT_MEM_BAD);
}

/* Seven ranges, one of each type, all overlapping: the order of the result is the
 * precedence order, whichever way the staircase runs and whatever the input order. */
static void many_way_overlaps_follow_the_precedence(void **state)
{
	(void)state;
	const uint32_t order[] = { BOOT_MEM_USABLE, BOOT_MEM_BOOT_DATA, BOOT_MEM_RESERVED,
				   BOOT_MEM_ACPI_RECLAIM, BOOT_MEM_ACPI_NVS, BOOT_MEM_BAD,
				   BOOT_MEM_FIRMWARE };
	const uint32_t shuffle[] = { 3, 0, 6, 2, 5, 1, 4 };
	struct boot_mem_range in[7], out[8];

	/* type k covers [0, (7 - k) MiB): the strongest is the shortest */
	for (uint32_t i = 0; i < 7; i++) {
		uint32_t k = shuffle[i];
		in[i] = (struct boot_mem_range){ 0, (7 - k) * MB, order[k], 0 };
	}
	sanitize(in, 7, out, 8, MEM_RANGES_OK, 7);
	for (uint32_t k = 0; k < 7; k++)
		assert_range(&out[6 - k], (6 - k) * MB, MB, order[k]);

	/* type k covers [k MiB, 100 MiB): each new one takes over from the one below */
	for (uint32_t i = 0; i < 7; i++) {
		uint32_t k = shuffle[i];
		in[i] = (struct boot_mem_range){ k * MB, (100 - k) * MB, order[k], 0 };
	}
	sanitize(in, 7, out, 8, MEM_RANGES_OK, 7);
	for (uint32_t k = 0; k < 6; k++)
		assert_range(&out[k], k * MB, MB, order[k]);
	assert_range(&out[6], 6 * MB, 94 * MB, BOOT_MEM_FIRMWARE);

	/* a type Keel does not know beats them all */
	in[0] = (struct boot_mem_range){ 0, 200 * MB, 99, 0 };
	sanitize(in, 7, out, 8, MEM_RANGES_OK, 1);
	assert_range(&out[0], 0, 200 * MB, 99);
}

static void touching_ranges_of_the_same_type_merge(void **state)
{
	(void)state;
	const struct boot_mem_range in[] = {
		R(2 * MB, MB, USABLE), R(0, MB, USABLE), R(MB, MB, USABLE), /* out of order */
		R(10 * MB, 4 * MB, RESERVED), R(12 * MB, 4 * MB, RESERVED),  /* overlapping */
		R(20 * MB, MB, USABLE), R(20 * MB + 0x1000, 0x1000, BOOT_DATA),
		R(20 * MB + 0x1000, 0x1000, USABLE), /* merges again once BOOT_DATA is out of it */
	};
	struct boot_mem_range out[8];
	sanitize(in, COUNT(in), out, 8, MEM_RANGES_OK, 5);
	assert_range(&out[0], 0, 3 * MB, BOOT_MEM_USABLE);
	assert_range(&out[1], 10 * MB, 6 * MB, BOOT_MEM_RESERVED);
	assert_range(&out[2], 20 * MB, 0x1000, BOOT_MEM_USABLE);
	assert_range(&out[3], 20 * MB + 0x1000, 0x1000, BOOT_MEM_BOOT_DATA);
	assert_range(&out[4], 20 * MB + 0x2000, MB - 0x2000, BOOT_MEM_USABLE);
}

static void touching_ranges_of_different_types_stay_apart(void **state)
{
	(void)state;
	const struct boot_mem_range in[] = {
		R(MB, MB, RESERVED), R(0, MB, USABLE), R(2 * MB, MB, ACPI_RECLAIM),
		R(3 * MB, MB, RESERVED),
	};
	struct boot_mem_range out[4];
	sanitize(in, COUNT(in), out, 4, MEM_RANGES_OK, 4);
	assert_range(&out[0], 0, MB, BOOT_MEM_USABLE);
	assert_range(&out[1], MB, MB, BOOT_MEM_RESERVED);
	assert_range(&out[2], 2 * MB, MB, BOOT_MEM_ACPI_RECLAIM);
	assert_range(&out[3], 3 * MB, MB, BOOT_MEM_RESERVED);
}

static void zero_lengths_are_dropped(void **state)
{
	(void)state;
	const struct boot_mem_range in[] = {
		R(0, 4 * MB, USABLE), R(2 * MB, 0, BAD), /* splits nothing */
		R(0, 0, FIRMWARE), R(TOP, 0, RESERVED), R(9 * MB, 0, USABLE),
	};
	struct boot_mem_range out[4];
	sanitize(in, COUNT(in), out, 4, MEM_RANGES_OK, 1);
	assert_range(&out[0], 0, 4 * MB, BOOT_MEM_USABLE);
	sanitize(&in[1], COUNT(in) - 1, out, 4, MEM_RANGES_OK, 0);
	sanitize(in, 0, out, 0, MEM_RANGES_OK, 0);
}

static void wrapping_ranges_are_clipped_at_2_64(void **state)
{
	(void)state;
	const struct boot_mem_range in[] = {
		R(TOP - 0xffff, 0x20000, RESERVED),      /* wraps: the top 64 KiB */
		R(TOP - 0x2ffff, 0x20000, USABLE),       /* ends right below it */
		R(TOP - 0x1ffff, ~0ull, USABLE),          /* wraps far; loses the top to RESERVED */
	};
	struct boot_mem_range out[4];
	sanitize(in, COUNT(in), out, 4, MEM_RANGES_OK, 2);
	assert_range(&out[0], TOP - 0x2ffff, 0x20000, BOOT_MEM_USABLE);
	assert_range(&out[1], TOP - 0xffff, 0x10000, BOOT_MEM_RESERVED);

	/* the last byte, and a range ending exactly at 2^64 */
	const struct boot_mem_range top[] = { R(TOP, 1, BAD), R(TOP - 0xfff, 0x1000, USABLE) };
	sanitize(top, 2, out, 4, MEM_RANGES_OK, 2);
	assert_range(&out[0], TOP - 0xfff, 0xfff, BOOT_MEM_USABLE);
	assert_range(&out[1], TOP, 1, BOOT_MEM_BAD);

	/* all 2^64 bytes of one type: no entry can hold that length, so two stay apart */
	const struct boot_mem_range all[] = { R(1ull << 63, 1ull << 63, USABLE), R(0, 1ull << 63, USABLE) };
	sanitize(all, 2, out, 4, MEM_RANGES_OK, 2);
	assert_range(&out[0], 0, 1ull << 63, BOOT_MEM_USABLE);
	assert_range(&out[1], 1ull << 63, 1ull << 63, BOOT_MEM_USABLE);
}

static void unsorted_input(void **state)
{
	(void)state;
	const struct boot_mem_range in[] = {
		R(0xfec00000, 0x1000, RESERVED), R(0x100000, 0x7ee0000, USABLE),
		R(0xe0000, 0x20000, RESERVED), R(0, 0x9fc00, USABLE),
		R(0x7fe0000, 0x20000, ACPI_RECLAIM), R(0x9fc00, 0x400, RESERVED),
	};
	struct boot_mem_range out[8];
	sanitize(in, COUNT(in), out, 8, MEM_RANGES_OK, 6);
	assert_range(&out[0], 0, 0x9fc00, BOOT_MEM_USABLE);
	assert_range(&out[1], 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	assert_range(&out[2], 0xe0000, 0x20000, BOOT_MEM_RESERVED);
	assert_range(&out[3], 0x100000, 0x7ee0000, BOOT_MEM_USABLE);
	assert_range(&out[4], 0x7fe0000, 0x20000, BOOT_MEM_ACPI_RECLAIM);
	assert_range(&out[5], 0xfec00000, 0x1000, BOOT_MEM_RESERVED);
}

static void full_beyond_max_results(void **state)
{
	(void)state;
	/* four results: usable, reserved, usable, BAD */
	const struct boot_mem_range in[] = {
		R(0, 3 * MB, USABLE), R(MB, MB, RESERVED), R(3 * MB, MB, BAD), R(3 * MB, MB, USABLE),
	};
	struct boot_mem_range out[5];
	sanitize(in, COUNT(in), out, 4, MEM_RANGES_OK, 4);
	assert_range(&out[3], 3 * MB, MB, BOOT_MEM_BAD);
	out[3].base = 77; /* must stay untouched */
	sanitize(in, COUNT(in), out, 3, MEM_RANGES_FULL, 3);
	assert_range(&out[0], 0, MB, BOOT_MEM_USABLE);
	assert_range(&out[1], MB, MB, BOOT_MEM_RESERVED);
	assert_range(&out[2], 2 * MB, MB, BOOT_MEM_USABLE);
	assert_int_equal(out[3].base, 77);
	sanitize(in, COUNT(in), out, 0, MEM_RANGES_FULL, 0);
	/* a piece that merges into the last entry needs no room */
	const struct boot_mem_range merging[] = { R(0, MB, USABLE), R(MB, MB, USABLE), R(MB / 2, MB, USABLE) };
	sanitize(merging, 3, out, 1, MEM_RANGES_OK, 1);
	assert_range(&out[0], 0, 2 * MB, BOOT_MEM_USABLE);
}

static void input_limit(void **state)
{
	(void)state;
	static struct boot_mem_range in[MEM_RANGES_SANITIZE_MAX + 1], out[2 * MEM_RANGES_SANITIZE_MAX];
	/* the worst case: one range with a hole punched by each of the others */
	in[0] = (struct boot_mem_range){ 0, 1ull << 30, BOOT_MEM_USABLE, 0 };
	for (uint32_t i = 1; i <= MEM_RANGES_SANITIZE_MAX; i++)
		in[i] = (struct boot_mem_range){ i * MB, 0x1000, BOOT_MEM_RESERVED, 0 };
	const uint32_t n = MEM_RANGES_SANITIZE_MAX, results = 2 * n - 1;
	sanitize(in, n, out, results, MEM_RANGES_OK, results);
	for (uint32_t i = 0; i < results; i += 2) {
		uint64_t start = i ? (i / 2) * MB + 0x1000 : 0;
		uint64_t stop = i + 1 < results ? (i / 2 + 1) * MB : 1ull << 30;
		assert_range(&out[i], start, stop - start, BOOT_MEM_USABLE);
		if (i + 1 < results)
			assert_range(&out[i + 1], stop, 0x1000, BOOT_MEM_RESERVED);
	}
	sanitize(in, n, out, results - 1, MEM_RANGES_FULL, results - 1);
	sanitize(in, n + 1, out, 2 * n, MEM_RANGES_TOO_MANY, 0);
}

/* Random small maps against a byte-by-byte model: every byte takes the strongest type of
 * the ranges that hold it; the runs of equal type are the expected result. */
static void random_maps_match_a_simple_model(void **state)
{
	(void)state;
	enum { SPACE = 64, MAXN = 12 };
	const uint32_t order[] = { BOOT_MEM_USABLE, BOOT_MEM_BOOT_DATA, BOOT_MEM_RESERVED,
				   BOOT_MEM_ACPI_RECLAIM, BOOT_MEM_ACPI_NVS, BOOT_MEM_BAD,
				   BOOT_MEM_FIRMWARE };
	uint32_t seed = 12345;
	for (int round = 0; round < 5000; round++) {
		struct boot_mem_range in[MAXN], out[2 * MAXN];
		int rank[SPACE]; /* -1: no range */
		uint32_t n, count;

		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % (MAXN + 1);
		for (int b = 0; b < SPACE; b++)
			rank[b] = -1;
		for (uint32_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			uint32_t base = (seed >> 8) % SPACE, len = (seed >> 16) % 12, k = (seed >> 24) % 7;
			if (base + len > SPACE)
				len = SPACE - base;
			in[i] = (struct boot_mem_range){ base * MB, len * MB, order[k], 0 };
			for (uint32_t b = base; b < base + len; b++)
				if ((int)k > rank[b])
					rank[b] = (int)k;
		}
		assert_int_equal(mem_ranges_sanitize(in, n, out, &count, 2 * MAXN), MEM_RANGES_OK);
		uint32_t j = 0;
		for (int b = 0; b < SPACE;) {
			if (rank[b] < 0) {
				b++;
				continue;
			}
			int e = b;
			while (e < SPACE && rank[e] == rank[b])
				e++;
			assert_true(j < count);
			assert_range(&out[j++], (uint64_t)b * MB, (uint64_t)(e - b) * MB, order[rank[b]]);
			b = e;
		}
		assert_int_equal(count, j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorts_out_of_order_input),
		cmocka_unit_test(merges_touching_ranges_of_the_same_type),
		cmocka_unit_test(rejects_overlap_and_wrap),
		cmocka_unit_test(full_only_when_a_new_entry_is_needed),
		cmocka_unit_test(reserved_wins_over_usable_and_splits_it),
		cmocka_unit_test(nested_ranges),
		cmocka_unit_test(identical_duplicates),
		cmocka_unit_test(many_way_overlaps_follow_the_precedence),
		cmocka_unit_test(touching_ranges_of_the_same_type_merge),
		cmocka_unit_test(touching_ranges_of_different_types_stay_apart),
		cmocka_unit_test(zero_lengths_are_dropped),
		cmocka_unit_test(wrapping_ranges_are_clipped_at_2_64),
		cmocka_unit_test(unsorted_input),
		cmocka_unit_test(full_beyond_max_results),
		cmocka_unit_test(input_limit),
		cmocka_unit_test(random_maps_match_a_simple_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
