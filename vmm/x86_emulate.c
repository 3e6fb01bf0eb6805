#include "arch/x86/cpu.h"
#include "vmm/x86_emulate.h"

/* The arithmetic flags and DF (SDM vol.1 §3.4.3). */
#define FLAG_CF (1ull << 0)
#define FLAG_PF (1ull << 2)
#define FLAG_AF (1ull << 4)
#define FLAG_ZF (1ull << 6)
#define FLAG_SF (1ull << 7)
#define FLAG_DF (1ull << 10)
#define FLAG_OF (1ull << 11)
#define ARITH_FLAGS (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* One instruction's run. */
struct run {
	const struct x86_insn *insn;
	struct x86_cpu *cpu;
	const struct x86_memory *memory;
	struct x86_fault *fault;
};

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << 8 * size) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned unused = 64 - 8 * size;
	return (uint64_t)((int64_t)(v << unused) >> unused);
}

static uint64_t read_reg(const uint64_t *gpr, uint8_t reg, bool high_byte, unsigned size)
{
	return high_byte ? gpr[reg] >> 8 & 0xff : gpr[reg] & size_mask(size);
}

/* A 32-bit result zeroes bits 63:32; an 8- or 16-bit one keeps the rest of the register
 * (SDM vol.1 §3.4.1.1). */
static void write_reg(uint64_t *gpr, uint8_t reg, bool high_byte, unsigned size, uint64_t value)
{
	uint64_t *r = &gpr[reg];
	if (high_byte)
		*r = (*r & ~0xff00ull) | (value & 0xff) << 8;
	else if (size == 4)
		*r = (uint32_t)value;
	else
		*r = (*r & ~size_mask(size)) | (value & size_mask(size));
}

/* The memory operand's offset, plus extra (BT's bit-offset bytes), in the address size
 * (SDM vol.1 §3.7.5). RIP-relative addresses count from the next instruction. */
static uint64_t offset_of(const struct x86_insn *insn, const uint64_t *gpr, uint64_t rip, uint64_t extra)
{
	const struct x86_mem *m = &insn->mem;
	uint64_t ea = (uint64_t)m->disp + extra;
	if (m->rip_relative)
		ea += rip + insn->length;
	if (m->base != X86_NO_REG)
		ea += gpr[m->base];
	if (m->index != X86_NO_REG)
		ea += gpr[m->index] * m->scale;
	return ea & size_mask(m->addr_size);
}

static uint64_t effective_address(const struct run *r, uint64_t extra)
{
	return offset_of(r->insn, r->cpu->gpr, r->cpu->rip, extra);
}

uint64_t x86_operand_offset(const struct x86_insn *insn, const uint64_t *gpr, uint64_t rip)
{
	return offset_of(insn, gpr, rip, 0);
}

uint64_t x86_mov_store_value(const struct x86_insn *insn, const uint64_t *gpr)
{
	return insn->form == X86_MEM_IMM ? insn->imm : read_reg(gpr, insn->reg, insn->reg_high_byte, insn->op_size);
}

void x86_mov_load(const struct x86_insn *insn, uint64_t *gpr, uint64_t value)
{
	if (insn->op == X86_MOVSX)
		value = sign_extend(value, insn->mem_size);
	write_reg(gpr, insn->reg, insn->reg_high_byte, insn->op_size, value);
}

/* The instruction pointer has the code's size: IP, EIP or RIP. */
uint64_t x86_next_rip(const struct x86_insn *insn, uint64_t rip, enum x86_mode mode)
{
	return (rip + insn->length) & size_mask(mode == X86_MODE_16 ? 2 : mode == X86_MODE_32 ? 4 : 8);
}

uint64_t x86_linear_address(const struct x86_cpu *cpu, uint8_t seg, uint64_t offset)
{
	if (cpu->mode == X86_MODE_64)
		return offset + (seg == X86_SEG_FS || seg == X86_SEG_GS ? cpu->seg[seg].base : 0);
	return (uint32_t)(cpu->seg[seg].base + offset);
}

