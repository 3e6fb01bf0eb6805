/* The instruction decoder (vmm/x86_decode.c) against a table of encodings: every form,
 * prefix and addressing mode it knows, what LOCK does to each, and what it rejects. The
 * expected decodings were written from the SDM's opcode tables (vol.2 appendix A) and
 * ModRM/SIB tables (vol.2 §2.1.5); the fuzz target checks the same against Zydis. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/hex_bytes.h"
#include "vmm/x86_decode.h"

#define NONE X86_NO_REG
#define ES X86_SEG_ES
#define CS X86_SEG_CS
#define SS X86_SEG_SS
#define DS X86_SEG_DS
#define FS X86_SEG_FS
#define GS X86_SEG_GS
#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RSP 4
#define RBP 5
#define RSI 6
#define RDI 7

/* seg:[base + index * scale + disp] in asize-byte addressing. */
#define MEM(seg_, base_, index_, scale_, disp_, asize_) \
	{ .seg = seg_, .base = base_, .index = index_, .scale = scale_, .rip_relative = false, .addr_size = asize_, \
	  .disp = disp_ }
#define RIPREL(disp_, asize_) \
	{ .seg = DS, .base = NONE, .index = NONE, .scale = 1, .rip_relative = true, .addr_size = asize_, .disp = disp_ }

struct row {
	enum x86_mode mode;
	const char *hex;
	enum x86_decode_status status;
	struct x86_insn want; /* all of it for X86_DECODED; the length alone otherwise */
};

/* The memory operand comes last: MEM() expands to a braced list. */
#define OK(mode_, hex_, op_, form_, len_, osize_, msize_, reg_, high_, imm_, rep_, lock_, ...) \
	{ mode_, hex_, X86_DECODED, { .op = op_, .form = form_, .length = len_, .op_size = osize_, .mem_size = msize_, \
				      .mem = __VA_ARGS__, .reg = reg_, .reg_high_byte = high_, .imm = imm_, .rep = rep_, \
				      .lock = lock_ } }
/* The common cases: no immediate, no REP, no LOCK; or an immediate and no register. */
#define RM(mode_, hex_, op_, form_, len_, osize_, reg_, ...) \
	OK(mode_, hex_, op_, form_, len_, osize_, osize_, reg_, false, 0, X86_REP_NONE, false, __VA_ARGS__)
#define MI(mode_, hex_, op_, len_, osize_, imm_, ...) \
	OK(mode_, hex_, op_, X86_MEM_IMM, len_, osize_, osize_, NONE, false, imm_, X86_REP_NONE, false, __VA_ARGS__)
#define STR(mode_, hex_, op_, len_, osize_, reg_, rep_, ...) \
	OK(mode_, hex_, op_, X86_STRING, len_, osize_, osize_, reg_, false, 0, rep_, false, __VA_ARGS__)
#define FAIL(mode_, hex_, status_, len_) { mode_, hex_, status_, { .length = len_ } }

/* Memory operands the rows share. */
#define MEM_RDI MEM(DS, RDI, NONE, 1, 0, 8)
#define MEM_EAX MEM(DS, RAX, NONE, 1, 0, 4)
#define MEM_BX_SI MEM(DS, RBX, RSI, 1, 0, 2)

#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define M64 X86_MODE_64

