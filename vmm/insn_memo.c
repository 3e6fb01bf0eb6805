/* The MMIO emulator's memo of decoded instructions (see insn_memo.h). */
#include <stddef.h>
#include "lib/string.h"
#include "vmm/insn_memo.h"

void insn_memo_keep(struct insn_memo *m, uint64_t generation, uint64_t linear, enum x86_mode mode,
		    const uint8_t *bytes, const struct x86_insn *insn, const struct walk_memo_slot *fetch)
{
	if (m->generation != generation) {
		for (unsigned i = 0; i < INSN_MEMO_SLOTS; i++)
			m->slot[i].insn.length = 0;
		m->generation = generation;
	}
	struct insn_memo_slot *s = &m->slot[linear % INSN_MEMO_SLOTS];
	if (!fetch || !fetch->host_page || linear % INSN_MEMO_PAGE + insn->length > INSN_MEMO_PAGE) {
		s->insn.length = 0;
		return;
	}
	s->linear = linear;
	s->mode = (uint8_t)mode;
	memcpy(s->bytes, bytes, insn->length);
	s->insn = *insn;
	s->fetch = *fetch;
}
