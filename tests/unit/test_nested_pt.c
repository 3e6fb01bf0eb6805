#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/nested_pt.h"
#include "lib/errno.h"

/* Table pages are host memory handed out under made-up physical addresses
 * FAKE_BASE + slot * 4096. */
#define FAKE_BASE  0x7000000000ull
#define FAKE_SLOTS 64
#define MAX_HPA    (1ull << 46)

struct fake_mm {
	uint64_t *pages[FAKE_SLOTS];
	int live;
	int fail_after; /* allocations that still succeed; -1: no limit */
};

static uint64_t fake_alloc(void *ctx)
{
	struct fake_mm *f = ctx;
	if (f->fail_after == 0)
		return 0;
	if (f->fail_after > 0)
		f->fail_after--;
	for (int i = 0; i < FAKE_SLOTS; i++) {
		if (!f->pages[i]) {
			f->pages[i] = aligned_alloc(4096, 4096);
			assert_non_null(f->pages[i]);
			memset(f->pages[i], 0, 4096);
			f->live++;
			return FAKE_BASE + (uint64_t)i * 4096;
		}
	}
	fail_msg("fake memory manager out of slots");
	return 0;
}

static int slot_of(struct fake_mm *f, uint64_t phys)
{
	assert_true(phys >= FAKE_BASE && phys < FAKE_BASE + FAKE_SLOTS * 4096ull);
	assert_int_equal(phys % 4096, 0);
	int slot = (int)((phys - FAKE_BASE) / 4096);
	assert_non_null(f->pages[slot]);
	return slot;
}

static void fake_free(void *ctx, uint64_t phys)
{
	struct fake_mm *f = ctx;
	int slot = slot_of(f, phys);
	free(f->pages[slot]);
	f->pages[slot] = NULL;
	f->live--;
}

static uint64_t *fake_table(void *ctx, uint64_t phys)
{
	struct fake_mm *f = ctx;
	return f->pages[slot_of(f, phys)];
}

static struct fake_mm fmm;
static struct npt npt;

static void setup_with(const struct npt_format *fmt, uint64_t max_hpa)
{
	memset(&fmm, 0, sizeof(fmm));
	fmm.fail_after = -1;
	struct npt_mm mm = { &fmm, fake_alloc, fake_free, fake_table };
	assert_int_equal(npt_init(&npt, fmt, &mm, max_hpa), 0);
	assert_int_equal(fmm.live, 1);
}

/* Every test ends here: the tree counts the tables it holds, whatever the test did. */
static int teardown(void **state)
{
	(void)state;
	assert_int_equal(npt.table_pages, fmm.live);
	npt_destroy(&npt);
	assert_int_equal(fmm.live, 0);
	assert_int_equal(npt.table_pages, 0);
	return 0;
}

static int setup_ept(void **state)
{
	(void)state;
	setup_with(&npt_format_intel_ept, MAX_HPA);
	return 0;
}

static int setup_amd(void **state)
{
	(void)state;
	setup_with(&npt_format_amd, MAX_HPA);
	return 0;
}

static struct npt_format ept_1g;

static int setup_ept_1g(void **state)
{
	(void)state;
	ept_1g = npt_format_intel_ept;
	ept_1g.large_1g = true;
	setup_with(&ept_1g, MAX_HPA);
	return 0;
}

/* The raw entry at `level` (4 = root, 1 = 4 KiB) on the walk for gpa, read through the
 * tables the walk finds; each level above must hold a table entry. */
static uint64_t raw_entry(uint64_t gpa, int level)
{
	uint64_t table = npt.root;
	for (int l = 4;; l--) {
		uint64_t e = fake_table(&fmm, table)[(gpa >> (12 + 9 * (l - 1))) & 511];
		if (l == level)
			return e;
		table = e & 0x000FFFFFFFFFF000ull;
	}
}

/* Asserts that gpa maps to hpa with a page of page_size. */
static void expect_map(uint64_t gpa, uint64_t hpa, uint64_t page_size)
{
	uint64_t got_hpa = 0, got_size = 0;
	assert_int_equal(npt_lookup(&npt, gpa, &got_hpa, NULL, &got_size), 0);
	assert_int_equal(got_hpa, hpa);
	assert_int_equal(got_size, page_size);
}

