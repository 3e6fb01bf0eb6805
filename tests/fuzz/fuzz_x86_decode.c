/* Keel's instruction decoder (vmm/x86_decode.c) judged by Zydis on random bytes. Input: a
 * mode byte (0: 16-bit, 1: 32-bit, 2: 64-bit code, modulo 3), then up to 15 instruction
 * bytes, copied to a buffer of exactly their size so that AddressSanitizer catches a read
 * beyond them. For every instruction Keel decodes, Zydis must decode the same bytes to the
 * same operation, length, operand size, memory operand (segment, base, index, scale,
 * displacement, size), register and immediate operands, LOCK and REP; where Keel answers
 * #UD for a LOCK, Zydis must refuse that LOCK; where Keel finds the instruction longer than
 * 15 bytes, it must have had 15 and Zydis must not decode them; where it wants more, it
 * must have had fewer than 15. The same for the MOV-to-CR decoder (check_mov_to_cr). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <Zydis/Zydis.h>
#include "vmm/x86_decode.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const ZydisMachineMode zydis_modes[3] = { ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_MACHINE_MODE_LEGACY_32,
						 ZYDIS_MACHINE_MODE_LONG_64 };
static const ZydisStackWidth zydis_stacks[3] = { ZYDIS_STACK_WIDTH_16, ZYDIS_STACK_WIDTH_32, ZYDIS_STACK_WIDTH_64 };

/* Keel's register number at a size as Zydis names it. */
static ZydisRegister gpr(uint8_t reg, unsigned size, bool high_byte)
{
	switch (size) {
	case 1: return high_byte ? ZYDIS_REGISTER_AH + reg : reg < 4 ? ZYDIS_REGISTER_AL + reg : ZYDIS_REGISTER_SPL + reg - 4;
	case 2: return ZYDIS_REGISTER_AX + reg;
	case 4: return ZYDIS_REGISTER_EAX + reg;
	default: return ZYDIS_REGISTER_RAX + reg;
	}
}

static ZydisMnemonic mnemonic(const struct x86_insn *insn)
{
	static const ZydisMnemonic movs[] = { ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, 0, ZYDIS_MNEMONIC_MOVSD, 0, 0,
					      0, ZYDIS_MNEMONIC_MOVSQ };
	static const ZydisMnemonic stos[] = { ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, 0, ZYDIS_MNEMONIC_STOSD, 0, 0,
					      0, ZYDIS_MNEMONIC_STOSQ };
	static const ZydisMnemonic ins[] = { ZYDIS_MNEMONIC_INSB, ZYDIS_MNEMONIC_INSW, 0, ZYDIS_MNEMONIC_INSD };
	static const ZydisMnemonic outs[] = { ZYDIS_MNEMONIC_OUTSB, ZYDIS_MNEMONIC_OUTSW, 0, ZYDIS_MNEMONIC_OUTSD };
	switch (insn->op) {
	case X86_MOV: return ZYDIS_MNEMONIC_MOV;
	case X86_MOVZX: return ZYDIS_MNEMONIC_MOVZX;
	case X86_MOVSX: return ZYDIS_MNEMONIC_MOVSX;
	case X86_ADD: return ZYDIS_MNEMONIC_ADD;
	case X86_OR: return ZYDIS_MNEMONIC_OR;
	case X86_AND: return ZYDIS_MNEMONIC_AND;
	case X86_SUB: return ZYDIS_MNEMONIC_SUB;
	case X86_XOR: return ZYDIS_MNEMONIC_XOR;
	case X86_CMP: return ZYDIS_MNEMONIC_CMP;
	case X86_TEST: return ZYDIS_MNEMONIC_TEST;
	case X86_XCHG: return ZYDIS_MNEMONIC_XCHG;
	case X86_BT: return ZYDIS_MNEMONIC_BT;
	case X86_BTS: return ZYDIS_MNEMONIC_BTS;
	case X86_BTR: return ZYDIS_MNEMONIC_BTR;
	case X86_MOVS: return movs[insn->op_size - 1];
	case X86_STOS: return stos[insn->op_size - 1];
	case X86_INS: return insn->op_size <= 4 ? ins[insn->op_size - 1] : ZYDIS_MNEMONIC_INVALID;
	case X86_OUTS: return insn->op_size <= 4 ? outs[insn->op_size - 1] : ZYDIS_MNEMONIC_INVALID;
	}
	return ZYDIS_MNEMONIC_INVALID;
}

