#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/page_alloc.h"
#include "lib/errno.h"

/* Fake physical memory: physical address 0 is the start of a host buffer. Only the
 * allocator's bitmaps are ever written there; the rest keeps a fill pattern. */
#define FAKE_MEM_SIZE (64ull << 20)
#define PATTERN       0xa5

static uint8_t *fake_mem;
static uint64_t bitmap_phys; /* what the allocator last asked phys_to_ptr for */

static void *fake_phys_to_ptr(uint64_t phys)
{
	assert_true(phys < FAKE_MEM_SIZE);
	bitmap_phys = phys;
	return fake_mem + phys;
}

static int setup(void **state)
{
	(void)state;
	fake_mem = aligned_alloc(4096, FAKE_MEM_SIZE);
	assert_non_null(fake_mem);
	memset(fake_mem, PATTERN, FAKE_MEM_SIZE);
	bitmap_phys = ~0ull;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(fake_mem);
	return 0;
}

#define LIMIT 0x4000000ull

static const struct boot_mem_range std_map[] = {
	{ 0x0, 0x9fc00, BOOT_MEM_USABLE, 0 },           /* ends inside frame 0x9f */
	{ 0x9fc00, 0x60400, BOOT_MEM_RESERVED, 0 },
	{ 0x100000, 0xf00000, BOOT_MEM_USABLE, 0 },
	{ 0x1000000, 0x10000, BOOT_MEM_ACPI_RECLAIM, 0 },
	{ 0x1010800, 0x1fef800, BOOT_MEM_USABLE, 0 },   /* starts inside frame 0x1010 */
	{ 0x3000000, 0x1000, BOOT_MEM_ACPI_NVS, 0 },
	{ 0x3001000, 0x1fff000, BOOT_MEM_USABLE, 0 },   /* crosses LIMIT */
	{ 0x6000000, 0x1000000, BOOT_MEM_USABLE, 0 },   /* above LIMIT */
};
#define STD_COUNT (sizeof(std_map) / sizeof(std_map[0]))

static const struct phys_range std_reserved[] = {
	{ 0x100000, 0x180000 }, /* the core */
	{ 0x200123, 0x205001 }, /* a module: frames 0x200-0x205 */
};

/* Whole usable frames below LIMIT, frame 0 excluded:
 *   [0x1, 0x9f) 158, [0x100, 0x1000) 3840 - 128 core - 6 module,
 *   [0x1011, 0x3000) 8175, [0x3001, 0x4000) 4095; one frame holds the two bitmaps. */
#define STD_TOTAL (158 + 3840 - 128 - 6 + 8175 + 4095 - 1)

static int init_std(uint64_t limit)
{
	return page_alloc_init(std_map, STD_COUNT, std_reserved, 2, limit, fake_phys_to_ptr);
}

static bool in_range(uint64_t base, uint64_t end, uint64_t p)
{
	return p >= base && p + PAGE_SIZE <= end;
}

static bool touches(uint64_t base, uint64_t end, uint64_t p)
{
	return p < end && base < p + PAGE_SIZE;
}

/* Asserts that the frame at p is one the allocator may hand out under std_map. */
static void check_std_frame(uint64_t p, uint64_t limit)
{
	assert_int_equal(p % PAGE_SIZE, 0);
	assert_true(p != 0 && p + PAGE_SIZE <= limit);
	bool usable = false;
	for (size_t i = 0; i < STD_COUNT; i++)
		if (std_map[i].type == BOOT_MEM_USABLE &&
		    in_range(std_map[i].base, std_map[i].base + std_map[i].length, p))
			usable = true;
	assert_true(usable);
	for (size_t i = 0; i < 2; i++)
		assert_false(touches(std_reserved[i].base, std_reserved[i].end, p));
	assert_false(touches(bitmap_phys, bitmap_phys + PAGE_SIZE, p));
	static uint8_t pattern_page[PAGE_SIZE];
	memset(pattern_page, PATTERN, sizeof(pattern_page));
	assert_int_equal(memcmp(fake_mem + p, pattern_page, PAGE_SIZE), 0);
}

