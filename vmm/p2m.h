/* A domain's guest-physical memory: the backed ranges of its layout (vmm/layout.h), backed
 * by host frames through the nested page table, and safe copies in and out of it for the
 * hypervisor. */
#ifndef KEEL_VMM_P2M_H
#define KEEL_VMM_P2M_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86/nested_pt.h"
#include "vmm/layout.h"

/* One leaf of the nested page table: [gpa, gpa + size) backed by [hpa, hpa + size). */
struct p2m_leaf {
	uint64_t gpa, hpa, size; /* size 0: none */
	unsigned perms;          /* NPT_PERM_* */
};

struct p2m {
	struct npt npt;
	const struct guest_layout *layout; /* what is backed where */
	/* The leaf p2m_visit found last: the next guest buffer is most often in it too, as RAM
	 * is mapped with large pages. Whatever changes the table clears it (today only
	 * p2m_init and p2m_destroy change it). */
	struct p2m_leaf last;
	uint64_t generation; /* grows whenever the table changes: the memos of older ones are void */
};

/* A vCPU's memo of leaves it looked up, for code that touches guest memory many times an
 * exit (the instruction emulator: page-table entries, instruction bytes). The first MiB and
 * the pieces next to it are mapped with 4 KiB leaves, so one leaf would not do. */
#define P2M_MEMO_LEAVES 8
struct p2m_memo {
	uint64_t generation; /* the table's when it was filled; 0: empty */
	struct p2m_leaf leaf[P2M_MEMO_LEAVES]; /* by bits 14:12 of the address looked up */
};

/* Backs every backed range of the layout (which must outlive the p2m) with zeroed host
 * memory, in pieces of 1 GiB (where the CPU's nested paging has such pages) and 2 MiB,
 * aligned so that the table maps each with one large page, and smaller ones where a
 * range's ends are not so aligned or free memory is too fragmented; maps them RWX. */
int p2m_init(struct p2m *p2m, const struct guest_layout *layout);
/* Unmaps and frees the guest's memory and the table. */
void p2m_destroy(struct p2m *p2m);
/* Zeroes at most max bytes of the backed memory, from *cursor on (guest-physical; start
 * at 0), and moves *cursor past them. True once nothing is left from *cursor on. */
bool p2m_zero_next(struct p2m *p2m, uint64_t *cursor, uint64_t max);

/* Visits [gpa, gpa + len) of guest-physical memory: visit(host pointer, offset in the range,
 * length, ctx) for each host-contiguous piece, in order, once the whole range is known to be
 * guest RAM with the permissions need (NPT_PERM_*); -EFAULT, with no visit, if it is not.
 * The guest may change its memory meanwhile (another of its vCPUs): visit reads each byte
 * once, or copies it first. */
typedef void (*p2m_visit_fn)(void *host, uint64_t offset, uint64_t n, void *ctx);
int p2m_visit(struct p2m *p2m, uint64_t gpa, uint64_t len, unsigned need, p2m_visit_fn visit, void *ctx);
/* The host address of [gpa, gpa + len) when the range lies within one leaf of the table
 * with the permissions need (NPT_PERM_*), else NULL. The table is walked only when memo
 * holds no leaf for gpa. */
void *p2m_host_range(const struct p2m *p2m, struct p2m_memo *memo, uint64_t gpa, uint64_t len, unsigned need);
/* Copies out of guest-physical memory; -EFAULT (nothing copied) if any byte of
 * [gpa, gpa + len) is not guest memory. */
int p2m_copy_from_guest(const struct p2m *p2m, uint64_t gpa, void *dst, uint64_t len);
/* Copies into guest-physical memory; -EFAULT (nothing copied) if any byte of
 * [gpa, gpa + len) is not guest RAM. */
int p2m_copy_to_guest(const struct p2m *p2m, uint64_t gpa, const void *src, uint64_t len);

#endif
