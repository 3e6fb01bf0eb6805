#include "lib/string.h"
#include "vmm/x86_decode.h"

#define REX_W 0x8
#define REX_R 0x4
#define REX_X 0x2
#define REX_B 0x1

#define NO_OP 0xff
#define VALID_CRS ((1u << 0) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 8)) /* in a group table: a /digit this decoder does not know */

/* The ModRM reg field picks the operation of a group (SDM vol.2 table A-6). */
static const uint8_t group1[8] = { X86_ADD, X86_OR, NO_OP, NO_OP, X86_AND, X86_SUB, X86_XOR, X86_CMP };
static const uint8_t group3_test[8] = { X86_TEST, NO_OP, NO_OP, NO_OP, NO_OP, NO_OP, NO_OP, NO_OP };
static const uint8_t group8_bt[8] = { NO_OP, NO_OP, NO_OP, NO_OP, X86_BT, X86_BTS, X86_BTR, NO_OP };
static const uint8_t group11_mov[8] = { X86_MOV, NO_OP, NO_OP, NO_OP, NO_OP, NO_OP, NO_OP, NO_OP };

enum imm_kind {
	IMM_NONE,
	IMM_8, /* one byte, sign-extended */
	IMM_Z, /* two bytes with a 16-bit operand size, else four, sign-extended */
};

/* What an opcode says before its ModRM byte is read. */
struct opcode {
	uint8_t op;            /* enum x86_op, or NO_OP when group says */
	const uint8_t *group;  /* the operation by the ModRM reg field, or NULL */
	enum x86_form form;
	enum imm_kind imm;
	bool byte;             /* 8-bit operands */
	bool modrm;            /* else the memory operand is a moffs or the string registers */
	uint8_t mem_size;      /* MOVZX, MOVSX: the source's size; else 0 */
};

struct decoder {
	const uint8_t *bytes;
	size_t len;
	size_t pos;
	enum x86_decode_status status; /* X86_DECODED until something fails */
	enum x86_mode mode;
	uint8_t rex;          /* the REX prefix in force, 0 if none */
	int seg_override;     /* enum x86_seg, or -1 */
	bool operand_prefix;  /* 66 */
	bool address_prefix;  /* 67 */
	enum x86_rep rep;     /* the last of F2 and F3 */
	bool lock;
};

/* The small helpers below are inlined into both decoders (always_inline): each is on the
 * path of an MMIO exit, where a call would cost more than the work. */

/* The CPU fetches an instruction's bytes in order: one it cannot fetch faults before the
 * 16th raises #GP, so the length is judged only with 15 bytes in hand. */
static inline __attribute__((always_inline)) bool have(struct decoder *d, size_t n)
{
	size_t limit = d->len < X86_MAX_INSN_LEN ? d->len : X86_MAX_INSN_LEN;
	if (d->pos + n <= limit)
		return true;
	d->status = d->len < X86_MAX_INSN_LEN ? X86_DECODE_NEED_MORE : X86_DECODE_TOO_LONG;
	return false;
}

/* n little-endian bytes, sign-extended to 64 bits. */
static inline __attribute__((always_inline)) bool take(struct decoder *d, size_t n, int64_t *value)
{
	if (!have(d, n))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)d->bytes[d->pos + i] << (8 * i);
	d->pos += n;
	unsigned unused = 64 - 8 * (unsigned)n;
	*value = (int64_t)(v << unused) >> unused;
	return true;
}

static inline __attribute__((always_inline)) bool take_byte(struct decoder *d, uint8_t *b)
{
	int64_t v;
	if (!take(d, 1, &v))
		return false;
	*b = (uint8_t)v;
	return true;
}

/* Legacy prefixes and REX, in any order and number. In 64-bit mode a REX counts only as
 * the last byte before the opcode (SDM vol.2 §2.2.1) and the ES, CS, SS and DS overrides
 * are ignored (SDM vol.1 §3.3.7.1). Several of one group: the last wins. */
