/* 4-level nested page tables for AMD NPT and Intel EPT (see nested_pt.h). Levels count up
 * from the leaves: a level-1 entry maps 4 KiB, level 2 2 MiB, level 3 1 GiB, level 4 is the
 * root (PML4). */
#include "arch/x86/nested_pt.h"
#include "lib/errno.h"

#define NPT_LEVELS  4
#define NPT_ENTRIES 512
#define PTE_ADDR    0x000FFFFFFFFFF000ull /* bits 51:12: physical address */
#define PTE_PS      (1ull << 7)           /* level-2/3 entry is a large leaf (both vendors) */
#define PTE_HPA_END (1ull << 52)          /* what the address field can hold */

/* AMD APM vol. 2 §15.25: nested entries are long-mode page-table entries. Nested accesses
 * count as user accesses, so U/S must be set at every level. */
#define AMD_P  (1ull << 0)
#define AMD_RW (1ull << 1)
#define AMD_US (1ull << 2)
#define AMD_NX (1ull << 63)

const struct npt_format npt_format_amd = {
	.table_bits = AMD_P | AMD_RW | AMD_US,
	.leaf_bits = AMD_P | AMD_US,
	.read_bit = 0,
	.write_bit = AMD_RW,
	.exec_bit = 0,
	.noexec_bit = AMD_NX,
	.present_mask = AMD_P,
	.large_2m = true,
	.large_1g = false,
};

/* Intel SDM vol. 3 §29.3.2: bits 0-2 grant read, write, execute; a leaf's bits 5:3 hold
 * its memory type (6 = write-back). */
#define EPT_R     (1ull << 0)
#define EPT_W     (1ull << 1)
#define EPT_X     (1ull << 2)
#define EPT_MT_WB (6ull << 3)

const struct npt_format npt_format_intel_ept = {
	.table_bits = EPT_R | EPT_W | EPT_X,
	.leaf_bits = EPT_MT_WB,
	.read_bit = EPT_R,
	.write_bit = EPT_W,
	.exec_bit = EPT_X,
	.noexec_bit = 0,
	.present_mask = EPT_R | EPT_W | EPT_X,
	.large_2m = true,
	.large_1g = false,
};

static unsigned level_shift(int level)
{
	return 12 + 9 * (unsigned)(level - 1);
}

static uint64_t level_size(int level)
{
	return 1ull << level_shift(level);
}

static uint64_t *table_of(const struct npt *npt, uint64_t phys)
{
	return npt->mm.table_ptr(npt->mm.ctx, phys);
}

/* The entry of the level-`level` table at `table` that translates gpa. */
static uint64_t *entry_of(const struct npt *npt, uint64_t table, int level, uint64_t gpa)
{
	return &table_of(npt, table)[(gpa >> level_shift(level)) % NPT_ENTRIES];
}

static bool present(const struct npt *npt, uint64_t e)
{
	return (e & npt->fmt->present_mask) != 0;
}

static bool is_leaf(uint64_t e, int level)
{
	return level == 1 || (e & PTE_PS);
}

/* Where the level-`level` entry that holds gpa stops covering, but no further than end. */
static uint64_t entry_end(uint64_t gpa, int level, uint64_t end)
{
	uint64_t next = (gpa | (level_size(level) - 1)) + 1;
	return next < end ? next : end;
}

static uint64_t make_leaf(const struct npt_format *fmt, uint64_t hpa, unsigned perms, int level)
{
	uint64_t e = fmt->leaf_bits | hpa;
	if (perms & NPT_PERM_R)
		e |= fmt->read_bit;
	if (perms & NPT_PERM_W)
		e |= fmt->write_bit;
	e |= (perms & NPT_PERM_X) ? fmt->exec_bit : fmt->noexec_bit;
	if (level > 1)
		e |= PTE_PS;
	return e;
}

static unsigned leaf_perms(const struct npt_format *fmt, uint64_t e)
{
	unsigned perms = 0;
	if (!fmt->read_bit || (e & fmt->read_bit))
		perms |= NPT_PERM_R;
	if (e & fmt->write_bit)
		perms |= NPT_PERM_W;
	if (fmt->exec_bit ? (e & fmt->exec_bit) != 0 : (e & fmt->noexec_bit) == 0)
		perms |= NPT_PERM_X;
	return perms;
}

