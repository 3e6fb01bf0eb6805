/* Keel's decoder for the instructions a guest uses on device memory (MMIO) and for string
 * port I/O: one instruction, from guest-controlled bytes, in 16-, 32- or 64-bit code (SDM
 * vol.2 chapter 2, APM vol.3 chapter 1). It knows MOV (88, 89, 8A, 8B, A0-A3, C6 /0, C7 /0), MOVZX and MOVSX
 * (0F B6, B7, BE, BF), ADD, OR, AND, SUB, XOR and CMP (00-03, 08-0B, 20-23, 28-2B, 30-33, 38-3B,
 * 80, 81 and 83 with those /digits), TEST (84, 85, F6 /0, F7 /0), XCHG (86, 87), BT, BTS
 * and BTR (0F A3, AB, B3, 0F BA /4-/6), MOVS and STOS (A4, A5, AA, AB), and INS and OUTS
 * (6C-6F), each only with a memory operand: an instruction without one never reaches
 * device memory, and port I/O without one exits with all Keel needs. Prefixes: 66, 67,
 * F2, F3, LOCK, the segment overrides, REX; ModRM, SIB, 16-bit addressing, disp8, disp16,
 * disp32, RIP-relative addressing, immediates. Anything else is X86_DECODE_UNSUPPORTED. */
#ifndef KEEL_VMM_X86_DECODE_H
#define KEEL_VMM_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_MAX_INSN_LEN 15 /* a longer instruction raises #GP(0) (SDM vol.2 §2.1.1) */

/* The code's default operand and address size: real and virtual-8086 mode and 16-bit
 * protected mode (CS.D = 0), 32-bit (CS.D = 1), 64-bit (CS.L = 1 in long mode). */
enum x86_mode { X86_MODE_16, X86_MODE_32, X86_MODE_64 };

enum x86_op {
	X86_MOV, X86_MOVZX, X86_MOVSX,
	X86_ADD, X86_OR, X86_AND, X86_SUB, X86_XOR, X86_CMP, X86_TEST,
	X86_XCHG, X86_BT, X86_BTS, X86_BTR,
	X86_MOVS, X86_STOS,
	X86_INS, X86_OUTS, /* string port I/O, port in DX */
};

/* Where the operands are, in the order the manual writes them (destination first). */
enum x86_form {
	X86_MEM_REG,  /* memory, register: MOV 88/89/A2/A3, ALU 00/01..., TEST, XCHG, BT r */
	X86_REG_MEM,  /* register, memory: MOV 8A/8B/A0/A1, ALU 02/03..., MOVZX, MOVSX */
	X86_MEM_IMM,  /* memory, immediate: MOV C6/C7, ALU 80/81/83, TEST F6/F7, BT 0F BA */
	X86_STRING,   /* MOVS: from mem (DS:rSI or its override) to ES:rDI; STOS: rAX to mem (ES:rDI);
	                 INS: port DX to mem (ES:rDI); OUTS: from mem (DS:rSI or its override) to port DX */
};

/* Segment registers by their encoding (the sreg field of MOV Sreg, SDM vol.2 appendix B). */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS, X86_SEG_COUNT };

/* General registers by their encoding, RAX = 0 ... R15 = 15. */
#define X86_RAX 0
#define X86_RCX 1
#define X86_RDX 2
#define X86_RBX 3
#define X86_RSP 4
#define X86_RBP 5
#define X86_RSI 6
#define X86_RDI 7
#define X86_NO_REG 0xff

/* The memory operand: seg:[base + index * scale + disp], computed in addr_size bytes. */
struct x86_mem {
	uint8_t seg;       /* enum x86_seg: the override, else SS for a base of rSP or rBP, else DS */
	uint8_t base;      /* a register, or X86_NO_REG */
	uint8_t index;     /* a register, or X86_NO_REG */
	uint8_t scale;     /* 1, 2, 4 or 8 */
	bool rip_relative; /* base is the next instruction's RIP (EIP with addr_size 4) */
	uint8_t addr_size; /* 2, 4 or 8 */
	int64_t disp;      /* sign-extended; a moffs (A0-A3) zero-extended */
};

/* MOVS, STOS, INS and OUTS repeat with either F3 or F2 (SDM vol.2 "REP/REPE/REPZ/REPNE/REPNZ":
 * only CMPS and SCAS look at ZF); other instructions ignore both. */
enum x86_rep { X86_REP_NONE, X86_REP_F3, X86_REP_F2 };

struct x86_insn {
	enum x86_op op;
	enum x86_form form;
	uint8_t length;
	uint8_t op_size;    /* 1, 2, 4 or 8: the operation's, MOVZX's and MOVSX's destination's */
	uint8_t mem_size;   /* the memory operand's: op_size but for MOVZX and MOVSX */
	struct x86_mem mem;
	uint8_t reg;        /* the register operand (STOS, A0-A3: rAX), or X86_NO_REG */
	bool reg_high_byte; /* reg 0-3 means AH, CH, DH, BH: a byte register without REX */
	uint64_t imm;       /* X86_MEM_IMM: the immediate, sign-extended to 64 bits */
	enum x86_rep rep;   /* X86_STRING only */
	bool lock;
};

enum x86_decode_status {
	X86_DECODED,
	X86_DECODE_UD,          /* the CPU raises #UD: LOCK where the SDM does not allow it */
	X86_DECODE_TOO_LONG,    /* more than 15 bytes (15 given): the CPU raises #GP(0) */
	X86_DECODE_NEED_MORE,   /* fewer than 15 bytes given, and they end inside the instruction */
	X86_DECODE_UNSUPPORTED, /* not an instruction this decoder knows */
};

/* MOV to a control register (0F 22 /r, SDM vol.2 "MOV—Move to/from Control Registers"):
 * the register written, CR0-CR15 (ModRM.reg, REX.R adding 8, and on AMD a LOCK prefix
 * too: APM vol.3 "MOV CRn", AltMovCr8), and the general register read (ModRM.rm with
 * REX.B; the mod field is ignored, as the CPU ignores it); 64 bits in 64-bit mode, else
 * 32. What Keel needs where a CR write exits without naming its source (SVM without
 * decode assists). */
struct x86_mov_cr {
	uint8_t length;
	uint8_t cr;
	uint8_t gpr;
};
/* As x86_decode, for MOV to CR alone: X86_DECODE_UD for a control register that does not
 * exist (CR1, CR5-CR7, CR9-CR15), X86_DECODE_UNSUPPORTED for any other instruction. */
enum x86_decode_status x86_decode_mov_to_cr(const uint8_t *bytes, size_t len, enum x86_mode mode,
					    struct x86_mov_cr *out);

/* Decodes one instruction from bytes[0, len) in that mode, reading no byte at or beyond
 * len or X86_MAX_INSN_LEN. insn->length is the instruction's length for X86_DECODED and
 * X86_DECODE_UD, else how many bytes were looked at (for the log); the other fields are
 * meaningful for X86_DECODED alone. */
enum x86_decode_status x86_decode(const uint8_t *bytes, size_t len, enum x86_mode mode, struct x86_insn *insn);

#endif