static inline __attribute__((always_inline)) bool prefixes(struct decoder *d)
{
	for (;;) {
		if (!have(d, 1))
			return false;
		uint8_t b = d->bytes[d->pos];
		if (d->mode == X86_MODE_64 && (b & 0xf0) == 0x40) {
			d->rex = b;
			d->pos++;
			continue;
		}
		switch (b) {
		case 0xf0: d->lock = true; break;
		case 0xf2: d->rep = X86_REP_F2; break;
		case 0xf3: d->rep = X86_REP_F3; break;
		case 0x66: d->operand_prefix = true; break;
		case 0x67: d->address_prefix = true; break;
		case 0x64: d->seg_override = X86_SEG_FS; break;
		case 0x65: d->seg_override = X86_SEG_GS; break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			if (d->mode != X86_MODE_64)
				d->seg_override = b >> 3 & 3; /* 26 ES, 2E CS, 36 SS, 3E DS */
			break;
		default:
			return true;
		}
		d->rex = 0;
		d->pos++;
	}
}

static bool one_byte_opcode(uint8_t b, struct opcode *o)
{
	o->byte = !(b & 1);
	if (b < 0x40 && (b & 7) < 4) { /* ADD ... CMP, the r/m and register forms */
		o->op = group1[b >> 3];
		o->form = (b & 2) ? X86_REG_MEM : X86_MEM_REG;
		return o->op != NO_OP;
	}
	switch (b) {
	case 0x80: case 0x81: case 0x83:
		o->group = group1, o->form = X86_MEM_IMM, o->imm = b == 0x81 ? IMM_Z : IMM_8;
		o->byte = b == 0x80;
		return true;
	case 0x6c: case 0x6d: o->op = X86_INS, o->form = X86_STRING, o->modrm = false; return true;
	case 0x6e: case 0x6f: o->op = X86_OUTS, o->form = X86_STRING, o->modrm = false; return true;
	case 0x84: case 0x85: o->op = X86_TEST, o->form = X86_MEM_REG; return true;
	case 0x86: case 0x87: o->op = X86_XCHG, o->form = X86_MEM_REG; return true;
	case 0x88: case 0x89: o->op = X86_MOV, o->form = X86_MEM_REG; return true;
	case 0x8a: case 0x8b: o->op = X86_MOV, o->form = X86_REG_MEM; return true;
	case 0xa0: case 0xa1: o->op = X86_MOV, o->form = X86_REG_MEM, o->modrm = false; return true;
	case 0xa2: case 0xa3: o->op = X86_MOV, o->form = X86_MEM_REG, o->modrm = false; return true;
	case 0xa4: case 0xa5: o->op = X86_MOVS, o->form = X86_STRING, o->modrm = false; return true;
	case 0xaa: case 0xab: o->op = X86_STOS, o->form = X86_STRING, o->modrm = false; return true;
	case 0xc6: case 0xc7:
		o->group = group11_mov, o->form = X86_MEM_IMM, o->imm = o->byte ? IMM_8 : IMM_Z;
		return true;
	case 0xf6: case 0xf7:
		o->group = group3_test, o->form = X86_MEM_IMM, o->imm = o->byte ? IMM_8 : IMM_Z;
		return true;
	default:
		return false;
	}
}

static bool two_byte_opcode(uint8_t b, struct opcode *o)
{
	o->byte = false;
	switch (b) {
	case 0xa3: o->op = X86_BT, o->form = X86_MEM_REG; return true;
	case 0xab: o->op = X86_BTS, o->form = X86_MEM_REG; return true;
	case 0xb3: o->op = X86_BTR, o->form = X86_MEM_REG; return true;
	case 0xba: o->group = group8_bt, o->form = X86_MEM_IMM, o->imm = IMM_8; return true;
	case 0xb6: case 0xb7: o->op = X86_MOVZX, o->form = X86_REG_MEM, o->mem_size = b == 0xb6 ? 1 : 2; return true;
	case 0xbe: case 0xbf: o->op = X86_MOVSX, o->form = X86_REG_MEM, o->mem_size = b == 0xbe ? 1 : 2; return true;
	default:
		return false;
	}
}

/* 16-bit addressing: ModRM alone (SDM vol.2 table 2-1). */
static bool mem16(struct decoder *d, struct x86_mem *m, unsigned mod, unsigned rm)
{
	static const uint8_t base[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP, X86_RSI, X86_RDI, X86_RBP, X86_RBX };
	static const uint8_t index[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI, X86_NO_REG, X86_NO_REG, X86_NO_REG,
					  X86_NO_REG };
	size_t disp = mod == 1 ? 1 : mod == 2 ? 2 : 0;
	if (mod == 0 && rm == 6) {
		disp = 2;
	} else {
		m->base = base[rm];
		m->index = index[rm];
	}
	return !disp || take(d, disp, &m->disp);
}

