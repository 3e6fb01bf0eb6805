/* The emulator's memo of guest page walks (see walk_memo.h). */
#include <stddef.h>
#include "vmm/walk_memo.h"

#define PAGE_SHIFT_4K 12

static unsigned slot_index(uint64_t linear)
{
	return (unsigned)((linear >> PAGE_SHIFT_4K) % WALK_MEMO_SLOTS);
}

const struct walk_memo_slot *walk_memo_slot_of(const struct walk_memo *m, uint64_t generation, uint64_t linear,
					       enum guest_access access)
{
	const struct walk_memo_slot *s = &m->slot[slot_index(linear)];
	bool same_walk = s->record.count && s->linear_page == linear >> PAGE_SHIFT_4K && s->access == access;
	return m->generation == generation && same_walk ? s : NULL;
}

bool walk_memo_find(struct walk_memo *m, uint64_t generation, const struct guest_paging *p, uint64_t linear,
		    enum guest_access access, uint64_t *gpa, uint8_t **host)
{
	const struct walk_memo_slot *s = walk_memo_slot_of(m, generation, linear, access);
	if (!s || !walk_memo_slot_holds(s, p))
		return false;
	uint64_t offset = linear & ((1u << PAGE_SHIFT_4K) - 1);
	*gpa = s->gpa_page << PAGE_SHIFT_4K | offset;
	*host = s->host_page ? s->host_page + offset : NULL;
	return true;
}

void walk_memo_keep(struct walk_memo *m, uint64_t generation, const struct guest_paging *p, uint64_t linear,
		    enum guest_access access, uint64_t gpa, uint8_t *host_page, const struct walk_record *r)
{
	if (m->generation != generation) {
		for (unsigned i = 0; i < WALK_MEMO_SLOTS; i++)
			m->slot[i].record.count = 0;
		m->generation = generation;
	}
	struct walk_memo_slot *s = &m->slot[slot_index(linear)];
	if (r->count == 0 || r->count > WALK_MEMO_LEVELS) { /* paging off, or a walk too long */
		s->record.count = 0;
		return;
	}
	*s = (struct walk_memo_slot){
		.linear_page = linear >> PAGE_SHIFT_4K, .gpa_page = gpa >> PAGE_SHIFT_4K, .host_page = host_page,
		.cr0 = p->cr0, .cr3 = p->cr3, .cr4 = p->cr4, .efer = p->efer, .cpl = p->cpl, .ac = p->ac,
		.access = (uint8_t)access, .record = *r,
	};
}