static void expect_unmapped(uint64_t gpa)
{
	assert_int_equal(npt_lookup(&npt, gpa, NULL, NULL, NULL), -ENOENT);
}

static void map_4k(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x1000, 0x5000, 0x1000, NPT_PERM_RWX), 0);
	uint64_t hpa = 0, size = 0;
	unsigned perms = 0;
	assert_int_equal(npt_lookup(&npt, 0x1234, &hpa, &perms, &size), 0);
	assert_int_equal(hpa, 0x5234);
	assert_int_equal(perms, NPT_PERM_RWX);
	assert_int_equal(size, NPT_PAGE_4K);
	expect_unmapped(0x0);
	expect_unmapped(0x2000);
	assert_int_equal(fmm.live, 4);
	/* Root, PDPT, PD, PT got slots 0, 1, 2, 3. */
	assert_int_equal(raw_entry(0x1000, 4), (FAKE_BASE + 0x1000) | 7);
	assert_int_equal(raw_entry(0x1000, 3), (FAKE_BASE + 0x2000) | 7);
	assert_int_equal(raw_entry(0x1000, 2), (FAKE_BASE + 0x3000) | 7);
	assert_int_equal(raw_entry(0x1000, 1), 0x5037);
}

static void map_2m_when_aligned(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x200000, 0x40000000, 0x400000, NPT_PERM_RWX), 0);
	expect_map(0x200000, 0x40000000, NPT_PAGE_2M);
	expect_map(0x3fffff, 0x401fffff, NPT_PAGE_2M);
	expect_map(0x400000, 0x40200000, NPT_PAGE_2M);
	expect_unmapped(0x600000);
	expect_unmapped(0x1ff000);
	assert_int_equal(fmm.live, 3);
	assert_int_equal(raw_entry(0x400000, 2), 0x402000b7);
}

static void map_4k_when_hpa_misaligned(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x200000, 0x40001000, 0x400000, NPT_PERM_RWX), 0);
	for (uint64_t off = 0; off < 0x400000; off += 0x1000)
		expect_map(0x200000 + off, 0x40001000 + off, NPT_PAGE_4K);
	assert_int_equal(fmm.live, 5); /* root, PDPT, PD, two PTs */
}

static void map_mixed_range(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x1ff000, 0x11ff000, 0x402000, NPT_PERM_RWX), 0);
	expect_unmapped(0x1fe000);
	expect_map(0x1ff000, 0x11ff000, NPT_PAGE_4K);
	expect_map(0x200000, 0x1200000, NPT_PAGE_2M);
	expect_map(0x3ff000, 0x13ff000, NPT_PAGE_2M);
	expect_map(0x400000, 0x1400000, NPT_PAGE_2M);
	expect_map(0x5ff000, 0x15ff000, NPT_PAGE_2M);
	expect_map(0x600000, 0x1600000, NPT_PAGE_4K);
	expect_unmapped(0x601000);
	assert_int_equal(fmm.live, 5); /* root, PDPT, PD, PT for 0x1ff000, PT for 0x600000 */
}

static void map_1g_when_allowed(void **state)
{
	(void)state;
	uint64_t size = NPT_PAGE_1G + NPT_PAGE_2M + NPT_PAGE_4K;
	assert_int_equal(npt_map(&npt, 0x40000000, 0x80000000, size, NPT_PERM_RWX), 0);
	expect_map(0x40000000, 0x80000000, NPT_PAGE_1G);
	expect_map(0x7fffffff, 0xbfffffff, NPT_PAGE_1G);
	expect_map(0x80000000, 0xc0000000, NPT_PAGE_2M);
	expect_map(0x80200000, 0xc0200000, NPT_PAGE_4K);
	expect_unmapped(0x80201000);
	assert_int_equal(raw_entry(0x40000000, 3), 0x800000b7);
}

/* A 1 GiB guest at GPA 0 takes two tables with 1 GiB pages (PML4, PDPT), three with 2 MiB
 * pages (and a PD). */
static void guest_of_1g_in_two_tables(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0, 0x40000000, NPT_PAGE_1G, NPT_PERM_RWX), 0);
	expect_map(0, 0x40000000, NPT_PAGE_1G);
	assert_int_equal(npt.table_pages, 2);
}