/* The deepest leaf level usable at gpa -> hpa with `size` bytes still to map. */
static int leaf_level_for(const struct npt_format *fmt, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	if (fmt->large_1g && (gpa | hpa) % NPT_PAGE_1G == 0 && size >= NPT_PAGE_1G)
		return 3;
	if (fmt->large_2m && (gpa | hpa) % NPT_PAGE_2M == 0 && size >= NPT_PAGE_2M)
		return 2;
	return 1;
}

/* [addr, addr+size) is 4 KiB aligned, not empty, does not wrap and ends at or below limit. */
static bool range_ok(uint64_t addr, uint64_t size, uint64_t limit)
{
	return addr % NPT_PAGE_4K == 0 && size % NPT_PAGE_4K == 0 && size != 0 &&
	       addr + size > addr && addr + size <= limit;
}

/* Every table comes from and goes back to the npt_mm, counted in table_pages. */
static uint64_t alloc_table(struct npt *npt)
{
	uint64_t table = npt->mm.alloc_table(npt->mm.ctx);
	if (table)
		npt->table_pages++;
	return table;
}

static void free_table(struct npt *npt, uint64_t table)
{
	npt->mm.free_table(npt->mm.ctx, table);
	npt->table_pages--;
}

/* Frees the table at `table` (of level `level`) and every table below it. */
static void free_tree(struct npt *npt, uint64_t table, int level)
{
	if (level > 1) {
		uint64_t *t = table_of(npt, table);
		for (int i = 0; i < NPT_ENTRIES; i++)
			if (present(npt, t[i]) && !is_leaf(t[i], level))
				free_tree(npt, t[i] & PTE_ADDR, level - 1);
	}
	free_table(npt, table);
}

static bool table_empty(const struct npt *npt, uint64_t table)
{
	const uint64_t *t = table_of(npt, table);
	for (int i = 0; i < NPT_ENTRIES; i++)
		if (present(npt, t[i]))
			return false;
	return true;
}

/* Whether any leaf maps part of [gpa, end) below the level-`level` table at `table`. */
static bool range_has_leaf(const struct npt *npt, uint64_t table, int level, uint64_t gpa,
			   uint64_t end)
{
	for (uint64_t next; gpa < end; gpa = next) {
		next = entry_end(gpa, level, end);
		uint64_t e = *entry_of(npt, table, level, gpa);
		if (!present(npt, e))
			continue;
		if (is_leaf(e, level) || range_has_leaf(npt, e & PTE_ADDR, level - 1, gpa, next))
			return true;
	}
	return false;
}

/* Writes `leaf` as the level-`leaf_level` entry for gpa, building missing tables. */
static int set_leaf(struct npt *npt, uint64_t gpa, int leaf_level, uint64_t leaf)
{
	uint64_t table = npt->root;
	for (int level = NPT_LEVELS; level > leaf_level; level--) {
		uint64_t *e = entry_of(npt, table, level, gpa);
		if (!present(npt, *e)) {
			uint64_t child = alloc_table(npt);
			if (!child)
				return -ENOMEM;
			*e = npt->fmt->table_bits | child;
		}
		table = *e & PTE_ADDR;
	}
	uint64_t *slot = entry_of(npt, table, leaf_level, gpa);
	/* npt_map found no leaf here, so this can only be a table left empty by a failed map. */
	if (present(npt, *slot))
		free_tree(npt, *slot & PTE_ADDR, leaf_level - 1);
	*slot = leaf;
	return 0;
}

/* Replaces the large leaf *e of level `level` by a table of 512 leaves one level down
 * that map the same memory with the same attributes. */
static int split_leaf(struct npt *npt, uint64_t *e, int level)
{
	uint64_t child = alloc_table(npt);
	if (!child)
		return -ENOMEM;
	uint64_t *t = table_of(npt, child);
	uint64_t base = *e & PTE_ADDR & ~(level_size(level) - 1);
	uint64_t attrs = *e & ~(PTE_ADDR | PTE_PS);
	if (level - 1 > 1)
		attrs |= PTE_PS;
	for (int i = 0; i < NPT_ENTRIES; i++)
		t[i] = attrs | (base + (uint64_t)i * level_size(level - 1));
	*e = npt->fmt->table_bits | child;
	return 0;
}