static const struct row rows[] = {
	/* MOV, each opcode, and the addressing forms. */
	RM(M64, "89 07", X86_MOV, X86_MEM_REG, 2, 4, RAX, MEM_RDI),
	RM(M64, "88 0f", X86_MOV, X86_MEM_REG, 2, 1, RCX, MEM_RDI),
	RM(M64, "8a 17", X86_MOV, X86_REG_MEM, 2, 1, RDX, MEM_RDI),
	RM(M64, "8b 1f", X86_MOV, X86_REG_MEM, 2, 4, RBX, MEM_RDI),
	OK(M64, "48 8b 05 10 00 00 00", X86_MOV, X86_REG_MEM, 7, 8, 8, RAX, false, 0, X86_REP_NONE, false,
	   RIPREL(0x10, 8)),
	OK(M64, "67 8b 0d 00 f0 ff ff", X86_MOV, X86_REG_MEM, 7, 4, 4, RCX, false, 0, X86_REP_NONE, false,
	   RIPREL(-0x1000, 4)),
	/* disp32 alone outside 64-bit mode */
	OK(M32, "8b 0d 00 f0 ff ff", X86_MOV, X86_REG_MEM, 6, 4, 4, RCX, false, 0, X86_REP_NONE, false,
	   MEM(DS, NONE, NONE, 1, -0x1000, 4)),
	OK(M32, "c7 05 00 00 e0 fe 78 56 34 12", X86_MOV, X86_MEM_IMM, 10, 4, 4, NONE, false, 0x12345678, X86_REP_NONE, false,
	   MEM(DS, NONE, NONE, 1, -0x1200000, 4)),
	MI(M64, "c6 40 10 ff", X86_MOV, 4, 1, 0xffffffffffffffffull, MEM(DS, RAX, NONE, 1, 0x10, 8)),
	MI(M64, "48 c7 00 00 00 00 80", X86_MOV, 7, 8, 0xffffffff80000000ull, MEM(DS, RAX, NONE, 1, 0, 8)),
	MI(M64, "66 c7 00 34 12", X86_MOV, 5, 2, 0x1234, MEM(DS, RAX, NONE, 1, 0, 8)),
	MI(M16, "c7 06 00 80 34 12", X86_MOV, 6, 2, 0x1234, MEM(DS, NONE, NONE, 1, -0x8000, 2)),
	/* moffs: address-size wide, unsigned, no ModRM; REX.W sizes the register only. */
	RM(M64, "a0 00 00 e0 fe 00 00 00 00", X86_MOV, X86_REG_MEM, 9, 1, RAX, MEM(DS, NONE, NONE, 1, 0xfee00000, 8)),
	RM(M64, "48 a1 88 77 66 55 44 33 22 11", X86_MOV, X86_REG_MEM, 10, 8, RAX,
	   MEM(DS, NONE, NONE, 1, 0x1122334455667788, 8)),
	RM(M64, "67 a2 44 33 22 f1", X86_MOV, X86_MEM_REG, 6, 1, RAX, MEM(DS, NONE, NONE, 1, 0xf1223344, 4)),
	RM(M32, "a3 20 03 e0 fe", X86_MOV, X86_MEM_REG, 5, 4, RAX, MEM(DS, NONE, NONE, 1, 0xfee00320, 4)),
	RM(M16, "a1 00 80", X86_MOV, X86_REG_MEM, 3, 2, RAX, MEM(DS, NONE, NONE, 1, 0x8000, 2)),
	RM(M16, "64 a1 00 80", X86_MOV, X86_REG_MEM, 4, 2, RAX, MEM(FS, NONE, NONE, 1, 0x8000, 2)),
	/* 16-bit addressing: the eight ModRM bases, disp8 and disp16, SS for BP. */
	RM(M16, "8a 00", X86_MOV, X86_REG_MEM, 2, 1, RAX, MEM_BX_SI),
	RM(M16, "8a 09", X86_MOV, X86_REG_MEM, 2, 1, RCX, MEM(DS, RBX, RDI, 1, 0, 2)),
	RM(M16, "8a 52 ff", X86_MOV, X86_REG_MEM, 3, 1, RDX, MEM(SS, RBP, RSI, 1, -1, 2)),
	RM(M16, "8a 5b 7f", X86_MOV, X86_REG_MEM, 3, 1, RBX, MEM(SS, RBP, RDI, 1, 0x7f, 2)),
	RM(M16, "8b 84 34 12", X86_MOV, X86_REG_MEM, 4, 2, RAX, MEM(DS, RSI, NONE, 1, 0x1234, 2)),
	RM(M16, "8b 8d 00 80", X86_MOV, X86_REG_MEM, 4, 2, RCX, MEM(DS, RDI, NONE, 1, -0x8000, 2)),
	RM(M16, "8b 46 02", X86_MOV, X86_REG_MEM, 3, 2, RAX, MEM(SS, RBP, NONE, 1, 2, 2)),
	RM(M16, "89 36 00 80", X86_MOV, X86_MEM_REG, 4, 2, RSI, MEM(DS, NONE, NONE, 1, -0x8000, 2)),
	RM(M16, "88 87 34 12", X86_MOV, X86_MEM_REG, 4, 1, RAX, MEM(DS, RBX, NONE, 1, 0x1234, 2)),
	RM(M16, "3e 8b 46 02", X86_MOV, X86_REG_MEM, 4, 2, RAX, MEM(DS, RBP, NONE, 1, 2, 2)),
	/* 66 and 67 swap the 16-bit and 32-bit sizes outside 64-bit mode. */
	RM(M16, "66 67 8b 04 24", X86_MOV, X86_REG_MEM, 5, 4, RAX, MEM(SS, RSP, NONE, 1, 0, 4)),
	RM(M32, "66 67 89 02", X86_MOV, X86_MEM_REG, 4, 2, RAX, MEM(SS, RBP, RSI, 1, 0, 2)),
	/* SIB: scale, no index (100), no base (mod 00 base 101), REX.X and REX.B, SS for rSP and
	 * rBP but not r12 and r13. */
	RM(M64, "44 89 04 8d 00 10 00 00", X86_MOV, X86_MEM_REG, 8, 4, 8, MEM(DS, NONE, RCX, 4, 0x1000, 8)),
	RM(M64, "43 89 44 a5 f8", X86_MOV, X86_MEM_REG, 5, 4, RAX, MEM(DS, 13, 12, 4, -8, 8)),
	RM(M64, "8b 44 24 08", X86_MOV, X86_REG_MEM, 4, 4, RAX, MEM(SS, RSP, NONE, 1, 8, 8)),
	RM(M64, "41 8b 44 24 08", X86_MOV, X86_REG_MEM, 5, 4, RAX, MEM(DS, 12, NONE, 1, 8, 8)),
	RM(M64, "8b 45 00", X86_MOV, X86_REG_MEM, 3, 4, RAX, MEM(SS, RBP, NONE, 1, 0, 8)),
	RM(M64, "41 8b 45 00", X86_MOV, X86_REG_MEM, 4, 4, RAX, MEM(DS, 13, NONE, 1, 0, 8)),
	RM(M64, "8b 84 c8 00 00 00 80", X86_MOV, X86_REG_MEM, 7, 4, RAX, MEM(DS, RAX, RCX, 8, -0x80000000ll, 8)),
	RM(M64, "42 8b 04 25 00 10 00 00", X86_MOV, X86_REG_MEM, 8, 4, RAX, MEM(DS, NONE, 12, 1, 0x1000, 8)),
	RM(M64, "8b 4c 65 00", X86_MOV, X86_REG_MEM, 4, 4, RCX, MEM(SS, RBP, NONE, 2, 0, 8)),
	RM(M32, "8b 04 24", X86_MOV, X86_REG_MEM, 3, 4, RAX, MEM(SS, RSP, NONE, 1, 0, 4)),
	RM(M64, "67 8b 00", X86_MOV, X86_REG_MEM, 3, 4, RAX, MEM(DS, RAX, NONE, 1, 0, 4)),
	/* Segment overrides: honoured outside 64-bit mode, there only FS and GS; the last wins. */
	RM(M32, "2e 8b 00", X86_MOV, X86_REG_MEM, 3, 4, RAX, MEM(CS, RAX, NONE, 1, 0, 4)),
	RM(M32, "36 8b 00", X86_MOV, X86_REG_MEM, 3, 4, RAX, MEM(SS, RAX, NONE, 1, 0, 4)),
	RM(M32, "26 3e 64 2e 8b 00", X86_MOV, X86_REG_MEM, 6, 4, RAX, MEM(CS, RAX, NONE, 1, 0, 4)),
	RM(M64, "2e 8b 00", X86_MOV, X86_REG_MEM, 3, 4, RAX, MEM(DS, RAX, NONE, 1, 0, 8)),
	RM(M64, "36 8b 45 00", X86_MOV, X86_REG_MEM, 4, 4, RAX, MEM(SS, RBP, NONE, 1, 0, 8)),
	RM(M64, "64 26 8b 00", X86_MOV, X86_REG_MEM, 4, 4, RAX, MEM(FS, RAX, NONE, 1, 0, 8)),
	RM(M64, "65 48 8b 04 25 28 00 00 00", X86_MOV, X86_REG_MEM, 9, 8, RAX, MEM(GS, NONE, NONE, 1, 0x28, 8)),
	/* REX: W over 66, R, B; one not last before the opcode is ignored, the last counts. */
	RM(M64, "66 48 89 07", X86_MOV, X86_MEM_REG, 4, 8, RAX, MEM_RDI),
	RM(M64, "48 66 89 07", X86_MOV, X86_MEM_REG, 4, 2, RAX, MEM_RDI),
	RM(M64, "48 41 89 07", X86_MOV, X86_MEM_REG, 4, 4, RAX, MEM(DS, 15, NONE, 1, 0, 8)),
	RM(M64, "4c 89 3f", X86_MOV, X86_MEM_REG, 3, 8, 15, MEM_RDI),
	/* Byte registers: AH..BH without REX, SPL..DIL and R8B.. with it. */
	OK(M32, "88 60 01", X86_MOV, X86_MEM_REG, 3, 1, 1, RAX, true, 0, X86_REP_NONE, false,
	   MEM(DS, RAX, NONE, 1, 1, 4)),
	OK(M16, "8a 3f", X86_MOV, X86_REG_MEM, 2, 1, 1, RBX, true, 0, X86_REP_NONE, false, MEM(DS, RBX, NONE, 1, 0, 2)),
	RM(M64, "40 88 60 01", X86_MOV, X86_MEM_REG, 4, 1, RSP, MEM(DS, RAX, NONE, 1, 1, 8)),
	RM(M64, "44 88 07", X86_MOV, X86_MEM_REG, 3, 1, 8, MEM_RDI),
	/* F2 and F3 mean nothing to these (a CPU without HLE ignores XACQUIRE/XRELEASE). */
	RM(M64, "f3 89 07", X86_MOV, X86_MEM_REG, 3, 4, RAX, MEM_RDI),
	RM(M32, "2e 3e 26 66 67 f2 f3 89 00", X86_MOV, X86_MEM_REG, 9, 2, RAX, MEM(ES, RBX, RSI, 1, 0, 2)),
	/* The longest an instruction may be: 15 bytes. */
	RM(M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 89 07", X86_MOV, X86_MEM_REG, 15, 2, RAX, MEM_RDI),

	/* MOVZX, MOVSX. */
	OK(M64, "0f b6 07", X86_MOVZX, X86_REG_MEM, 3, 4, 1, RAX, false, 0, X86_REP_NONE, false, MEM_RDI),
	OK(M64, "48 0f bf 46 02", X86_MOVSX, X86_REG_MEM, 5, 8, 2, RAX, false, 0, X86_REP_NONE, false,
	   MEM(DS, RSI, NONE, 1, 2, 8)),
	OK(M16, "0f be 04", X86_MOVSX, X86_REG_MEM, 3, 2, 1, RAX, false, 0, X86_REP_NONE, false,
	   MEM(DS, RSI, NONE, 1, 0, 2)),
	OK(M32, "66 0f b7 00", X86_MOVZX, X86_REG_MEM, 4, 2, 2, RAX, false, 0, X86_REP_NONE, false, MEM_EAX),
	OK(M64, "44 0f b6 2f", X86_MOVZX, X86_REG_MEM, 4, 4, 1, 13, false, 0, X86_REP_NONE, false, MEM_RDI),
	/* a 32-bit destination: ESP, not AH */
	OK(M32, "0f be 27", X86_MOVSX, X86_REG_MEM, 3, 4, 1, RSP, false, 0, X86_REP_NONE, false,
	   MEM(DS, RDI, NONE, 1, 0, 4)),

	/* ADD, OR, AND, SUB, XOR, CMP: both directions, byte and full size, the immediates. */
	RM(M64, "01 07", X86_ADD, X86_MEM_REG, 2, 4, RAX, MEM_RDI),
	RM(M64, "03 07", X86_ADD, X86_REG_MEM, 2, 4, RAX, MEM_RDI),
	RM(M64, "00 07", X86_ADD, X86_MEM_REG, 2, 1, RAX, MEM_RDI),
	RM(M64, "08 0f", X86_OR, X86_MEM_REG, 2, 1, RCX, MEM_RDI),
	RM(M64, "0b 0f", X86_OR, X86_REG_MEM, 2, 4, RCX, MEM_RDI),
	RM(M64, "21 17", X86_AND, X86_MEM_REG, 2, 4, RDX, MEM_RDI),
	RM(M64, "22 17", X86_AND, X86_REG_MEM, 2, 1, RDX, MEM_RDI),
	RM(M64, "29 1f", X86_SUB, X86_MEM_REG, 2, 4, RBX, MEM_RDI),
	RM(M64, "2a 1f", X86_SUB, X86_REG_MEM, 2, 1, RBX, MEM_RDI),
	RM(M64, "48 31 07", X86_XOR, X86_MEM_REG, 3, 8, RAX, MEM_RDI),
	RM(M64, "32 07", X86_XOR, X86_REG_MEM, 2, 1, RAX, MEM_RDI),
	RM(M64, "38 07", X86_CMP, X86_MEM_REG, 2, 1, RAX, MEM_RDI),
	RM(M64, "3b 07", X86_CMP, X86_REG_MEM, 2, 4, RAX, MEM_RDI),
	MI(M64, "80 0f 01", X86_OR, 3, 1, 1, MEM(DS, RDI, NONE, 1, 0, 8)),
	MI(M64, "81 27 ff 00 00 00", X86_AND, 6, 4, 0xff, MEM(DS, RDI, NONE, 1, 0, 8)),
	MI(M64, "83 2f ff", X86_SUB, 3, 4, 0xffffffffffffffffull, MEM(DS, RDI, NONE, 1, 0, 8)),
	MI(M64, "48 83 37 80", X86_XOR, 4, 8, 0xffffffffffffff80ull, MEM(DS, RDI, NONE, 1, 0, 8)),
	MI(M64, "80 3f 05", X86_CMP, 3, 1, 5, MEM(DS, RDI, NONE, 1, 0, 8)),
	MI(M64, "66 81 07 34 12", X86_ADD, 5, 2, 0x1234, MEM(DS, RDI, NONE, 1, 0, 8)),
	MI(M16, "81 07 34 12", X86_ADD, 4, 2, 0x1234, MEM(DS, RBX, NONE, 1, 0, 2)),
	MI(M16, "66 81 07 78 56 34 12", X86_ADD, 7, 4, 0x12345678, MEM(DS, RBX, NONE, 1, 0, 2)),
	MI(M64, "48 81 3f 00 00 00 80", X86_CMP, 7, 8, 0xffffffff80000000ull, MEM(DS, RDI, NONE, 1, 0, 8)),

	/* TEST, XCHG. */
	RM(M64, "85 07", X86_TEST, X86_MEM_REG, 2, 4, RAX, MEM_RDI),
	OK(M32, "84 27", X86_TEST, X86_MEM_REG, 2, 1, 1, RAX, true, 0, X86_REP_NONE, false,
	   MEM(DS, RDI, NONE, 1, 0, 4)),
	MI(M64, "f6 07 80", X86_TEST, 3, 1, 0xffffffffffffff80ull, MEM(DS, RDI, NONE, 1, 0, 8)),
	MI(M64, "f7 07 01 00 00 00", X86_TEST, 6, 4, 1, MEM(DS, RDI, NONE, 1, 0, 8)),
	RM(M64, "87 07", X86_XCHG, X86_MEM_REG, 2, 4, RAX, MEM_RDI),
	RM(M64, "86 07", X86_XCHG, X86_MEM_REG, 2, 1, RAX, MEM_RDI),

	/* BT, BTS, BTR with a register and with imm8. */
	RM(M64, "0f a3 07", X86_BT, X86_MEM_REG, 3, 4, RAX, MEM_RDI),
	RM(M64, "48 0f ab 07", X86_BTS, X86_MEM_REG, 4, 8, RAX, MEM_RDI),
	RM(M16, "0f b3 07", X86_BTR, X86_MEM_REG, 3, 2, RAX, MEM(DS, RBX, NONE, 1, 0, 2)),
	MI(M64, "0f ba 27 05", X86_BT, 4, 4, 5, MEM(DS, RDI, NONE, 1, 0, 8)),
	MI(M64, "41 0f ba 6c 24 08 85", X86_BTS, 7, 4, 0xffffffffffffff85ull, MEM(DS, 12, NONE, 1, 8, 8)),
	MI(M64, "66 0f ba 37 0f", X86_BTR, 5, 2, 15, MEM(DS, RDI, NONE, 1, 0, 8)),

	/* MOVS (the source's segment may be overridden), STOS (ES always), REP, address sizes. */
	STR(M64, "a4", X86_MOVS, 1, 1, NONE, X86_REP_NONE, MEM(DS, RSI, NONE, 1, 0, 8)),
	STR(M64, "66 a5", X86_MOVS, 2, 2, NONE, X86_REP_NONE, MEM(DS, RSI, NONE, 1, 0, 8)),
	STR(M64, "f3 48 a5", X86_MOVS, 3, 8, NONE, X86_REP_F3, MEM(DS, RSI, NONE, 1, 0, 8)),
	STR(M64, "f2 a5", X86_MOVS, 2, 4, NONE, X86_REP_F2, MEM(DS, RSI, NONE, 1, 0, 8)),
	STR(M64, "64 a4", X86_MOVS, 2, 1, NONE, X86_REP_NONE, MEM(FS, RSI, NONE, 1, 0, 8)),
	STR(M64, "67 f3 a4", X86_MOVS, 3, 1, NONE, X86_REP_F3, MEM(DS, RSI, NONE, 1, 0, 4)),
	STR(M16, "26 a5", X86_MOVS, 2, 2, NONE, X86_REP_NONE, MEM(ES, RSI, NONE, 1, 0, 2)),
	STR(M32, "f3 aa", X86_STOS, 2, 1, RAX, X86_REP_F3, MEM(ES, RDI, NONE, 1, 0, 4)),
	STR(M32, "64 ab", X86_STOS, 2, 4, RAX, X86_REP_NONE, MEM(ES, RDI, NONE, 1, 0, 4)),
	STR(M64, "f2 48 ab", X86_STOS, 3, 8, RAX, X86_REP_F2, MEM(ES, RDI, NONE, 1, 0, 8)),
	STR(M16, "f3 f2 ab", X86_STOS, 3, 2, RAX, X86_REP_F2, MEM(ES, RDI, NONE, 1, 0, 2)),
	/* INS (to ES:rDI, no override) and OUTS (from DS:rSI or its override): at most 32 bits. */
	STR(M64, "6c", X86_INS, 1, 1, NONE, X86_REP_NONE, MEM(ES, RDI, NONE, 1, 0, 8)),
	STR(M64, "f3 66 6d", X86_INS, 3, 2, NONE, X86_REP_F3, MEM(ES, RDI, NONE, 1, 0, 8)),
	STR(M64, "48 6d", X86_INS, 2, 4, NONE, X86_REP_NONE, MEM(ES, RDI, NONE, 1, 0, 8)),
	STR(M32, "64 6c", X86_INS, 2, 1, NONE, X86_REP_NONE, MEM(ES, RDI, NONE, 1, 0, 4)),
	STR(M16, "f3 6d", X86_INS, 2, 2, NONE, X86_REP_F3, MEM(ES, RDI, NONE, 1, 0, 2)),
	STR(M64, "f3 6e", X86_OUTS, 2, 1, NONE, X86_REP_F3, MEM(DS, RSI, NONE, 1, 0, 8)),
	STR(M64, "65 67 48 6f", X86_OUTS, 4, 4, NONE, X86_REP_NONE, MEM(GS, RSI, NONE, 1, 0, 4)),
	STR(M32, "f2 2e 66 6f", X86_OUTS, 4, 2, NONE, X86_REP_F2, MEM(CS, RSI, NONE, 1, 0, 4)),
	STR(M16, "26 6e", X86_OUTS, 2, 1, NONE, X86_REP_NONE, MEM(ES, RSI, NONE, 1, 0, 2)),

	/* LOCK: allowed where the destination is memory and the operation writes it. */
	OK(M64, "f0 01 07", X86_ADD, X86_MEM_REG, 3, 4, 4, RAX, false, 0, X86_REP_NONE, true, MEM_RDI),
	OK(M64, "f0 80 0f 01", X86_OR, X86_MEM_IMM, 4, 1, 1, NONE, false, 1, X86_REP_NONE, true, MEM_RDI),
	OK(M64, "f0 21 07", X86_AND, X86_MEM_REG, 3, 4, 4, RAX, false, 0, X86_REP_NONE, true, MEM_RDI),
	OK(M64, "f0 29 07", X86_SUB, X86_MEM_REG, 3, 4, 4, RAX, false, 0, X86_REP_NONE, true, MEM_RDI),
	OK(M64, "f0 30 07", X86_XOR, X86_MEM_REG, 3, 1, 1, RAX, false, 0, X86_REP_NONE, true, MEM_RDI),
	OK(M64, "f0 87 07", X86_XCHG, X86_MEM_REG, 3, 4, 4, RAX, false, 0, X86_REP_NONE, true, MEM_RDI),
	OK(M64, "f0 0f ab 07", X86_BTS, X86_MEM_REG, 4, 4, 4, RAX, false, 0, X86_REP_NONE, true, MEM_RDI),
	OK(M64, "f0 0f ba 37 01", X86_BTR, X86_MEM_IMM, 5, 4, 4, NONE, false, 1, X86_REP_NONE, true, MEM_RDI),
	OK(M64, "f3 f0 01 07", X86_ADD, X86_MEM_REG, 4, 4, 4, RAX, false, 0, X86_REP_NONE, true, MEM_RDI),
	/* ... and #UD everywhere else, with the instruction's length. */
	FAIL(M64, "f0 03 07", X86_DECODE_UD, 3),
	FAIL(M64, "f0 89 07", X86_DECODE_UD, 3),
	FAIL(M64, "f0 c7 07 01 00 00 00", X86_DECODE_UD, 7),
	FAIL(M64, "f0 39 07", X86_DECODE_UD, 3),
	FAIL(M64, "f0 80 3f 01", X86_DECODE_UD, 4),
	FAIL(M64, "f0 85 07", X86_DECODE_UD, 3),
	FAIL(M64, "f0 f6 07 01", X86_DECODE_UD, 4),
	FAIL(M64, "f0 0f a3 07", X86_DECODE_UD, 4),
	FAIL(M64, "f0 0f ba 27 01", X86_DECODE_UD, 5),
	FAIL(M64, "f0 0f b6 07", X86_DECODE_UD, 4),
	FAIL(M64, "f0 a4", X86_DECODE_UD, 2),
	FAIL(M64, "f3 f0 ab", X86_DECODE_UD, 3),
	FAIL(M64, "f0 6c", X86_DECODE_UD, 2),
	FAIL(M64, "f0 6f", X86_DECODE_UD, 2),

	/* Not decoded: register operands, other instructions and /digits, VEX, INC in 32-bit
	 * code; the length is what was looked at. */
	FAIL(M64, "89 c0", X86_DECODE_UNSUPPORTED, 2),
	FAIL(M64, "80 c0 01", X86_DECODE_UNSUPPORTED, 2),
	FAIL(M64, "0f b6 c0", X86_DECODE_UNSUPPORTED, 3),
	FAIL(M64, "11 07", X86_DECODE_UNSUPPORTED, 1),
	FAIL(M64, "19 07", X86_DECODE_UNSUPPORTED, 1),
	FAIL(M64, "05 01 00 00 00", X86_DECODE_UNSUPPORTED, 1),
	FAIL(M64, "80 17 01", X86_DECODE_UNSUPPORTED, 2),
	FAIL(M64, "83 5f 08 01", X86_DECODE_UNSUPPORTED, 3),
	FAIL(M32, "82 00 01", X86_DECODE_UNSUPPORTED, 1),
	FAIL(M64, "c7 4f 08 00 00 00 00", X86_DECODE_UNSUPPORTED, 3),
	FAIL(M64, "f6 17", X86_DECODE_UNSUPPORTED, 2),
	FAIL(M64, "f7 5f 10", X86_DECODE_UNSUPPORTED, 3),
	FAIL(M64, "0f bb 07", X86_DECODE_UNSUPPORTED, 2),
	FAIL(M64, "0f ba 3f 01", X86_DECODE_UNSUPPORTED, 3),
	FAIL(M64, "0f ba 07 01", X86_DECODE_UNSUPPORTED, 3),
	FAIL(M64, "66 0f 38 00 07", X86_DECODE_UNSUPPORTED, 3),
	FAIL(M64, "a6", X86_DECODE_UNSUPPORTED, 1),
	FAIL(M64, "ac", X86_DECODE_UNSUPPORTED, 1),
	FAIL(M64, "e4 60", X86_DECODE_UNSUPPORTED, 1), /* IN without a memory operand: its exit says it all */
	FAIL(M64, "ff 07", X86_DECODE_UNSUPPORTED, 1),
	FAIL(M64, "c4 e2 79 18 07", X86_DECODE_UNSUPPORTED, 1),
	FAIL(M64, "48 90", X86_DECODE_UNSUPPORTED, 2),
	FAIL(M32, "40 89 07", X86_DECODE_UNSUPPORTED, 1),
	FAIL(M64, "0f 05", X86_DECODE_UNSUPPORTED, 2),

	/* Fewer than 15 bytes ending inside the instruction: fetch more. 15 bytes that do not
	 * end it: #GP. */
	FAIL(M64, "", X86_DECODE_NEED_MORE, 0),
	FAIL(M64, "66 f0", X86_DECODE_NEED_MORE, 2),
	FAIL(M64, "89", X86_DECODE_NEED_MORE, 1),
	FAIL(M64, "0f", X86_DECODE_NEED_MORE, 1),
	FAIL(M32, "c7 05 00 00", X86_DECODE_NEED_MORE, 4),
	FAIL(M64, "8b 04", X86_DECODE_NEED_MORE, 2),
	FAIL(M64, "a1 00 00 e0 fe", X86_DECODE_NEED_MORE, 5),
	FAIL(M64, "66 66 66 66 66 66 66 66 66 66 c7 05 00 00", X86_DECODE_NEED_MORE, 14),
	FAIL(M64, "66 66 66 66 66 66 66 66 66 66 c7 05 00 00 00", X86_DECODE_TOO_LONG, 15),
	FAIL(M64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89", X86_DECODE_TOO_LONG, 15),
	FAIL(M64, "f0 f0 f0 f0 f0 f0 f0 f0 f0 f0 f0 f0 f0 f0 f0", X86_DECODE_TOO_LONG, 15),
};

/* On a difference, the row and the field, then a failure. */
#define EXPECT(got_, want_) \
	do { \
		if ((uint64_t)(got_) != (uint64_t)(want_)) { \
			print_error("%s (mode %d): %s is 0x%llx, not 0x%llx\n", r->hex, (int)r->mode, #got_, \
				    (unsigned long long)(got_), (unsigned long long)(want_)); \
			fail(); \
		} \
	} while (0)

static void check_row(const struct row *r)
{
	uint8_t bytes[32];
	size_t len = hex_bytes(r->hex, bytes, sizeof(bytes));
	/* Bytes beyond those given must not matter. */
	memset(bytes + len, 0x66, sizeof(bytes) - len);
	struct x86_insn got;
	EXPECT(x86_decode(bytes, len, r->mode, &got), r->status);
	EXPECT(got.length, r->want.length);
	if (r->status != X86_DECODED)
		return;
	const struct x86_insn *w = &r->want;
	EXPECT(got.op, w->op);
	EXPECT(got.form, w->form);
	EXPECT(got.op_size, w->op_size);
	EXPECT(got.mem_size, w->mem_size);
	EXPECT(got.mem.seg, w->mem.seg);
	EXPECT(got.mem.base, w->mem.base);
	EXPECT(got.mem.index, w->mem.index);
	EXPECT(got.mem.scale, w->mem.scale);
	EXPECT(got.mem.rip_relative, w->mem.rip_relative);
	EXPECT(got.mem.addr_size, w->mem.addr_size);
	EXPECT(got.mem.disp, w->mem.disp);
	EXPECT(got.reg, w->reg);
	EXPECT(got.reg_high_byte, w->reg_high_byte);
	EXPECT(got.imm, w->imm);
	EXPECT(got.rep, w->rep);
	EXPECT(got.lock, w->lock);
}

static void decodes_the_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(&rows[i]);
}

/* Every prefix of a decodable instruction asks for more; the decoder reads nothing past
 * what it is given (AddressSanitizer watches the exact-size copy). */
static void every_prefix_of_an_instruction_needs_more(void **state)
{
	(void)state;
	static const uint8_t insn[] = { 0x65, 0x67, 0x66, 0x41, 0xc7, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00, 0x34, 0x12 };
	for (size_t len = 0; len < sizeof(insn); len++) {
		uint8_t *copy = test_malloc(len ? len : 1);
		memcpy(copy, insn, len);
		struct x86_insn got;
		assert_int_equal(x86_decode(copy, len, X86_MODE_64, &got), X86_DECODE_NEED_MORE);
		assert_int_equal(got.length, len);
		test_free(copy);
	}
	struct x86_insn got;
	assert_int_equal(x86_decode(insn, sizeof(insn), X86_MODE_64, &got), X86_DECODED);
	assert_int_equal(got.length, 13);
	assert_int_equal(got.mem.base, 12);
	assert_int_equal(got.mem.seg, X86_SEG_GS);
	assert_int_equal(got.mem.addr_size, 4);
	assert_int_equal(got.mem.disp, 0x100);
	assert_int_equal(got.op_size, 2);
	assert_int_equal(got.imm, 0x1234);
}

/* MOV to a control register (SDM vol.2 "MOV—Move to/from Control Registers"; AMD's LOCK
 * MOV CR0 for CR8, APM vol.3): which CR, which register, how long. */
static void decodes_mov_to_cr(void **state)
{
	(void)state;
	static const struct {
		enum x86_mode mode;
		const char *hex;
		enum x86_decode_status status;
		uint8_t length, cr, gpr;
	} cases[] = {
		{ X86_MODE_64, "44 0f 22 c0", X86_DECODED, 4, 8, X86_RAX },      /* mov cr8, rax */
		{ X86_MODE_64, "44 0f 22 c7", X86_DECODED, 4, 8, X86_RDI },
		{ X86_MODE_64, "45 0f 22 c1", X86_DECODED, 4, 8, 9 },            /* mov cr8, r9 */
		{ X86_MODE_64, "44 0f 22 04", X86_DECODED, 4, 8, X86_RSP },      /* mod ignored: no SIB */
		{ X86_MODE_64, "0f 22 d8", X86_DECODED, 3, 3, X86_RAX },         /* mov cr3, rax */
		{ X86_MODE_32, "f0 0f 22 c3", X86_DECODED, 4, 8, X86_RBX },      /* lock mov cr0 = cr8 */
		{ X86_MODE_64, "66 2e 44 0f 22 c2", X86_DECODED, 6, 8, X86_RDX },
		{ X86_MODE_64, "45 0f 22 09", X86_DECODE_UD, 4, 9, 9 },          /* no CR9 */
		{ X86_MODE_32, "0f 22 c8", X86_DECODE_UD, 3, 1, X86_RAX },       /* no CR1 */
		{ X86_MODE_64, "0f 20 c0", X86_DECODE_UNSUPPORTED, 2, 0, 0 },    /* mov from cr0 */
		{ X86_MODE_64, "89 07", X86_DECODE_UNSUPPORTED, 1, 0, 0 },
		{ X86_MODE_64, "44 0f 22", X86_DECODE_NEED_MORE, 3, 0, 0 },
		{ X86_MODE_64, "66 66 66 66 66 66 66 66 66 66 66 66 44 0f 22", X86_DECODE_TOO_LONG, 15, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t bytes[16];
		size_t len = hex_bytes(cases[i].hex, bytes, sizeof(bytes));
		struct x86_mov_cr got;
		assert_int_equal(x86_decode_mov_to_cr(bytes, len, cases[i].mode, &got), cases[i].status);
		assert_int_equal(got.length, cases[i].length);
		if (cases[i].status == X86_DECODED || cases[i].status == X86_DECODE_UD) {
			assert_int_equal(got.cr, cases[i].cr);
			assert_int_equal(got.gpr, cases[i].gpr);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_the_table),
		cmocka_unit_test(every_prefix_of_an_instruction_needs_more),
		cmocka_unit_test(decodes_mov_to_cr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