/* Allocates until exhaustion, checking each frame; frees them all again. */
static void exhaust_std(uint64_t limit, uint64_t total)
{
	uint64_t *pages = calloc(total + 1, sizeof(*pages));
	uint8_t *seen = calloc(limit / PAGE_SIZE, 1);
	assert_non_null(pages);
	assert_non_null(seen);
	uint64_t n = 0;
	for (uint64_t p; (p = page_alloc()) != 0; n++) {
		assert_true(n < total);
		check_std_frame(p, limit);
		assert_int_equal(seen[p / PAGE_SIZE], 0);
		seen[p / PAGE_SIZE] = 1;
		pages[n] = p;
	}
	assert_int_equal(n, total);
	assert_int_equal(page_alloc_free_pages(), 0);
	assert_int_equal(page_alloc_contig(1, PAGE_SIZE), 0);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(page_free(pages[i], 1), 0);
	assert_int_equal(page_alloc_free_pages(), total);
	assert_int_equal(page_alloc_total_pages(), total);
	free(pages);
	free(seen);
}

static void std_map_counts_and_exhaustion(void **state)
{
	(void)state;
	assert_int_equal(init_std(LIMIT), 0);
	assert_int_equal(bitmap_phys, 0x1000);
	assert_int_equal(page_alloc_total_pages(), STD_TOTAL);
	assert_int_equal(page_alloc_free_pages(), STD_TOTAL);
	exhaust_std(LIMIT, STD_TOTAL);
}

static void limit_is_honoured(void **state)
{
	(void)state;
	/* [0x1011, 0x2000) holds 4079 frames; nothing above 32 MiB. */
	const uint64_t total = 158 + 3840 - 128 - 6 + 4079 - 1;
	assert_int_equal(init_std(0x2000000), 0);
	assert_int_equal(page_alloc_total_pages(), total);
	assert_int_equal(init_std(0x2000800), 0);
	assert_int_equal(page_alloc_total_pages(), total);
	exhaust_std(0x2000000, total);

	assert_int_equal(init_std(0x50000), 0);
	assert_int_equal(page_alloc_total_pages(), 0x4f - 1);
}

static void bitmap_avoids_reserved_ranges(void **state)
{
	(void)state;
	const struct phys_range reserved[] = { { 0x0, 0x100000 }, { 0x100000, 0x180000 } };
	assert_int_equal(page_alloc_init(std_map, STD_COUNT, reserved, 2, LIMIT, fake_phys_to_ptr), 0);
	assert_int_equal(bitmap_phys, 0x180000);
	assert_int_equal(page_alloc_total_pages(), 3840 - 128 + 8175 + 4095 - 1);
	assert_int_equal(page_alloc(), 0x181000);
	assert_int_equal(page_free(0x180000, 1), -EINVAL);
}

static void bitmap_spanning_frames(void **state)
{
	(void)state;
	const struct boot_mem_range map[] = {
		{ 0x1000, 0x3fff000, BOOT_MEM_USABLE, 0 },
		{ 0x100000000, 0x40000000, BOOT_MEM_USABLE, 0 },
	};
	/* Empty ranges reserve nothing, not even a frame they point into. */
	const struct phys_range empty[] = { { 0x10000, 0x10000 }, { 0x20800, 0x20800 } };
	/* 0x140000 frames: two bitmaps of 20480 words each fill 80 frames. */
	assert_int_equal(page_alloc_init(map, 2, empty, 2, ~0ull, fake_phys_to_ptr), 0);
	assert_int_equal(bitmap_phys, 0x1000);
	assert_int_equal(page_alloc_total_pages(), 0x3fff + 0x40000 - 80);
	assert_int_equal(page_alloc(), 0x51000);
	assert_int_equal(page_alloc_contig(1, 1ull << 30), 0x100000000);
	assert_int_equal(page_alloc_free_pages(), 0x3fff + 0x40000 - 80 - 2);
	assert_int_equal(page_free(0x50000, 1), -EINVAL);
}

