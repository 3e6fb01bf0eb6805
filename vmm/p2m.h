/* A domain's guest-physical memory: RAM at [0, size), backed by host frames through the
 * nested page table, and safe copies in and out of it for the hypervisor. */
#ifndef KEEL_VMM_P2M_H
#define KEEL_VMM_P2M_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86/nested_pt.h"

/* One leaf of the nested page table: [gpa, gpa + size) backed by [hpa, hpa + size). */
struct p2m_leaf {
	uint64_t gpa, hpa, size; /* size 0: none */
	unsigned perms;          /* NPT_PERM_* */
};

struct p2m {
	struct npt npt;
	uint64_t ram_size; /* bytes of guest RAM, mapped at guest-physical 0 */
	/* The leaf p2m_visit found last: the next guest buffer is most often in it too, as RAM
	 * is mapped with large pages. Whatever changes the table clears it (today only
	 * p2m_init and p2m_destroy change it). */
	struct p2m_leaf last;
};

/* Allocates ram_size bytes (a multiple of 4 KiB) of zeroed host memory, in pieces of
 * 1 GiB (where the CPU's nested paging has such pages) and 2 MiB, aligned so that the table
 * maps each with one large page, and maps it RWX at GPA 0. Where free memory is too
 * fragmented, smaller pieces are taken. */
int p2m_init(struct p2m *p2m, uint64_t ram_size);
/* Unmaps and frees the guest's RAM and the table. */
void p2m_destroy(struct p2m *p2m);

/* Visits [gpa, gpa + len) of guest-physical memory: visit(host pointer, offset in the range,
 * length, ctx) for each host-contiguous piece, in order, once the whole range is known to be
 * guest RAM with the permissions need (NPT_PERM_*); -EFAULT, with no visit, if it is not.
 * The guest may change its memory meanwhile (another of its vCPUs): visit reads each byte
 * once, or copies it first. */
typedef void (*p2m_visit_fn)(void *host, uint64_t offset, uint64_t n, void *ctx);
int p2m_visit(struct p2m *p2m, uint64_t gpa, uint64_t len, unsigned need, p2m_visit_fn visit, void *ctx);
/* Zeroes [gpa, gpa + len) of guest RAM; -EFAULT (nothing zeroed) if any of it is not. */
int p2m_zero(struct p2m *p2m, uint64_t gpa, uint64_t len);
/* Copies into guest-physical memory; -EFAULT (nothing copied) if any byte of
 * [gpa, gpa + len) is not guest RAM. */
int p2m_copy_to_guest(const struct p2m *p2m, uint64_t gpa, const void *src, uint64_t len);

#endif