/* Unmaps [gpa, end) below the level-`level` table at `table`; frees tables that end up empty. */
static int unmap_range(struct npt *npt, uint64_t table, int level, uint64_t gpa, uint64_t end)
{
	for (uint64_t next; gpa < end; gpa = next) {
		next = entry_end(gpa, level, end);
		uint64_t *e = entry_of(npt, table, level, gpa);
		if (!present(npt, *e))
			continue;
		bool whole = gpa % level_size(level) == 0 && next - gpa == level_size(level);
		if (whole) {
			if (!is_leaf(*e, level))
				free_tree(npt, *e & PTE_ADDR, level - 1);
			*e = 0;
			continue;
		}
		if (is_leaf(*e, level)) {
			int err = split_leaf(npt, e, level);
			if (err)
				return err;
		}
		uint64_t child = *e & PTE_ADDR;
		int err = unmap_range(npt, child, level - 1, gpa, next);
		if (table_empty(npt, child)) {
			free_table(npt, child);
			*e = 0;
		}
		if (err)
			return err;
	}
	return 0;
}

int npt_init(struct npt *npt, const struct npt_format *fmt, const struct npt_mm *mm, uint64_t max_hpa)
{
	npt->fmt = fmt;
	npt->mm = *mm;
	npt->max_hpa = max_hpa;
	npt->table_pages = 0;
	npt->root = alloc_table(npt);
	return npt->root ? 0 : -ENOMEM;
}

int npt_map(struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms)
{
	uint64_t hpa_end = npt->max_hpa < PTE_HPA_END ? npt->max_hpa : PTE_HPA_END;
	if (!range_ok(gpa, size, NPT_MAX_GPA) || !range_ok(hpa, size, hpa_end))
		return -EINVAL;
	/* Write without read is an EPT misconfiguration (SDM vol. 3 §29.3.3.1); NPT cannot
	 * express it at all. */
	if (perms == 0 || (perms & ~NPT_PERM_RWX) || (perms & (NPT_PERM_R | NPT_PERM_W)) == NPT_PERM_W)
		return -EINVAL;
	if (range_has_leaf(npt, npt->root, NPT_LEVELS, gpa, gpa + size))
		return -EEXIST;
	while (size) {
		int level = leaf_level_for(npt->fmt, gpa, hpa, size);
		int err = set_leaf(npt, gpa, level, make_leaf(npt->fmt, hpa, perms, level));
		if (err)
			return err;
		gpa += level_size(level);
		hpa += level_size(level);
		size -= level_size(level);
	}
	return 0;
}

int npt_unmap(struct npt *npt, uint64_t gpa, uint64_t size)
{
	if (!range_ok(gpa, size, NPT_MAX_GPA))
		return -EINVAL;
	return unmap_range(npt, npt->root, NPT_LEVELS, gpa, gpa + size);
}

int npt_lookup(const struct npt *npt, uint64_t gpa, uint64_t *hpa, unsigned *perms, uint64_t *page_size)
{
	if (gpa >= NPT_MAX_GPA)
		return -ENOENT;
	int level = NPT_LEVELS;
	uint64_t e = *entry_of(npt, npt->root, level, gpa);
	while (present(npt, e) && !is_leaf(e, level)) {
		level--;
		e = *entry_of(npt, e & PTE_ADDR, level, gpa);
	}
	if (!present(npt, e))
		return -ENOENT;
	uint64_t size = level_size(level);
	if (hpa)
		*hpa = (e & PTE_ADDR & ~(size - 1)) | (gpa & (size - 1));
	if (perms)
		*perms = leaf_perms(npt->fmt, e);
	if (page_size)
		*page_size = size;
	return 0;
}

void npt_destroy(struct npt *npt)
{
	if (npt->root)
		free_tree(npt, npt->root, NPT_LEVELS);
	npt->root = 0;
}
