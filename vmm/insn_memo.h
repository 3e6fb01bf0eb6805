/* Instructions the MMIO emulator decoded (vmm/x86_decode.h), kept per vCPU with their
 * bytes and the walk that found them, so that the next exit at the same instruction need
 * neither walk nor decode again. A decoding is a function of the bytes and the code's mode
 * alone; the memo serves one only where the instruction's address would translate as it
 * did (the walk memo's test, vmm/walk_memo.h: the same paging registers, every entry as
 * the walk left it) and the bytes there are still those it was decoded from, in the same
 * mode: a guest that rewrites its code, or maps other code at the address, gets its new
 * instruction decoded. Only instructions that lie within one page of the guest's RAM,
 * found by a walk of its page tables, are kept. Pure code: it reads the entries and the
 * bytes, through the host addresses the walk gave, valid while the p2m they were found
 * through is (its generation, vmm/p2m.h). */
#ifndef KEEL_VMM_INSN_MEMO_H
#define KEEL_VMM_INSN_MEMO_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/walk_memo.h"
#include "vmm/x86_decode.h"

#define INSN_MEMO_SLOTS 4 /* by the low bits of the instruction's linear address */
#define INSN_MEMO_PAGE 4096u

struct insn_memo_slot {
	uint64_t linear; /* CS's base + RIP, where the instruction was */
	uint8_t mode;    /* enum x86_mode: the code's */
	uint8_t bytes[X86_MAX_INSN_LEN];
	struct x86_insn insn;        /* length 0: the slot is empty */
	struct walk_memo_slot fetch; /* the walk that translated linear, with its page's host address */
};

struct insn_memo {
	uint64_t generation; /* the p2m's when the slots were filled */
	struct insn_memo_slot slot[INSN_MEMO_SLOTS];
};

/* The instruction at linear in that mode, if the memo holds one whose address would
 * translate as it did and whose bytes are still there; else NULL. generation: the p2m's
 * now; p: the guest's paging now. Inline: each MMIO exit asks it. */
static inline const struct insn_memo_slot *insn_memo_find(const struct insn_memo *m, uint64_t generation,
							  const struct guest_paging *p, uint64_t linear,
							  enum x86_mode mode)
{
	const struct insn_memo_slot *s = &m->slot[linear % INSN_MEMO_SLOTS];
	if (!s->insn.length || s->linear != linear || s->mode != mode || m->generation != generation ||
	    !walk_memo_slot_holds(&s->fetch, p))
		return NULL;
	const uint8_t *code = s->fetch.host_page + linear % INSN_MEMO_PAGE;
	for (unsigned i = 0; i < s->insn.length; i++)
		if (code[i] != s->bytes[i])
			return NULL;
	return s;
}

/* Keeps insn, decoded in that mode from bytes at linear, whose translation fetch holds (a
 * walk memo's slot, for a fetch); not if there is none, if it does not lead to the guest's
 * RAM, or if the instruction crosses a page. */
void insn_memo_keep(struct insn_memo *m, uint64_t generation, uint64_t linear, enum x86_mode mode,
		    const uint8_t *bytes, const struct x86_insn *insn, const struct walk_memo_slot *fetch);

#endif