/* 32- and 64-bit addressing: ModRM, SIB (SDM vol.2 tables 2-2, 2-3 and §2.2.1.6). */
static bool mem32(struct decoder *d, struct x86_mem *m, unsigned mod, unsigned rm)
{
	size_t disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (rm == 4) {
		uint8_t sib;
		if (!take_byte(d, &sib))
			return false;
		unsigned index = (sib >> 3 & 7) | (d->rex & REX_X ? 8 : 0);
		m->scale = (uint8_t)(1 << (sib >> 6));
		m->index = index == X86_RSP ? X86_NO_REG : (uint8_t)index;
		if ((sib & 7) == 5 && mod == 0)
			disp = 4; /* no base */
		else
			m->base = (sib & 7) | (d->rex & REX_B ? 8 : 0);
	} else if (rm == 5 && mod == 0) {
		disp = 4;
		m->rip_relative = d->mode == X86_MODE_64;
	} else {
		m->base = (uint8_t)(rm | (d->rex & REX_B ? 8 : 0));
	}
	return !disp || take(d, disp, &m->disp);
}

/* The ModRM byte and the memory operand it names; the reg field goes to insn->reg. */
static bool modrm_memory(struct decoder *d, struct x86_insn *insn, unsigned *reg_field)
{
	uint8_t modrm;
	if (!take_byte(d, &modrm))
		return false;
	unsigned mod = modrm >> 6, rm = modrm & 7;
	*reg_field = modrm >> 3 & 7;
	insn->reg = (uint8_t)(*reg_field | (d->rex & REX_R ? 8 : 0));
	if (mod == 3) {
		d->status = X86_DECODE_UNSUPPORTED; /* a register: no memory access */
		return false;
	}
	return insn->mem.addr_size == 2 ? mem16(d, &insn->mem, mod, rm) : mem32(d, &insn->mem, mod, rm);
}

/* The memory operand of the forms without ModRM: a moffs, or the string registers. */
static bool implicit_memory(struct decoder *d, struct x86_insn *insn)
{
	if (insn->op != X86_MOV) {
		insn->mem.base = insn->op == X86_MOVS || insn->op == X86_OUTS ? X86_RSI : X86_RDI;
		return true;
	}
	/* A0-A3: an offset of the address size, unsigned. */
	if (!take(d, insn->mem.addr_size, &insn->mem.disp))
		return false;
	if (insn->mem.addr_size < 8)
		insn->mem.disp &= (int64_t)((1ull << 8 * insn->mem.addr_size) - 1);
	return true;
}

static uint8_t segment(const struct decoder *d, const struct x86_insn *insn)
{
	if (insn->op == X86_STOS || insn->op == X86_INS)
		return X86_SEG_ES; /* no override (SDM vol.2 "STOS", "INS") */
	if (d->seg_override >= 0)
		return (uint8_t)d->seg_override;
	return insn->mem.base == X86_RSP || insn->mem.base == X86_RBP ? X86_SEG_SS : X86_SEG_DS;
}

/* LOCK is allowed only where these write memory (SDM vol.2 "LOCK"): else #UD. */
static bool lock_allowed(const struct x86_insn *insn)
{
	switch (insn->op) {
	case X86_ADD: case X86_OR: case X86_AND: case X86_SUB: case X86_XOR: case X86_XCHG: case X86_BTS: case X86_BTR:
		return insn->form == X86_MEM_REG || insn->form == X86_MEM_IMM;
	default:
		return false;
	}
}

static uint8_t operand_size(const struct decoder *d, bool byte)
{
	if (byte)
		return 1;
	if (d->rex & REX_W)
		return 8;
	return (d->mode == X86_MODE_16) != d->operand_prefix ? 2 : 4;
}

static uint8_t address_size(const struct decoder *d)
{
	if (d->mode == X86_MODE_64)
		return d->address_prefix ? 4 : 8;
	return (d->mode == X86_MODE_16) != d->address_prefix ? 2 : 4;
}

