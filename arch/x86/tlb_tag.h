/* Tags for the tagged TLB: AMD's ASIDs (APM vol.2 §15.16) and Intel's VPIDs (SDM vol.3
 * §29.1). A CPU has a fixed number of them (QEMU's SVM: 16, one the host's), fewer than
 * Keel may have vCPUs, so they are handed out per generation, as Xen and KVM do: a vCPU
 * keeps its tag while the generation lasts; when the pool runs dry a new generation starts,
 * every translation is flushed once, and tags are handed out afresh. A tag is never given
 * to two vCPUs in one generation, so a vCPU's TLB entries are its own. */
#ifndef KEEL_ARCH_X86_TLB_TAG_H
#define KEEL_ARCH_X86_TLB_TAG_H

#include <stdbool.h>
#include <stdint.h>

struct tlb_tag_pool {
	uint32_t first, last; /* the tags Keel may use */
	uint32_t next;        /* the next unused one in this generation */
	uint64_t generation;
	bool flush_pending;   /* nothing flushed yet: the firmware may have used tags */
};

struct tlb_tag {
	uint32_t id;
	uint64_t generation; /* 0: never assigned */
};

void tlb_tag_pool_init(struct tlb_tag_pool *pool, uint32_t first, uint32_t last);
bool tlb_tag_renew(struct tlb_tag_pool *pool, struct tlb_tag *t);

/* Makes t valid for the current generation before its vCPU enters the guest. Returns true
 * when the caller must flush the translations of every tag first (a new generation). One
 * comparison, inline, while t is valid. */
static inline bool tlb_tag_refresh(struct tlb_tag_pool *pool, struct tlb_tag *t)
{
	if (t->generation == pool->generation && !pool->flush_pending)
		return false;
	return tlb_tag_renew(pool, t);
}

#endif