static void no_1g_by_default(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x40000000, 0x80000000, NPT_PAGE_1G, NPT_PERM_RWX), 0);
	expect_map(0x40000000, 0x80000000, NPT_PAGE_2M);
	expect_map(0x7fe00000, 0xbfe00000, NPT_PAGE_2M);
	assert_int_equal(fmm.live, 3);
	assert_int_equal(npt.table_pages, 3);
}

static void ept_entry_bits(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x1000, 0x123000, 0x1000, NPT_PERM_R), 0);
	assert_int_equal(npt_map(&npt, 0x2000, 0x124000, 0x1000, NPT_PERM_R | NPT_PERM_W), 0);
	assert_int_equal(npt_map(&npt, 0x3000, 0x125000, 0x1000, NPT_PERM_R | NPT_PERM_X), 0);
	assert_int_equal(npt_map(&npt, 0x4000, 0x126000, 0x1000, NPT_PERM_X), 0);
	assert_int_equal(npt_map(&npt, 0x5000, 0x3ff000127000, 0x1000, NPT_PERM_RWX), 0);
	assert_int_equal(npt_map(&npt, 0x200000, 0x40000000, NPT_PAGE_2M, NPT_PERM_R | NPT_PERM_W), 0);
	assert_int_equal(raw_entry(0x1000, 1), 0x123031);
	assert_int_equal(raw_entry(0x2000, 1), 0x124033);
	assert_int_equal(raw_entry(0x3000, 1), 0x125035);
	assert_int_equal(raw_entry(0x4000, 1), 0x126034);
	assert_int_equal(raw_entry(0x5000, 1), 0x3ff000127037);
	assert_int_equal(raw_entry(0x200000, 2), 0x400000b3);
	assert_int_equal(raw_entry(0x1000, 2), (FAKE_BASE + 0x3000) | 7);
}

static void amd_entry_bits(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x1000, 0x123000, 0x1000, NPT_PERM_R), 0);
	assert_int_equal(npt_map(&npt, 0x2000, 0x124000, 0x1000, NPT_PERM_R | NPT_PERM_W), 0);
	assert_int_equal(npt_map(&npt, 0x3000, 0x125000, 0x1000, NPT_PERM_R | NPT_PERM_X), 0);
	assert_int_equal(npt_map(&npt, 0x5000, 0x3ff000127000, 0x1000, NPT_PERM_RWX), 0);
	assert_int_equal(npt_map(&npt, 0x200000, 0x40000000, NPT_PAGE_2M, NPT_PERM_R | NPT_PERM_W), 0);
	assert_int_equal(raw_entry(0x1000, 1), 0x8000000000123005);
	assert_int_equal(raw_entry(0x2000, 1), 0x8000000000124007);
	assert_int_equal(raw_entry(0x3000, 1), 0x125005);
	assert_int_equal(raw_entry(0x5000, 1), 0x3ff000127007);
	assert_int_equal(raw_entry(0x200000, 2), 0x8000000040000087);
	assert_int_equal(raw_entry(0x1000, 4), (FAKE_BASE + 0x1000) | 7);
	assert_int_equal(raw_entry(0x1000, 2), (FAKE_BASE + 0x3000) | 7);
}

static void expect_perms(uint64_t gpa, unsigned want)
{
	unsigned perms = 0;
	assert_int_equal(npt_lookup(&npt, gpa, NULL, &perms, NULL), 0);
	assert_int_equal(perms, want);
}

static void perms_round_trip(bool read_implied)
{
	const unsigned R = NPT_PERM_R, W = NPT_PERM_W, X = NPT_PERM_X;
	assert_int_equal(npt_map(&npt, 0x1000, 0x1000, 0x1000, R), 0);
	assert_int_equal(npt_map(&npt, 0x2000, 0x2000, 0x1000, R | W), 0);
	assert_int_equal(npt_map(&npt, 0x3000, 0x3000, 0x1000, R | X), 0);
	assert_int_equal(npt_map(&npt, 0x4000, 0x4000, 0x1000, X), 0);
	assert_int_equal(npt_map(&npt, 0x200000, 0x200000, NPT_PAGE_2M, R | X), 0);
	expect_perms(0x1000, R);
	expect_perms(0x2000, R | W);
	expect_perms(0x3000, R | X);
	expect_perms(0x4000, read_implied ? R | X : X);
	expect_perms(0x300000, R | X);
	assert_int_equal(npt_map(&npt, 0x5000, 0x5000, 0x1000, W), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x5000, 0x5000, 0x1000, W | X), -EINVAL);
}