static uint64_t low_bits(uint64_t v, unsigned bytes)
{
	return bytes >= 8 ? v : v & ((1ull << 8 * bytes) - 1);
}

/* Zydis's memory operand Keel describes: the only one, or for MOVS the source (rSI). */
static const ZydisDecodedOperand *memory_operand(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
						 const struct x86_insn *insn)
{
	const ZydisDecodedOperand *found = NULL;
	for (unsigned i = 0; i < zi->operand_count; i++) {
		if (ops[i].type != ZYDIS_OPERAND_TYPE_MEMORY || ops[i].mem.type != ZYDIS_MEMOP_TYPE_MEM)
			continue;
		if (insn->op == X86_MOVS && ops[i].mem.base != gpr(X86_RSI, insn->mem.addr_size, false))
			continue;
		CHECK(!found);
		found = &ops[i];
	}
	CHECK(found);
	return found;
}

/* Zydis 4.0 (Debian's) misreads SIB base 101 with mod 00 under REX.B and a 32-bit address
 * size as [r13d] without the disp32 it counts in the length (its issue #592, fixed after
 * 4.0.0); the SDM has REX.B ignored there (vol.2 table 2-5): no base, disp32. There its raw
 * displacement is the judge. */
static bool zydis_issue_592(const ZydisDecodedInstruction *zi)
{
	return zi->machine_mode == ZYDIS_MACHINE_MODE_LONG_64 && zi->address_width == 32 && zi->raw.rex.B &&
	       zi->raw.modrm.mod == 0 && zi->raw.modrm.rm == 4 && zi->raw.sib.base == 5;
}

static void compare_memory(const struct x86_mem *m, unsigned mem_size, const ZydisDecodedInstruction *zi,
			   const ZydisDecodedOperand *op)
{
	ZydisRegister base = m->rip_relative ? (m->addr_size == 8 ? ZYDIS_REGISTER_RIP : ZYDIS_REGISTER_EIP)
			     : m->base == X86_NO_REG ? ZYDIS_REGISTER_NONE : gpr(m->base, m->addr_size, false);
	CHECK(op->mem.segment == ZYDIS_REGISTER_ES + m->seg);
	if (zydis_issue_592(zi)) {
		CHECK(m->base == X86_NO_REG && op->mem.base == ZYDIS_REGISTER_R13D);
		CHECK(zi->raw.disp.size == 32 && (uint32_t)zi->raw.disp.value == (uint32_t)m->disp);
		return;
	}
	CHECK(op->mem.base == base);
	CHECK(op->mem.index == (m->index == X86_NO_REG ? ZYDIS_REGISTER_NONE : gpr(m->index, m->addr_size, false)));
	if (m->index != X86_NO_REG)
		CHECK(op->mem.scale == m->scale);
	CHECK(low_bits((uint64_t)op->mem.disp.value, m->addr_size) == low_bits((uint64_t)m->disp, m->addr_size));
	CHECK(op->size == mem_size * 8);
}

/* The explicit register and immediate operands, and which operand comes first. */
static void compare_other_operands(const struct x86_insn *insn, const ZydisDecodedInstruction *zi,
				   const ZydisDecodedOperand *ops)
{
	unsigned regs = 0, imms = 0;
	for (unsigned i = 0; i < zi->operand_count_visible; i++) {
		if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			CHECK(ops[i].reg.value == gpr(insn->reg, insn->op_size, insn->reg_high_byte));
			regs++;
		} else if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			unsigned bytes = insn->op == X86_BT || insn->op == X86_BTS || insn->op == X86_BTR ? 1 : insn->op_size;
			CHECK(low_bits(ops[i].imm.value.u, bytes) == low_bits(insn->imm, bytes));
			imms++;
		}
	}
	CHECK(imms == (insn->form == X86_MEM_IMM));
	if (insn->form == X86_STRING) {
		CHECK(insn->reg == (insn->op == X86_STOS ? X86_RAX : X86_NO_REG));
		return;
	}
	CHECK(regs == (insn->form != X86_MEM_IMM));
	CHECK(ops[0].type == (insn->form == X86_REG_MEM ? ZYDIS_OPERAND_TYPE_REGISTER : ZYDIS_OPERAND_TYPE_MEMORY));
}