static void contig_alignment(void **state)
{
	(void)state;
	assert_int_equal(init_std(LIMIT), 0);
	/* 0x200000 holds the module, so the first free 2 MiB block is at 4 MiB. */
	assert_int_equal(page_alloc_contig(512, 2ull << 20), 0x400000);
	assert_int_equal(page_alloc_contig(512, 2ull << 20), 0x600000);
	assert_int_equal(page_alloc_contig(4, 0x4000), 0x4000);
	assert_int_equal(page_alloc_free_pages(), STD_TOTAL - 1028);
	assert_int_equal(page_alloc_contig(0, PAGE_SIZE), 0);
	assert_int_equal(page_alloc_contig(1, 0), 0);
	assert_int_equal(page_alloc_contig(1, 0x800), 0);
	assert_int_equal(page_alloc_contig(1, 0x3000), 0);
	assert_int_equal(page_alloc_contig(STD_TOTAL, PAGE_SIZE), 0);
	assert_int_equal(page_alloc_free_pages(), STD_TOTAL - 1028);
	assert_int_equal(page_free(0x400000, 1024), 0);
	assert_int_equal(page_free(0x4000, 4), 0);
	assert_int_equal(page_alloc_free_pages(), STD_TOTAL);
}

static void double_free_refused(void **state)
{
	(void)state;
	assert_int_equal(init_std(LIMIT), 0);
	uint64_t p = page_alloc();
	assert_int_equal(p, 0x2000);
	assert_int_equal(page_free(p, 1), 0);
	assert_int_equal(page_free(p, 1), -EINVAL);
	assert_int_equal(page_alloc_free_pages(), STD_TOTAL);

	uint64_t q = page_alloc_contig(4, PAGE_SIZE);
	assert_int_equal(q, 0x2000);
	assert_int_equal(page_free(q + 0x1000, 1), 0);
	assert_int_equal(page_free(q, 4), -EINVAL);
	assert_int_equal(page_alloc_free_pages(), STD_TOTAL - 3);
	assert_int_equal(page_alloc(), q + 0x1000);
	assert_int_equal(page_free(q, 4), 0);
	assert_int_equal(page_alloc_free_pages(), STD_TOTAL);
	assert_int_equal(page_free(0x5000, 1), -EINVAL); /* never allocated */
}

static void foreign_frames_refused(void **state)
{
	(void)state;
	assert_int_equal(init_std(LIMIT), 0);
	/* Use everything up, so "not allocated" cannot be the reason for refusing. */
	while (page_alloc())
		;
	assert_int_equal(page_free(0x0, 1), -EINVAL);         /* frame 0 */
	assert_int_equal(page_free(0x1000, 1), -EINVAL);      /* the bitmaps */
	assert_int_equal(page_free(0x9f000, 1), -EINVAL);     /* partly usable */
	assert_int_equal(page_free(0xa0000, 1), -EINVAL);     /* reserved in the map */
	assert_int_equal(page_free(0x100000, 1), -EINVAL);    /* the core */
	assert_int_equal(page_free(0x205000, 1), -EINVAL);    /* the module's last frame */
	assert_int_equal(page_free(0x1000000, 1), -EINVAL);   /* ACPI */
	assert_int_equal(page_free(0x1010000, 1), -EINVAL);   /* partly ACPI */
	assert_int_equal(page_free(0x3000000, 1), -EINVAL);   /* ACPI NVS */
	assert_int_equal(page_free(0x3fff000, 2), -EINVAL);   /* runs past the limit */
	assert_int_equal(page_free(0x4000000, 1), -EINVAL);   /* usable, above the limit */
	assert_int_equal(page_free(0x6000000, 1), -EINVAL);
	assert_int_equal(page_free(0x2fff000, 2), -EINVAL);   /* ends in ACPI NVS */
	assert_int_equal(page_free(0x400800, 1), -EINVAL);    /* unaligned */
	assert_int_equal(page_free(0x400000, 0), -EINVAL);
	assert_int_equal(page_free(0x400000, ~0ull), -EINVAL);
	assert_int_equal(page_alloc_free_pages(), 0);
	assert_int_equal(page_free(0x3fff000, 1), 0);
	assert_int_equal(page_alloc_free_pages(), 1);
}

