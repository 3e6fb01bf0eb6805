#include "arch/x86/cpu_features.h"
#include "arch/x86/hvm.h"
#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/p2m.h"

static uint64_t table_alloc(void *ctx)
{
	(void)ctx;
	return page_alloc_zeroed();
}

static void table_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	page_free(pa, 1);
}

static uint64_t *table_ptr(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static const struct npt_mm core_mm = { NULL, table_alloc, table_free, table_ptr };

/* Backs [gpa, gpa + size) with one contiguous host piece, aligned like gpa for a large
 * page of that size; if RAM is too fragmented for that, a 1 GiB piece in 2 MiB pieces and
 * any other page by page. */
static int back_range(struct p2m *p2m, uint64_t gpa, uint64_t size)
{
	uint64_t pages = size / PAGE_SIZE;
	bool large = size == NPT_PAGE_1G || size == NPT_PAGE_2M;
	uint64_t hpa = page_alloc_contig(pages, large ? size : PAGE_SIZE);
	if (hpa) {
		memset(phys_to_virt(hpa), 0, size); /* never show a guest another's old data */
		int err = npt_map(&p2m->npt, gpa, hpa, size, NPT_PERM_RWX);
		if (err)
			page_free(hpa, pages);
		return err;
	}
	if (size == NPT_PAGE_1G) {
		for (uint64_t off = 0; off < size; off += NPT_PAGE_2M) {
			int err = back_range(p2m, gpa + off, NPT_PAGE_2M);
			if (err)
				return err;
		}
		return 0;
	}
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t page = page_alloc_zeroed();
		if (!page)
			return -ENOMEM;
		int err = npt_map(&p2m->npt, gpa + off, page, PAGE_SIZE, NPT_PERM_RWX);
		if (err) {
			page_free(page, 1);
			return err;
		}
	}
	return 0;
}

/* The piece to back at gpa, at most left bytes: 1 GiB where the CPU maps such pages and
 * both allow it, else 2 MiB, else up to the next 2 MiB boundary. */
static uint64_t piece_at(uint64_t gpa, uint64_t left)
{
	if (hvm->npt_format->large_1g && gpa % NPT_PAGE_1G == 0 && left >= NPT_PAGE_1G)
		return NPT_PAGE_1G;
	if (gpa % NPT_PAGE_2M == 0)
		return left >= NPT_PAGE_2M ? NPT_PAGE_2M : left;
	uint64_t to_boundary = NPT_PAGE_2M - gpa % NPT_PAGE_2M;
	return left < to_boundary ? left : to_boundary;
}

int p2m_init(struct p2m *p2m, const struct guest_layout *layout)
{
	int err = npt_init(&p2m->npt, hvm->npt_format, &core_mm, 1ull << cpu.phys_addr_bits);
	if (err)
		return err;
	p2m->layout = layout;
	p2m->last = (struct p2m_leaf){ 0 };
	p2m->generation++;
	for (unsigned i = 0; i < layout->count; i++) {
		const struct layout_range *r = &layout->range[i];
		for (uint64_t gpa = r->base; r->backed && gpa < r->base + r->size;) {
			uint64_t piece = piece_at(gpa, r->base + r->size - gpa);
			if ((err = back_range(p2m, gpa, piece))) {
				p2m_destroy(p2m);
				return err;
			}
			gpa += piece;
		}
	}
	return 0;
}

void p2m_destroy(struct p2m *p2m)
{
	const struct guest_layout *layout = p2m->layout;
	for (unsigned i = 0; layout && i < layout->count; i++) {
		const struct layout_range *r = &layout->range[i];
		uint64_t gpa = r->base, hpa, page_size;
		while (r->backed && gpa < r->base + r->size) {
			if (npt_lookup(&p2m->npt, gpa, &hpa, NULL, &page_size)) {
				gpa += PAGE_SIZE; /* not backed yet: p2m_init failed on its way */
				continue;
			}
			page_free(hpa, page_size / PAGE_SIZE);
			gpa += page_size;
		}
	}
	npt_destroy(&p2m->npt);
	p2m->layout = NULL;
	p2m->last = (struct p2m_leaf){ 0 };
	p2m->generation++;
}

static void zero_piece(void *host, uint64_t offset, uint64_t n, void *ctx)
{
	(void)offset;
	(void)ctx;
	memset(host, 0, n);
}

bool p2m_zero_next(struct p2m *p2m, uint64_t *cursor, uint64_t max)
{
	const struct guest_layout *layout = p2m->layout;
	for (unsigned i = 0; i < layout->count; i++) {
		const struct layout_range *r = &layout->range[i];
		uint64_t end = r->base + r->size;
		if (!r->backed || *cursor >= end)
			continue;
		uint64_t from = *cursor > r->base ? *cursor : r->base;
		uint64_t n = end - from < max ? end - from : max;
		p2m_visit(p2m, from, n, NPT_PERM_W, zero_piece, NULL);
		*cursor = from + n;
		return false;
	}
	return true;
}