static bool canonical(uint64_t linear, bool la57)
{
	unsigned unused = la57 ? 7 : 16;
	return (uint64_t)((int64_t)(linear << unused) >> unused) == linear;
}

/* seg:offset, for size bytes. In 64-bit mode only FS and GS have a base, and every byte
 * must be canonical; elsewhere every byte must be within the limit, and the linear address
 * has 32 bits. A fault is #SS(0) for the stack segment, else #GP(0) (SDM vol.3 §5.3 and
 * §6.15, vol.2's "Protected Mode Exceptions" and "64-Bit Mode Exceptions"). */
static enum x86_result linear_address(const struct run *r, uint8_t seg, uint64_t offset, unsigned size,
				      uint64_t *linear)
{
	const struct x86_cpu *cpu = r->cpu;
	const struct x86_segment *s = &cpu->seg[seg];
	bool ok;
	*linear = x86_linear_address(cpu, seg, offset);
	if (cpu->mode == X86_MODE_64) {
		ok = canonical(*linear, cpu->la57) && canonical(*linear + size - 1, cpu->la57);
	} else {
		uint64_t first = s->expand_down ? (uint64_t)s->limit + 1 : 0;
		uint64_t last = s->expand_down ? (s->big ? 0xffffffffu : 0xffffu) : s->limit;
		ok = offset >= first && offset + size - 1 <= last;
	}
	if (ok)
		return X86_OK;
	*r->fault = (struct x86_fault){ .vector = seg == X86_SEG_SS ? X86_SS : X86_GP, .error_code = 0, .cr2 = 0 };
	return X86_EXCEPTION;
}

static enum x86_result read_memory(const struct run *r, uint8_t seg, uint64_t offset, unsigned size, bool for_write,
				   uint64_t *value)
{
	uint64_t linear;
	*value = 0;
	enum x86_result res = linear_address(r, seg, offset, size, &linear);
	if (res == X86_OK)
		res = r->memory->read(r->memory->ctx, linear, value, size, for_write, r->fault);
	return res;
}

static enum x86_result write_memory(const struct run *r, uint8_t seg, uint64_t offset, unsigned size,
				    uint64_t value)
{
	uint64_t linear;
	enum x86_result res = linear_address(r, seg, offset, size, &linear);
	if (res == X86_OK)
		res = r->memory->write(r->memory->ctx, linear, &value, size, r->fault);
	return res;
}

