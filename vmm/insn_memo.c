/* The MMIO emulator's memo of decoded instructions (see insn_memo.h). */
#include "lib/string.h"
#include "vmm/insn_memo.h"

#define PAGE_BYTES 4096u

void insn_memo_keep(struct insn_memo *m, uint64_t linear, enum x86_mode mode, const uint8_t *bytes,
		    const struct x86_insn *insn)
{
	struct insn_memo_slot *s = &m->slot[linear % INSN_MEMO_SLOTS];
	if ((linear % PAGE_BYTES) + insn->length > PAGE_BYTES) {
		s->insn.length = 0;
		return;
	}
	s->linear = linear;
	s->mode = (uint8_t)mode;
	memcpy(s->bytes, bytes, insn->length);
	s->insn = *insn;
}