static void ept_perms(void **state)
{
	(void)state;
	perms_round_trip(false);
}

static void amd_perms(void **state)
{
	(void)state;
	perms_round_trip(true);
}

static void unmap_splits_2m(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x200000, 0x800000, NPT_PAGE_2M, NPT_PERM_R | NPT_PERM_W), 0);
	assert_int_equal(npt_unmap(&npt, 0x201000, 0x1000), 0);
	expect_unmapped(0x201000);
	expect_map(0x200000, 0x800000, NPT_PAGE_4K);
	expect_map(0x202000, 0x802000, NPT_PAGE_4K);
	expect_map(0x3ff000, 0x9ff000, NPT_PAGE_4K);
	expect_perms(0x202000, NPT_PERM_R | NPT_PERM_W);
	assert_int_equal(raw_entry(0x202000, 1), 0x802033);
	assert_int_equal(fmm.live, 4);
}

static void unmap_splits_1g_twice(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x40000000, 0x0, NPT_PAGE_1G, NPT_PERM_RWX), 0);
	assert_int_equal(fmm.live, 2);
	assert_int_equal(npt_unmap(&npt, 0x40201000, 0x1000), 0);
	expect_map(0x40000000, 0x0, NPT_PAGE_2M);
	expect_map(0x40200000, 0x200000, NPT_PAGE_4K);
	expect_unmapped(0x40201000);
	expect_map(0x40202000, 0x202000, NPT_PAGE_4K);
	expect_map(0x40400000, 0x400000, NPT_PAGE_2M);
	expect_map(0x7fe00000, 0x3fe00000, NPT_PAGE_2M);
	assert_int_equal(raw_entry(0x40400000, 2), 0x4000b7);
	assert_int_equal(fmm.live, 4);
}

static void unmap_frees_empty_tables(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x1ff000, 0x1ff000, 0x402000, NPT_PERM_RWX), 0);
	assert_int_equal(npt_map(&npt, 0x8000000000, 0x3000, 0x2000, NPT_PERM_R), 0);
	assert_int_equal(fmm.live, 8);
	/* A hole-only range is fine and changes nothing. */
	assert_int_equal(npt_unmap(&npt, 0x10000000, 0x10000), 0);
	assert_int_equal(fmm.live, 8);
	/* Cuts through the first 2 MiB page and the last 4 KiB page one at a time. */
	assert_int_equal(npt_unmap(&npt, 0x1ff000, 0x2000), 0);
	expect_map(0x201000, 0x201000, NPT_PAGE_4K);
	assert_int_equal(fmm.live, 8); /* PT for 0x1ff000 freed, PT from the split added */
	assert_int_equal(npt_unmap(&npt, 0x201000, 0x1ff000), 0);
	expect_map(0x400000, 0x400000, NPT_PAGE_2M);
	assert_int_equal(fmm.live, 7);
	assert_int_equal(npt_unmap(&npt, 0x0, 0x1000000), 0);
	assert_int_equal(fmm.live, 4);
	assert_int_equal(npt_unmap(&npt, 0x8000001000, 0x1000), 0);
	expect_map(0x8000000000, 0x3000, NPT_PAGE_4K);
	assert_int_equal(npt_unmap(&npt, 0x8000000000, 0x1000), 0);
	assert_int_equal(fmm.live, 1);
	for (int i = 0; i < 512; i++)
		assert_int_equal(fake_table(&fmm, npt.root)[i], 0);
}

/* Copies of every live table, to show a failed call changed nothing. */
static uint64_t snap[FAKE_SLOTS][512];

static void take_snapshot(void)
{
	for (int i = 0; i < FAKE_SLOTS; i++)
		if (fmm.pages[i])
			memcpy(snap[i], fmm.pages[i], 4096);
}

static void expect_snapshot(int live)
{
	assert_int_equal(fmm.live, live);
	for (int i = 0; i < FAKE_SLOTS; i++)
		if (fmm.pages[i])
			assert_memory_equal(snap[i], fmm.pages[i], 4096);
}