/* Checks the whole range first, so a failing copy changes nothing. */
static int check_range(const struct p2m *p2m, uint64_t gpa, uint64_t len, unsigned need)
{
	if (gpa + len < gpa)
		return -EFAULT;
	uint64_t end = gpa + len;
	while (gpa < end) {
		uint64_t page_size;
		unsigned perms;
		if (npt_lookup(&p2m->npt, gpa, NULL, &perms, &page_size) || (perms & need) != need)
			return -EFAULT;
		gpa = (gpa & ~(page_size - 1)) + page_size;
	}
	return 0;
}

/* Calls visit for each host-contiguous piece of the range. */
static void for_each_piece(const struct p2m *p2m, uint64_t gpa, uint64_t len, p2m_visit_fn visit, void *ctx)
{
	uint64_t done = 0;
	while (done < len) {
		uint64_t hpa, page_size;
		npt_lookup(&p2m->npt, gpa + done, &hpa, NULL, &page_size);
		uint64_t room = page_size - ((gpa + done) & (page_size - 1));
		uint64_t n = len - done < room ? len - done : room;
		visit(phys_to_virt(hpa), done, n, ctx);
		done += n;
	}
}

static void copy_in(void *host, uint64_t offset, uint64_t n, void *src)
{
	memcpy(host, (const uint8_t *)src + offset, n);
}

/* The leaf that holds gpa: one walk of the table. */
static int lookup_leaf(const struct p2m *p2m, uint64_t gpa, struct p2m_leaf *leaf)
{
	uint64_t hpa, size;
	unsigned perms;
	if (npt_lookup(&p2m->npt, gpa, &hpa, &perms, &size))
		return -EFAULT;
	*leaf = (struct p2m_leaf){ gpa & ~(size - 1), hpa & ~(size - 1), size, perms };
	return 0;
}

/* A range within the leaf that holds its first byte (nearly every one: RAM is mapped with
 * large pages) is checked and visited with that leaf alone; a longer one is checked in full
 * first. */
static int visit_from(const struct p2m *p2m, const struct p2m_leaf *l, uint64_t gpa, uint64_t len, unsigned need,
		      p2m_visit_fn visit, void *ctx)
{
	if ((l->perms & need) != need)
		return -EFAULT;
	uint64_t offset = gpa - l->gpa;
	if (len <= l->size - offset) {
		visit(phys_to_virt(l->hpa + offset), 0, len, ctx);
		return 0;
	}
	int err = check_range(p2m, gpa, len, need);
	if (!err)
		for_each_piece(p2m, gpa, len, visit, ctx);
	return err;
}

int p2m_visit(struct p2m *p2m, uint64_t gpa, uint64_t len, unsigned need, p2m_visit_fn visit, void *ctx)
{
	if (!len)
		return 0;
	if (gpa - p2m->last.gpa >= p2m->last.size && lookup_leaf(p2m, gpa, &p2m->last))
		return -EFAULT;
	return visit_from(p2m, &p2m->last, gpa, len, need, visit, ctx);
}

void *p2m_host_range(const struct p2m *p2m, struct p2m_memo *memo, uint64_t gpa, uint64_t len, unsigned need)
{
	if (memo->generation != p2m->generation) {
		for (unsigned i = 0; i < P2M_MEMO_LEAVES; i++)
			memo->leaf[i].size = 0;
		memo->generation = p2m->generation;
	}
	struct p2m_leaf *leaf = &memo->leaf[(gpa / PAGE_SIZE) % P2M_MEMO_LEAVES];
	if (gpa - leaf->gpa >= leaf->size && lookup_leaf(p2m, gpa, leaf))
		return NULL;
	uint64_t offset = gpa - leaf->gpa;
	if ((leaf->perms & need) != need || len > leaf->size - offset)
		return NULL;
	return phys_to_virt(leaf->hpa + offset);
}

static void copy_out(void *host, uint64_t offset, uint64_t n, void *dst)
{
	memcpy((uint8_t *)dst + offset, host, n);
}

int p2m_copy_from_guest(const struct p2m *p2m, uint64_t gpa, void *dst, uint64_t len)
{
	struct p2m_leaf leaf;
	if (!len)
		return 0;
	if (lookup_leaf(p2m, gpa, &leaf))
		return -EFAULT;
	return visit_from(p2m, &leaf, gpa, len, NPT_PERM_R, copy_out, dst);
}

int p2m_copy_to_guest(const struct p2m *p2m, uint64_t gpa, const void *src, uint64_t len)
{
	struct p2m_leaf leaf;
	if (!len)
		return 0;
	if (lookup_leaf(p2m, gpa, &leaf))
		return -EFAULT;
	return visit_from(p2m, &leaf, gpa, len, NPT_PERM_W, copy_in, (void *)src);
}
