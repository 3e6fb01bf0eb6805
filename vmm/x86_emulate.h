/* Runs one instruction decoded by vmm/x86_decode.h on a guest's registers, reaching memory
 * through callbacks by linear address, as the CPU would have run it: the effective address
 * with its segment (limits outside 64-bit mode, the canonical check in it), the access of
 * the operand's size, the result written with the architectural extension rules, the
 * arithmetic flags (SDM vol.1 appendix A, vol.2 for each instruction), RIP advanced. It
 * knows nothing of domains: the host tests run it on a plain memory.
 *
 * Not modelled: alignment checks (#AC), and the type of a segment outside 64-bit mode (a
 * write through a read-only data segment); the CPU checked both for the access that
 * exited, and a guest can only fool itself with them. LOCK: the read and the write of a
 * locked operand are two calls, one after the other; nothing can come between them as
 * long as a domain has one vCPU. */
#ifndef KEEL_VMM_X86_EMULATE_H
#define KEEL_VMM_X86_EMULATE_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/x86_decode.h"

/* A segment register's hidden part, as the VMCB or VMCS holds it. */
struct x86_segment {
	uint64_t base;
	uint32_t limit;   /* in bytes, granularity applied */
	bool expand_down; /* valid offsets are limit + 1 to 0xffff, or 0xffffffff if big */
	bool big;         /* the descriptor's D/B bit */
};

struct x86_cpu {
	uint64_t gpr[16]; /* by encoding: RAX = 0 ... R15 = 15 */
	uint64_t rip;
	uint64_t rflags;
	struct x86_segment seg[X86_SEG_COUNT]; /* in 64-bit mode only FS's and GS's bases count */
	enum x86_mode mode;
	bool la57; /* 64-bit mode: 57-bit linear addresses (CR4.LA57), else 48 */
};

/* The exception the guest gets: #GP(0) or #SS(0) from the executor, #PF from a callback. */
struct x86_fault {
	uint8_t vector;
	uint32_t error_code;
	uint64_t cr2; /* #PF: the linear address */
};

enum x86_result {
	X86_OK,
	X86_EXCEPTION, /* *fault says which: the instruction has not happened */
	X86_ABORT,     /* the callback gave up on the domain (and said why) */
};

/* Guest memory by linear address, and the ports of INS and OUTS. read and write: at most 8
 * bytes at a time, little-endian.
 * Such an access may cross into the next page: the callback translates both pages before
 * it reads or writes either, so that a fault leaves both untouched, as on a CPU. A read
 * with for_write is the first half of a read-modify-write (ADD to memory, XCHG, BTS...):
 * the CPU checks such an operand for writing before it reads it, so the callback
 * translates it as a write. fetch: instruction bytes, at most 15, within one page. */
struct x86_memory {
	void *ctx;
	enum x86_result (*fetch)(void *ctx, uint64_t linear, void *data, unsigned size, struct x86_fault *fault);
	enum x86_result (*read)(void *ctx, uint64_t linear, void *data, unsigned size, bool for_write,
				struct x86_fault *fault);
	enum x86_result (*write)(void *ctx, uint64_t linear, const void *data, unsigned size,
				 struct x86_fault *fault);
	/* INS: whether size bytes at linear can be written (translated as a write, not
	 * touched), so that the port is read only for an element whose store will be made. */
	enum x86_result (*check_write)(void *ctx, uint64_t linear, unsigned size, struct x86_fault *fault);
	/* INS and OUTS: size bytes (1, 2 or 4) from or to the port. */
	uint64_t (*port_in)(void *ctx, uint16_t port, unsigned size);
	void (*port_out)(void *ctx, uint16_t port, unsigned size, uint64_t value);
};

enum x86_emulation {
	X86_EMULATED,          /* done, RIP advanced */
	X86_EMULATED_ELEMENT,  /* a REP string instruction: one element done, RIP unchanged */
	X86_EMULATE_EXCEPTION, /* *fault goes to the guest; registers and RIP unchanged */
	X86_EMULATE_ABORT,     /* the memory callback gave up */
};

enum x86_fetch_status {
	X86_FETCHED,           /* insn is the instruction at CS:RIP */
	X86_FETCH_EXCEPTION,   /* *fault goes to the guest: #PF of the fetch, #GP(0) past the CS
	                          limit or beyond 15 bytes, #UD for a LOCK the SDM refuses */
	X86_FETCH_UNSUPPORTED, /* not an instruction the decoder knows: bytes[0, insn->length) */
	X86_FETCH_ABORT,       /* the fetch callback gave up */
};

/* The linear address of CS:RIP in *linear, and how many bytes the CPU may fetch there
 * (at most 15): in 64-bit mode all, elsewhere those within CS's limit (SDM vol.3 §5.3:
 * #GP(0) beyond it). */
size_t x86_code_room(const struct x86_cpu *cpu, uint64_t *linear);
/* Fetches the instruction at CS:RIP into bytes and decodes it. The bytes are fetched up to
 * the end of the page (or of CS's limit) and the next page is fetched only if the
 * instruction reaches into it, so a fault on that page comes where a CPU's would. */
enum x86_fetch_status x86_fetch(const struct x86_cpu *cpu, const struct x86_memory *memory,
				uint8_t bytes[X86_MAX_INSN_LEN], struct x86_insn *insn, struct x86_fault *fault);
/* The same for a MOV to a control register (x86_decode_mov_to_cr). */
enum x86_fetch_status x86_fetch_mov_to_cr(const struct x86_cpu *cpu, const struct x86_memory *memory,
					  uint8_t bytes[X86_MAX_INSN_LEN], struct x86_mov_cr *out,
					  struct x86_fault *fault);

/* Runs insn on cpu and memory. A REP MOVS, STOS, INS or OUTS runs one element per call, leaving rCX,
 * rSI and rDI as the CPU leaves them when an interrupt suspends the repetition (SDM vol.2
 * "REP"): the caller calls again with the same insn for the next element, or enters the
 * guest, which resumes the instruction from there; so a long REP can be preempted. A REP
 * with rCX zero does nothing but advance RIP. */
enum x86_emulation x86_emulate(const struct x86_insn *insn, struct x86_cpu *cpu, const struct x86_memory *memory,
			       struct x86_fault *fault);

/* MOV, MOVZX and MOVSX for a caller that makes the memory access itself (vmm/emulate.c, an
 * access the CPU already checked and translated before it exited), on registers by
 * encoding: the operand's offset in its segment and its linear address, the value a store
 * writes, what a load does with the value read (the extension rules), and the next
 * instruction's address. */
uint64_t x86_operand_offset(const struct x86_insn *insn, const uint64_t *gpr, uint64_t rip);
/* seg:offset's linear address: in 64-bit mode only FS and GS have a base; elsewhere it has
 * 32 bits. No limit or canonical check. */
uint64_t x86_linear_address(const struct x86_cpu *cpu, uint8_t seg, uint64_t offset);
uint64_t x86_mov_store_value(const struct x86_insn *insn, const uint64_t *gpr);
void x86_mov_load(const struct x86_insn *insn, uint64_t *gpr, uint64_t value);
uint64_t x86_next_rip(const struct x86_insn *insn, uint64_t rip, enum x86_mode mode);

#endif