static bool decode(struct decoder *d, struct x86_insn *insn)
{
	uint8_t b;
	struct opcode o = { .op = NO_OP, .group = NULL, .imm = IMM_NONE, .modrm = true, .mem_size = 0 };
	if (!prefixes(d) || !take_byte(d, &b))
		return false;
	bool known = b == 0x0f ? take_byte(d, &b) && two_byte_opcode(b, &o) : one_byte_opcode(b, &o);
	if (!known) {
		if (d->status == X86_DECODED)
			d->status = X86_DECODE_UNSUPPORTED;
		return false;
	}
	insn->op_size = operand_size(d, o.byte);
	if ((o.op == X86_INS || o.op == X86_OUTS) && insn->op_size == 8)
		insn->op_size = 4; /* ports move at most 32 bits: REX.W changes nothing (SDM vol.2 "INS") */
	insn->mem_size = o.mem_size ? o.mem_size : insn->op_size;
	insn->form = o.form;
	insn->mem = (struct x86_mem){ .seg = X86_SEG_DS, .base = X86_NO_REG, .index = X86_NO_REG, .scale = 1,
				      .addr_size = address_size(d) };
	insn->reg = X86_RAX;
	unsigned reg_field = 0;
	insn->op = o.op;
	if (!(o.modrm ? modrm_memory(d, insn, &reg_field) : implicit_memory(d, insn)))
		return false;
	if (o.group)
		insn->op = o.group[reg_field];
	if (insn->op == NO_OP) {
		d->status = X86_DECODE_UNSUPPORTED;
		return false;
	}
	int64_t imm = 0;
	if (o.imm != IMM_NONE && !take(d, o.imm == IMM_8 ? 1 : insn->op_size == 2 ? 2 : 4, &imm))
		return false;
	insn->imm = (uint64_t)imm;
	if (o.form == X86_MEM_IMM || insn->op == X86_MOVS || insn->op == X86_INS || insn->op == X86_OUTS)
		insn->reg = X86_NO_REG;
	if (insn->op_size == 1 && !d->rex && insn->reg >= 4 && insn->reg < 8) {
		insn->reg -= 4; /* AH, CH, DH, BH (SDM vol.2 §2.1.5, table 2-2 note) */
		insn->reg_high_byte = true;
	}
	insn->mem.seg = segment(d, insn);
	insn->rep = o.form == X86_STRING ? d->rep : X86_REP_NONE;
	insn->lock = d->lock;
	if (d->lock && !lock_allowed(insn))
		d->status = X86_DECODE_UD;
	return true;
}

enum x86_decode_status x86_decode(const uint8_t *bytes, size_t len, enum x86_mode mode, struct x86_insn *insn)
{
	struct decoder d = { .bytes = bytes, .len = len, .pos = 0, .status = X86_DECODED, .mode = mode, .rex = 0,
			     .seg_override = -1, .operand_prefix = false, .address_prefix = false,
			     .rep = X86_REP_NONE, .lock = false };
	memset(insn, 0, sizeof(*insn));
	decode(&d, insn);
	if (d.status == X86_DECODE_NEED_MORE)
		insn->length = (uint8_t)len;
	else if (d.status == X86_DECODE_TOO_LONG)
		insn->length = X86_MAX_INSN_LEN;
	else
		insn->length = (uint8_t)d.pos;
	return d.status;
}

enum x86_decode_status x86_decode_mov_to_cr(const uint8_t *bytes, size_t len, enum x86_mode mode,
					    struct x86_mov_cr *out)
{
	struct decoder d = { .bytes = bytes, .len = len, .pos = 0, .status = X86_DECODED, .mode = mode, .rex = 0,
			     .seg_override = -1, .operand_prefix = false, .address_prefix = false,
			     .rep = X86_REP_NONE, .lock = false };
	uint8_t escape = 0, opcode = 0, modrm = 0;
	*out = (struct x86_mov_cr){ 0 };
	if (prefixes(&d) && take_byte(&d, &escape) && escape == 0x0f && take_byte(&d, &opcode) && opcode == 0x22 &&
	    take_byte(&d, &modrm)) {
		out->cr = (uint8_t)((modrm >> 3 & 7) | (d.rex & REX_R ? 8 : 0) | (d.lock ? 8 : 0));
		out->gpr = (uint8_t)((modrm & 7) | (d.rex & REX_B ? 8 : 0));
		if (!(VALID_CRS & (1u << out->cr)))
			d.status = X86_DECODE_UD; /* CR1, CR5-CR7, CR9-CR15: the CPU raises #UD */
	} else if (d.status == X86_DECODED) {
		d.status = X86_DECODE_UNSUPPORTED; /* another instruction */
	}
	out->length = d.status == X86_DECODE_NEED_MORE ? (uint8_t)len
		      : d.status == X86_DECODE_TOO_LONG ? X86_MAX_INSN_LEN
							: (uint8_t)d.pos;
	return d.status;
}