static void bad_maps_refused(void **state)
{
	(void)state;
	const struct boot_mem_range unsorted[] = {
		{ 0x100000, 0x100000, BOOT_MEM_USABLE, 0 },
		{ 0x0, 0x1000, BOOT_MEM_RESERVED, 0 },
	};
	const struct boot_mem_range overlapping[] = {
		{ 0x0, 0x200000, BOOT_MEM_USABLE, 0 },
		{ 0x1ff000, 0x1000, BOOT_MEM_RESERVED, 0 },
	};
	const struct boot_mem_range wrapping[] = {
		{ 0x100000, 0x100000, BOOT_MEM_USABLE, 0 },
		{ 0xfffffffffffff000, 0x2000, BOOT_MEM_RESERVED, 0 },
	};
	const struct phys_range backwards = { 0x200000, 0x100000 };

	assert_int_equal(init_std(LIMIT), 0);
	assert_int_equal(page_alloc_init(unsorted, 2, NULL, 0, LIMIT, fake_phys_to_ptr), -EINVAL);
	assert_int_equal(page_alloc_total_pages(), 0);
	assert_int_equal(page_alloc_free_pages(), 0);
	assert_int_equal(page_alloc(), 0);
	assert_int_equal(page_free(0x2000, 1), -EINVAL);
	assert_int_equal(page_alloc_init(overlapping, 2, NULL, 0, LIMIT, fake_phys_to_ptr), -EINVAL);
	assert_int_equal(page_alloc_init(wrapping, 2, NULL, 0, LIMIT, fake_phys_to_ptr), -EINVAL);
	assert_int_equal(page_alloc_init(std_map, STD_COUNT, &backwards, 1, LIMIT, fake_phys_to_ptr),
			 -EINVAL);
	assert_int_equal(bitmap_phys, 0x1000); /* from the one good init only */
}

static void no_room_for_bitmap(void **state)
{
	(void)state;
	const struct boot_mem_range none[] = { { 0x0, 0x100000, BOOT_MEM_RESERVED, 0 } };
	const struct boot_mem_range frame0[] = { { 0x0, 0x1800, BOOT_MEM_USABLE, 0 } };
	const struct boot_mem_range small[] = { { 0x1000, 0x2000, BOOT_MEM_USABLE, 0 } };
	const struct phys_range all_of_small = { 0x1000, 0x3000 };
	assert_int_equal(page_alloc_init(none, 1, NULL, 0, LIMIT, fake_phys_to_ptr), -ENOMEM);
	assert_int_equal(page_alloc_init(frame0, 1, NULL, 0, LIMIT, fake_phys_to_ptr), -ENOMEM);
	assert_int_equal(page_alloc_init(small, 1, &all_of_small, 1, LIMIT, fake_phys_to_ptr), -ENOMEM);
	assert_int_equal(page_alloc_init(small, 1, NULL, 0, 0x1000, fake_phys_to_ptr), -ENOMEM);
	assert_int_equal(page_alloc(), 0);
	assert_int_equal(bitmap_phys, ~0ull);
	/* Room for the bitmaps and one frame. */
	assert_int_equal(page_alloc_init(small, 1, NULL, 0, LIMIT, fake_phys_to_ptr), 0);
	assert_int_equal(page_alloc_total_pages(), 1);
	assert_int_equal(page_alloc(), 0x2000);
	assert_int_equal(page_alloc(), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(std_map_counts_and_exhaustion),
		T(limit_is_honoured),
		T(bitmap_avoids_reserved_ranges),
		T(bitmap_spanning_frames),
		T(contig_alignment),
		T(double_free_refused),
		T(foreign_frames_refused),
		T(bad_maps_refused),
		T(no_room_for_bitmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