static void compare(const struct x86_insn *insn, const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops)
{
	CHECK(zi->mnemonic == mnemonic(insn));
	CHECK(zi->length == insn->length);
	/* INS and OUTS under REX.W: Zydis's operand width is 64, its memory operand's size 32,
	 * which is what moves (SDM vol.2 "INS"); compare_memory checks that size. */
	bool port_string = insn->op == X86_INS || insn->op == X86_OUTS;
	CHECK(zi->operand_width == insn->op_size * 8 || (port_string && insn->op_size == 4 && zi->operand_width == 64));
	CHECK(zi->address_width == insn->mem.addr_size * 8);
	CHECK(!!(zi->attributes & ZYDIS_ATTRIB_HAS_LOCK) == insn->lock);
	if (insn->form == X86_STRING) {
		CHECK(!!(zi->attributes & ZYDIS_ATTRIB_HAS_REP) == (insn->rep == X86_REP_F3));
		CHECK(!!(zi->attributes & ZYDIS_ATTRIB_HAS_REPNE) == (insn->rep == X86_REP_F2));
	}
	compare_memory(&insn->mem, insn->mem_size, zi, memory_operand(zi, ops, insn));
	compare_other_operands(insn, zi, ops);
}

/* The MOV-to-CR decoder on the same bytes: where it decodes, Zydis decodes a MOV of the
 * same length from the same general register (64 bits in 64-bit mode, else 32) to the same
 * control register. LOCK MOV CR0, AMD's CR8 (AltMovCr8), Zydis may refuse: then the bytes
 * must hold a LOCK. */
static void check_mov_to_cr(const uint8_t *bytes, size_t len, unsigned mode, ZyanStatus zs,
			    const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops)
{
	struct x86_mov_cr cr;
	enum x86_decode_status status = x86_decode_mov_to_cr(bytes, len, (enum x86_mode)mode, &cr);
	CHECK(cr.length <= len || status == X86_DECODE_TOO_LONG);
	if (status == X86_DECODE_NEED_MORE)
		CHECK(cr.length == len && len < X86_MAX_INSN_LEN);
	if (status == X86_DECODE_TOO_LONG || status == X86_DECODE_UD)
		CHECK(!ZYAN_SUCCESS(zs) && (status == X86_DECODE_UD || len == X86_MAX_INSN_LEN));
	if (status != X86_DECODED)
		return;
	bool locked = memchr(bytes, 0xf0, cr.length - 3) != NULL;
	if (!ZYAN_SUCCESS(zs)) {
		CHECK(locked);
		return;
	}
	CHECK(zi->mnemonic == ZYDIS_MNEMONIC_MOV && zi->length == cr.length);
	CHECK(ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[0].reg.value == ZYDIS_REGISTER_CR0 + cr.cr);
	CHECK(ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[1].reg.value == gpr(cr.gpr, mode == 2 ? 8 : 4, false));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ZydisDecoder decoders[3];
	static bool ready;
	if (!ready) {
		for (int m = 0; m < 3; m++)
			CHECK(ZYAN_SUCCESS(ZydisDecoderInit(&decoders[m], zydis_modes[m], zydis_stacks[m])));
		ready = true;
	}
	if (size < 1)
		return 0;
	unsigned mode = data[0] % 3;
	size_t len = size - 1 < X86_MAX_INSN_LEN ? size - 1 : X86_MAX_INSN_LEN;
	uint8_t *bytes = malloc(len ? len : 1);
	memcpy(bytes, data + 1, len);

	struct x86_insn insn;
	enum x86_decode_status status = x86_decode(bytes, len, (enum x86_mode)mode, &insn);
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZyanStatus zs = ZydisDecoderDecodeFull(&decoders[mode], bytes, len, &zi, ops);
	CHECK(insn.length <= len || status == X86_DECODE_TOO_LONG);
	switch (status) {
	case X86_DECODED:
		CHECK(ZYAN_SUCCESS(zs));
		compare(&insn, &zi, ops);
		break;
	case X86_DECODE_UD:
		CHECK(zs == ZYDIS_STATUS_ILLEGAL_LOCK);
		break;
	case X86_DECODE_TOO_LONG:
		CHECK(len == X86_MAX_INSN_LEN && !ZYAN_SUCCESS(zs));
		break;
	case X86_DECODE_NEED_MORE:
		CHECK(insn.length == len && len < X86_MAX_INSN_LEN);
		break;
	case X86_DECODE_UNSUPPORTED:
		break;
	}
	check_mov_to_cr(bytes, len, mode, zs, &zi, ops);
	free(bytes);
	return 0;
}
