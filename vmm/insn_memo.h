/* Instructions the MMIO emulator decoded (vmm/x86_decode.h), kept per vCPU with their
 * bytes, so that the next exit at the same instruction need not decode it again. A
 * decoding is a function of the bytes and the code's mode alone, so the memo serves one
 * only where the bytes at the guest's RIP, as Keel reads them now, are those it was
 * decoded from, in the same mode: a guest that rewrites its code, or maps other code at
 * the address, gets its new instruction decoded. Only instructions that lie within one
 * page are kept. Pure code. */
#ifndef KEEL_VMM_INSN_MEMO_H
#define KEEL_VMM_INSN_MEMO_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/x86_decode.h"

#define INSN_MEMO_SLOTS 4 /* by the low bits of the instruction's linear address */

struct insn_memo_slot {
	uint64_t linear; /* CS's base + RIP, where the instruction was */
	uint8_t mode;    /* enum x86_mode: the code's */
	uint8_t bytes[X86_MAX_INSN_LEN];
	struct x86_insn insn; /* length 0: the slot is empty */
};

struct insn_memo {
	struct insn_memo_slot slot[INSN_MEMO_SLOTS];
};

/* The instruction kept for the code at linear in that mode, or NULL. The caller reads the
 * bytes there and asks insn_memo_matches before it runs it. Inline, as insn_memo_matches:
 * each MMIO exit asks both. */
static inline const struct insn_memo_slot *insn_memo_find(const struct insn_memo *m, uint64_t linear,
							  enum x86_mode mode)
{
	const struct insn_memo_slot *s = &m->slot[linear % INSN_MEMO_SLOTS];
	return s->insn.length && s->linear == linear && s->mode == mode ? s : NULL;
}

/* Whether the bytes at code (where Keel reads the guest's code at the slot's address now)
 * are those the slot's instruction was decoded from. */
static inline bool insn_memo_matches(const struct insn_memo_slot *s, const uint8_t *code)
{
	for (unsigned i = 0; i < s->insn.length; i++)
		if (code[i] != s->bytes[i])
			return false;
	return true;
}
/* Keeps insn, decoded in that mode from bytes at linear; not if it crosses a page. */
void insn_memo_keep(struct insn_memo *m, uint64_t linear, enum x86_mode mode, const uint8_t *bytes,
		    const struct x86_insn *insn);

#endif
