/* Translations of guest linear addresses that the instruction emulator walked (vmm/guest_walk.c),
 * kept per vCPU so that the next exit on the same page need not walk again. A walk is a
 * function of the paging registers, the access and the page-table entries it read; the memo
 * keeps all of them and serves a translation only while the registers are the same and every
 * entry still holds what the walk left in it (its accessed and dirty flags included). So
 * whatever would change the walk's answer (a new CR3, an entry rewritten or its flags
 * cleared, another vCPU's write) makes it walk again: the memo answers what a walk would,
 * never an older translation a TLB might still hold. Only successful walks are kept.
 *
 * The entries are kept as host pointers into the guest's RAM, and so is the page the
 * translation leads to where it is RAM, valid while the p2m they were found through is
 * (its generation, vmm/p2m.h). Pure code: it reads the entries and nothing else. */
#ifndef KEEL_VMM_WALK_MEMO_H
#define KEEL_VMM_WALK_MEMO_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/guest_walk.h"

#define WALK_MEMO_SLOTS 4  /* by bits 13:12 of the linear address */
#define WALK_MEMO_LEVELS 5 /* entries a walk reads at most: 5-level paging */

/* The entries one walk read, as it left them. */
struct walk_record {
	unsigned count; /* > WALK_MEMO_LEVELS: more than fit, not kept */
	uint64_t *entry[WALK_MEMO_LEVELS];
	uint64_t value[WALK_MEMO_LEVELS];
};

struct walk_memo_slot {
	uint64_t linear_page, gpa_page; /* the 4 KiB page's linear and guest-physical addresses */
	uint8_t *host_page; /* where Keel reaches that page of the guest's RAM; NULL: not RAM */
	uint64_t cr0, cr3, cr4, efer;
	uint8_t cpl;
	bool ac;
	uint8_t access; /* enum guest_access */
	struct walk_record record; /* count 0: the slot is empty */
};

struct walk_memo {
	uint64_t generation; /* the p2m's when the slots were filled */
	struct walk_memo_slot slot[WALK_MEMO_SLOTS];
};

/* A walk about to start records nothing yet. */
static inline void walk_record_start(struct walk_record *r)
{
	r->count = 0;
}

/* The walk read value from the entry at host address entry. */
static inline void walk_record_read(struct walk_record *r, uint64_t *entry, uint64_t value)
{
	if (r->count < WALK_MEMO_LEVELS) {
		r->entry[r->count] = entry;
		r->value[r->count] = value;
	}
	r->count++;
}

/* The walk set bits in the entry it read last. */
static inline void walk_record_set(struct walk_record *r, uint64_t bits)
{
	if (r->count && r->count <= WALK_MEMO_LEVELS)
		r->value[r->count - 1] |= bits;
}

/* Whether the walk s holds would answer the same now, the p2m's generation being the same:
 * the same paging registers, and each entry as the walk left it (read once each, as a walk
 * would read them). Inline: each MMIO exit asks it, through walk_memo_find or the
 * instruction memo (vmm/insn_memo.h). */
static inline bool walk_memo_slot_holds(const struct walk_memo_slot *s, const struct guest_paging *p)
{
	if (s->cr3 != p->cr3 || s->cr0 != p->cr0 || s->cr4 != p->cr4 || s->efer != p->efer || s->cpl != p->cpl ||
	    s->ac != p->ac)
		return false;
	for (unsigned i = 0; i < s->record.count; i++)
		if (__atomic_load_n(s->record.entry[i], __ATOMIC_RELAXED) != s->record.value[i])
			return false;
	return true;
}

/* The slot that holds linear's walk for that access, for a memo that keeps a copy; NULL
 * if the memo has none (or only one from another p2m generation). */
const struct walk_memo_slot *walk_memo_slot_of(const struct walk_memo *m, uint64_t generation, uint64_t linear,
					       enum guest_access access);
/* The guest-physical address of linear for that access if the memo holds its walk and the
 * walk would answer the same now: true, *gpa and *host (where Keel reaches that byte of the
 * guest's RAM, NULL where it is not RAM); else false. generation: the p2m's now. */
bool walk_memo_find(struct walk_memo *m, uint64_t generation, const struct guest_paging *p, uint64_t linear,
		    enum guest_access access, uint64_t *gpa, uint8_t **host);
/* Keeps the translation of linear to gpa, which a walk recorded in r just found; host_page:
 * where Keel reaches gpa's 4 KiB page of the guest's RAM, NULL where it is not RAM. */
void walk_memo_keep(struct walk_memo *m, uint64_t generation, const struct guest_paging *p, uint64_t linear,
		    enum guest_access access, uint64_t gpa, uint8_t *host_page, const struct walk_record *r);

#endif