static bool even_parity(uint8_t b)
{
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/* a op b in size bytes, and the flags it sets (SDM vol.2 for each; vol.1 appendix A):
 * CF and OF from the unsigned and signed results, AF from bit 3's carry or borrow; the
 * logical operations clear CF and OF, and AF, which the SDM leaves undefined. */
static uint64_t arithmetic(enum x86_op op, uint64_t a, uint64_t b, unsigned size, uint64_t *flags)
{
	uint64_t mask = size_mask(size), sign = 1ull << (8 * size - 1), result;
	a &= mask;
	b &= mask;
	*flags = 0;
	if (op == X86_ADD) {
		result = (a + b) & mask;
		*flags = (result < a ? FLAG_CF : 0) | ((a ^ result) & (b ^ result) & sign ? FLAG_OF : 0) |
			 ((a ^ b ^ result) & FLAG_AF);
	} else if (op == X86_SUB || op == X86_CMP) {
		result = (a - b) & mask;
		*flags = (a < b ? FLAG_CF : 0) | ((a ^ b) & (a ^ result) & sign ? FLAG_OF : 0) |
			 ((a ^ b ^ result) & FLAG_AF);
	} else if (op == X86_OR) {
		result = a | b;
	} else if (op == X86_XOR) {
		result = a ^ b;
	} else { /* AND, TEST */
		result = a & b;
	}
	*flags |= (result ? 0 : FLAG_ZF) | (result & sign ? FLAG_SF : 0) | (even_parity((uint8_t)result) ? FLAG_PF : 0);
	return result;
}

static void set_flags(struct x86_cpu *cpu, uint64_t which, uint64_t flags)
{
	cpu->rflags = (cpu->rflags & ~which) | flags;
}

/* MOV, MOVZX, MOVSX. */
static enum x86_result run_mov(const struct run *r)
{
	const struct x86_insn *i = r->insn;
	uint64_t offset = effective_address(r, 0), value;
	if (i->form != X86_REG_MEM)
		return write_memory(r, i->mem.seg, offset, i->op_size, x86_mov_store_value(i, r->cpu->gpr));
	enum x86_result res = read_memory(r, i->mem.seg, offset, i->mem_size, false, &value);
	if (res == X86_OK)
		x86_mov_load(i, r->cpu->gpr, value);
	return res;
}

/* ADD, OR, AND, SUB, XOR, CMP, TEST: the result goes to the first operand, except for CMP
 * and TEST; the flags change only once it is written. */
static enum x86_result run_arithmetic(const struct run *r)
{
	const struct x86_insn *i = r->insn;
	bool writes = i->op != X86_CMP && i->op != X86_TEST;
	uint64_t offset = effective_address(r, 0), a, b, flags;
	enum x86_result res;
	if (i->form == X86_REG_MEM) {
		a = read_reg(r->cpu->gpr, i->reg, i->reg_high_byte, i->op_size);
		res = read_memory(r, i->mem.seg, offset, i->op_size, false, &b);
	} else {
		res = read_memory(r, i->mem.seg, offset, i->op_size, writes, &a);
		b = i->form == X86_MEM_IMM ? i->imm : read_reg(r->cpu->gpr, i->reg, i->reg_high_byte, i->op_size);
	}
	if (res != X86_OK)
		return res;
	uint64_t result = arithmetic(i->op, a, b, i->op_size, &flags);
	if (writes && i->form == X86_REG_MEM)
		write_reg(r->cpu->gpr, i->reg, i->reg_high_byte, i->op_size, result);
	else if (writes && (res = write_memory(r, i->mem.seg, offset, i->op_size, result)) != X86_OK)
		return res;
	set_flags(r->cpu, ARITH_FLAGS, flags);
	return X86_OK;
}

static enum x86_result run_xchg(const struct run *r)
{
	const struct x86_insn *i = r->insn;
	uint64_t offset = effective_address(r, 0), old;
	enum x86_result res = read_memory(r, i->mem.seg, offset, i->op_size, true, &old);
	if (res == X86_OK)
		res = write_memory(r, i->mem.seg, offset, i->op_size, read_reg(r->cpu->gpr, i->reg, i->reg_high_byte, i->op_size));
	if (res == X86_OK)
		write_reg(r->cpu->gpr, i->reg, i->reg_high_byte, i->op_size, old);
	return res;
}

/* BT, BTS, BTR on memory (SDM vol.2 "BT"): an immediate bit offset is taken modulo the
 * operand size; a register one is signed and also selects the operand: the access is at
 * the operand's address plus (offset DIV bits) operands. CF gets the bit; OF, SF, AF and
 * PF are undefined and kept, ZF is kept. */
static enum x86_result run_bit_test(const struct run *r)
{
	const struct x86_insn *i = r->insn;
	unsigned bits = 8u * i->op_size, shift = bits == 16 ? 4 : bits == 32 ? 5 : 6;
	uint64_t bit = i->imm & (bits - 1), extra = 0, value;
	if (i->form == X86_MEM_REG) {
		int64_t offset = (int64_t)sign_extend(read_reg(r->cpu->gpr, i->reg, false, i->op_size), i->op_size);
		extra = (uint64_t)((offset >> shift) * i->op_size);
		bit = (uint64_t)offset & (bits - 1);
	}
	uint64_t offset = effective_address(r, extra);
	bool writes = i->op != X86_BT;
	enum x86_result res = read_memory(r, i->mem.seg, offset, i->op_size, writes, &value);
	if (res != X86_OK)
		return res;
	uint64_t cf = value >> bit & 1;
	if (writes) {
		value = i->op == X86_BTS ? value | 1ull << bit : value & ~(1ull << bit);
		res = write_memory(r, i->mem.seg, offset, i->op_size, value);
		if (res != X86_OK)
			return res;
	}
	set_flags(r->cpu, FLAG_CF, cf ? FLAG_CF : 0);
	return X86_OK;
}

/* INS's source: the port in DX, read once the store to ES:rDI is known to go through. */
static enum x86_result read_port(const struct run *r, uint64_t di, uint16_t port, uint64_t *value)
{
	uint64_t linear;
	unsigned size = r->insn->op_size;
	enum x86_result res = linear_address(r, X86_SEG_ES, di, size, &linear);
	if (res == X86_OK)
		res = r->memory->check_write(r->memory->ctx, linear, size, r->fault);
	if (res == X86_OK)
		*value = r->memory->port_in(r->memory->ctx, port, size) & size_mask(size);
	return res;
}

/* One element of MOVS, STOS, INS or OUTS: from memory at rSI (MOVS, OUTS), rAX (STOS) or
 * the port in DX (INS), to memory at ES:rDI (MOVS, STOS, INS) or the port (OUTS); rSI and
 * rDI, where used, move by the element's size, down if DF is set; with REP, rCX counts the
 * elements left. Each in the address size (SDM vol.2 "MOVS", "STOS", "INS", "OUTS",
 * "REP"). *more: elements are left. */
static enum x86_result run_string(const struct run *r, bool *more)
{
	const struct x86_insn *i = r->insn;
	struct x86_cpu *cpu = r->cpu;
	unsigned asize = i->mem.addr_size;
	uint64_t count = cpu->gpr[X86_RCX] & size_mask(asize), value = 0;
	uint64_t si = cpu->gpr[X86_RSI] & size_mask(asize), di = cpu->gpr[X86_RDI] & size_mask(asize);
	uint16_t port = (uint16_t)cpu->gpr[X86_RDX];
	bool uses_si = i->op == X86_MOVS || i->op == X86_OUTS;
	*more = false;
	if (i->rep != X86_REP_NONE && count == 0)
		return X86_OK;
	enum x86_result res;
	if (uses_si)
		res = read_memory(r, i->mem.seg, si, i->op_size, false, &value);
	else if (i->op == X86_INS)
		res = read_port(r, di, port, &value);
	else
		value = read_reg(cpu->gpr, X86_RAX, false, i->op_size), res = X86_OK;
	if (res == X86_OK && i->op == X86_OUTS)
		r->memory->port_out(r->memory->ctx, port, i->op_size, value);
	else if (res == X86_OK)
		res = write_memory(r, X86_SEG_ES, di, i->op_size, value);
	if (res != X86_OK)
		return res;
	uint64_t step = cpu->rflags & FLAG_DF ? -(uint64_t)i->op_size : i->op_size;
	if (uses_si)
		write_reg(cpu->gpr, X86_RSI, false, asize, si + step);
	if (i->op != X86_OUTS)
		write_reg(cpu->gpr, X86_RDI, false, asize, di + step);
	if (i->rep != X86_REP_NONE) {
		write_reg(cpu->gpr, X86_RCX, false, asize, count - 1);
		*more = count > 1;
	}
	return X86_OK;
}

static enum x86_fetch_status fetch_exception(struct x86_fault *fault, uint8_t vector)
{
	*fault = (struct x86_fault){ .vector = vector, .error_code = 0, .cr2 = 0 };
	return X86_FETCH_EXCEPTION;
}

size_t x86_code_room(const struct x86_cpu *cpu, uint64_t *linear)
{
	const struct x86_segment *cs = &cpu->seg[X86_SEG_CS];
	if (cpu->mode == X86_MODE_64) {
		*linear = cpu->rip;
		return X86_MAX_INSN_LEN;
	}
	*linear = (uint32_t)(cs->base + cpu->rip);
	uint64_t left = cpu->rip > cs->limit ? 0 : (uint64_t)cs->limit - cpu->rip + 1;
	return left < X86_MAX_INSN_LEN ? (size_t)left : X86_MAX_INSN_LEN;
}

typedef enum x86_decode_status (*decode_fn)(const uint8_t *bytes, size_t len, enum x86_mode mode, void *out);

/* Inlined into each of its callers, so that the decoder is a direct call there. */
static inline __attribute__((always_inline)) enum x86_fetch_status
fetch(const struct x86_cpu *cpu, const struct x86_memory *memory, uint8_t bytes[X86_MAX_INSN_LEN], decode_fn decode,
      void *out, struct x86_fault *fault)
{
	bool long_mode = cpu->mode == X86_MODE_64;
	uint64_t start;
	size_t room = x86_code_room(cpu, &start), have = 0;
	/* The bytes up to CS's limit or the page's end, then those of the next page if the
	 * instruction goes on into it. */
	for (;;) {
		uint64_t linear = long_mode ? start + have : (uint32_t)(start + have);
		if (have == room || (long_mode && !canonical(linear, cpu->la57)))
			return fetch_exception(fault, X86_GP);
		size_t to_page_end = 0x1000 - (linear & 0xfff);
		size_t n = room - have < to_page_end ? room - have : to_page_end;
		enum x86_result res = memory->fetch(memory->ctx, linear, bytes + have, (unsigned)n, fault);
		if (res != X86_OK)
			return res == X86_EXCEPTION ? X86_FETCH_EXCEPTION : X86_FETCH_ABORT;
		have += n;
		switch (decode(bytes, have, cpu->mode, out)) {
		case X86_DECODED:
			return X86_FETCHED;
		case X86_DECODE_UD:
			return fetch_exception(fault, X86_UD);
		case X86_DECODE_TOO_LONG:
			return fetch_exception(fault, X86_GP);
		case X86_DECODE_UNSUPPORTED:
			return X86_FETCH_UNSUPPORTED;
		case X86_DECODE_NEED_MORE:
			break;
		}
	}
}

static enum x86_decode_status decode_insn(const uint8_t *bytes, size_t len, enum x86_mode mode, void *insn)
{
	return x86_decode(bytes, len, mode, insn);
}

static enum x86_decode_status decode_mov_to_cr(const uint8_t *bytes, size_t len, enum x86_mode mode, void *out)
{
	return x86_decode_mov_to_cr(bytes, len, mode, out);
}

enum x86_fetch_status x86_fetch(const struct x86_cpu *cpu, const struct x86_memory *memory,
				uint8_t bytes[X86_MAX_INSN_LEN], struct x86_insn *insn, struct x86_fault *fault)
{
	return fetch(cpu, memory, bytes, decode_insn, insn, fault);
}

enum x86_fetch_status x86_fetch_mov_to_cr(const struct x86_cpu *cpu, const struct x86_memory *memory,
					  uint8_t bytes[X86_MAX_INSN_LEN], struct x86_mov_cr *out,
					  struct x86_fault *fault)
{
	return fetch(cpu, memory, bytes, decode_mov_to_cr, out, fault);
}

enum x86_emulation x86_emulate(const struct x86_insn *insn, struct x86_cpu *cpu, const struct x86_memory *memory,
			       struct x86_fault *fault)
{
	const struct run r = { .insn = insn, .cpu = cpu, .memory = memory, .fault = fault };
	bool more = false;
	enum x86_result res;
	switch (insn->op) {
	case X86_MOV: case X86_MOVZX: case X86_MOVSX:
		res = run_mov(&r);
		break;
	case X86_ADD: case X86_OR: case X86_AND: case X86_SUB: case X86_XOR: case X86_CMP: case X86_TEST:
		res = run_arithmetic(&r);
		break;
	case X86_XCHG:
		res = run_xchg(&r);
		break;
	case X86_BT: case X86_BTS: case X86_BTR:
		res = run_bit_test(&r);
		break;
	default: /* MOVS, STOS, INS, OUTS */
		res = run_string(&r, &more);
		break;
	}
	if (res != X86_OK)
		return res == X86_EXCEPTION ? X86_EMULATE_EXCEPTION : X86_EMULATE_ABORT;
	if (more)
		return X86_EMULATED_ELEMENT;
	cpu->rip = x86_next_rip(insn, cpu->rip, cpu->mode);
	return X86_EMULATED;
}