static void overlap_is_eexist(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x200000, 0x200000, NPT_PAGE_2M, NPT_PERM_RWX), 0);
	assert_int_equal(npt_map(&npt, 0x600000, 0x600000, 0x1000, NPT_PERM_RWX), 0);
	take_snapshot();
	assert_int_equal(npt_map(&npt, 0x3ff000, 0x0, 0x1000, NPT_PERM_RWX), -EEXIST);
	assert_int_equal(npt_map(&npt, 0x0, 0x0, 0x201000, NPT_PERM_RWX), -EEXIST);
	assert_int_equal(npt_map(&npt, 0x400000, 0x400000, 0x201000, NPT_PERM_RWX), -EEXIST);
	assert_int_equal(npt_map(&npt, 0x40000000 - 0x1000, 0x0, 0x2000, NPT_PERM_RWX), 0);
	assert_int_equal(npt_unmap(&npt, 0x40000000 - 0x1000, 0x2000), 0);
	expect_snapshot(4);
	expect_unmapped(0x0);
	expect_unmapped(0x400000);
	expect_unmapped(0x601000);
}

static void bad_arguments(void **state)
{
	(void)state;
	const unsigned RW = NPT_PERM_R | NPT_PERM_W;
	take_snapshot();
	assert_int_equal(npt_map(&npt, 0x1800, 0x0, 0x1000, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, 0x800, 0x1000, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, 0x0, 0x1800, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, 0x0, 0, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, 0xfffffffffffff000, 0x0, 0x2000, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, 0xfffffffffffff000, 0x2000, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, NPT_MAX_GPA - 0x1000, 0x0, 0x2000, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, NPT_MAX_GPA, 0x0, 0x1000, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, MAX_HPA - 0x1000, 0x2000, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, MAX_HPA, 0x1000, RW), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, 0x0, 0x1000, 0), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, 0x0, 0x1000, 8), -EINVAL);
	assert_int_equal(npt_unmap(&npt, 0x1800, 0x1000), -EINVAL);
	assert_int_equal(npt_unmap(&npt, 0x1000, 0x800), -EINVAL);
	assert_int_equal(npt_unmap(&npt, 0x1000, 0), -EINVAL);
	assert_int_equal(npt_unmap(&npt, NPT_MAX_GPA - 0x1000, 0x2000), -EINVAL);
	assert_int_equal(npt_unmap(&npt, 0xfffffffffffff000, 0x2000), -EINVAL);
	expect_snapshot(1);
	/* The edges themselves are allowed. */
	assert_int_equal(npt_map(&npt, NPT_MAX_GPA - 0x1000, MAX_HPA - 0x1000, 0x1000, RW), 0);
	expect_map(NPT_MAX_GPA - 0x1000, MAX_HPA - 0x1000, NPT_PAGE_4K);
	assert_int_equal(fmm.live, 4);
}

static int setup_amd_no_hpa_limit(void **state)
{
	(void)state;
	setup_with(&npt_format_amd, ~0ull);
	return 0;
}

/* Without a smaller max_hpa, the entries' address field (bits 51:12) is the limit. */
static void hpa_limited_by_address_field(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x1000, 1ull << 52, 0x1000, NPT_PERM_R), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, (1ull << 52) - 0x1000, 0x2000, NPT_PERM_R), -EINVAL);
	assert_int_equal(npt_map(&npt, 0x1000, (1ull << 52) - 0x1000, 0x1000, NPT_PERM_R), 0);
	expect_map(0x1000, (1ull << 52) - 0x1000, NPT_PAGE_4K);
}

static void lookup_unmapped(void **state)
{
	(void)state;
	uint64_t hpa = 0x55, size = 0x66;
	unsigned perms = 0x77;
	assert_int_equal(npt_lookup(&npt, 0x0, &hpa, &perms, &size), -ENOENT);
	assert_int_equal(npt_map(&npt, 0x200000, 0x200000, NPT_PAGE_2M, NPT_PERM_RWX), 0);
	assert_int_equal(npt_lookup(&npt, 0x1ff000, &hpa, &perms, &size), -ENOENT);
	assert_int_equal(npt_lookup(&npt, 0x400000, &hpa, &perms, &size), -ENOENT);
	assert_int_equal(npt_lookup(&npt, NPT_MAX_GPA, &hpa, &perms, &size), -ENOENT);
	assert_int_equal(npt_lookup(&npt, ~0ull, &hpa, &perms, &size), -ENOENT);
	assert_int_equal(hpa, 0x55);
	assert_int_equal(perms, 0x77);
	assert_int_equal(size, 0x66);
}

