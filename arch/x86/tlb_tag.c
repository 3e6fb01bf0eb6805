#include "arch/x86/tlb_tag.h"

void tlb_tag_pool_init(struct tlb_tag_pool *pool, uint32_t first, uint32_t last)
{
	*pool = (struct tlb_tag_pool){ .first = first, .last = last, .next = first, .generation = 1,
				       .flush_pending = true };
}

bool tlb_tag_renew(struct tlb_tag_pool *pool, struct tlb_tag *t)
{
	bool flush = pool->flush_pending;
	if (pool->next > pool->last) {
		pool->generation++;
		pool->next = pool->first;
		flush = true;
	}
	t->id = pool->next++;
	t->generation = pool->generation;
	pool->flush_pending = false;
	return flush;
}