static void destroy_frees_everything(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x1ff000, 0x1ff000, 0x402000, NPT_PERM_RWX), 0);
	assert_int_equal(npt_map(&npt, 0x123456789000, 0x1000, 0x3000, NPT_PERM_R), 0);
	assert_int_equal(fmm.live, 8);
	npt_destroy(&npt);
	assert_int_equal(fmm.live, 0);
	assert_int_equal(npt.root, 0);
}

static void init_out_of_memory(void **state)
{
	(void)state;
	struct fake_mm f = { .fail_after = 0 };
	struct npt_mm mm = { &f, fake_alloc, fake_free, fake_table };
	struct npt n;
	assert_int_equal(npt_init(&n, &npt_format_amd, &mm, MAX_HPA), -ENOMEM);
	assert_int_equal(f.live, 0);
}

static void map_out_of_memory(void **state)
{
	(void)state;
	fmm.fail_after = 1; /* the PDPT only */
	assert_int_equal(npt_map(&npt, 0x1000, 0x1000, 0x1000, NPT_PERM_RWX), -ENOMEM);
	expect_unmapped(0x1000);
	assert_int_equal(fmm.live, 2);
	assert_int_equal(npt_unmap(&npt, 0x1000, 0x1000), 0);
	assert_int_equal(fmm.live, 1);

	/* The second leaf needs a new PT that cannot be had: the first stays mapped. */
	fmm.fail_after = 3;
	assert_int_equal(npt_map(&npt, 0x1ff000, 0x1ff000, 0x2000, NPT_PERM_RWX), -ENOMEM);
	expect_map(0x1ff000, 0x1ff000, NPT_PAGE_4K);
	expect_unmapped(0x200000);
	fmm.fail_after = -1;
	assert_int_equal(npt_unmap(&npt, 0x1ff000, 0x2000), 0);
	assert_int_equal(fmm.live, 1);
}

static void empty_tables_from_failed_map_are_replaced(void **state)
{
	(void)state;
	fmm.fail_after = 2; /* PDPT and PD, no PT */
	assert_int_equal(npt_map(&npt, 0x40000000, 0x0, 0x1000, NPT_PERM_RWX), -ENOMEM);
	assert_int_equal(fmm.live, 3);
	fmm.fail_after = -1;
	/* The empty PD sits where this 1 GiB leaf goes. */
	assert_int_equal(npt_map(&npt, 0x40000000, 0x0, NPT_PAGE_1G, NPT_PERM_RWX), 0);
	expect_map(0x40001000, 0x1000, NPT_PAGE_1G);
	assert_int_equal(fmm.live, 2);
}

static void split_out_of_memory(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&npt, 0x200000, 0x200000, NPT_PAGE_2M, NPT_PERM_RWX), 0);
	take_snapshot();
	fmm.fail_after = 0;
	assert_int_equal(npt_unmap(&npt, 0x200000, 0x1000), -ENOMEM);
	expect_snapshot(3);
	expect_map(0x200000, 0x200000, NPT_PAGE_2M);
}

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(map_4k, setup_ept),
		T(map_2m_when_aligned, setup_ept),
		T(map_4k_when_hpa_misaligned, setup_ept),
		T(map_mixed_range, setup_amd),
		T(map_1g_when_allowed, setup_ept_1g),
		T(guest_of_1g_in_two_tables, setup_ept_1g),
		T(no_1g_by_default, setup_ept),
		T(ept_entry_bits, setup_ept),
		T(amd_entry_bits, setup_amd),
		T(ept_perms, setup_ept),
		T(amd_perms, setup_amd),
		T(unmap_splits_2m, setup_ept),
		T(unmap_splits_1g_twice, setup_ept_1g),
		T(unmap_frees_empty_tables, setup_amd),
		T(overlap_is_eexist, setup_ept),
		T(bad_arguments, setup_amd),
		T(hpa_limited_by_address_field, setup_amd_no_hpa_limit),
		T(lookup_unmapped, setup_ept),
		T(destroy_frees_everything, setup_amd),
		cmocka_unit_test(init_out_of_memory),
		T(map_out_of_memory, setup_ept),
		T(empty_tables_from_failed_map_are_replaced, setup_ept_1g),
		T(split_out_of_memory, setup_ept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
