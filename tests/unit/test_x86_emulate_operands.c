/* The executor (vmm/x86_emulate.c) on instructions from the decoder, over the plain test
 * memory: results and the register rules, segments, limits and canonical addresses, BT's
 * bit offsets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/x86_emulate_fixture.h"

static void mov_and_the_register_rules(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	cpu.gpr[X86_RDI] = 0x2000;
	cpu.gpr[X86_RAX] = 0x1122334455667788;
	run_ok(&cpu, "89 07"); /* mov [rdi], eax */
	assert_int_equal(get(0x2000, 8), 0x55667788);
	put(0x2000, 0x8899aabbccddeeff, 8);
	run_ok(&cpu, "8b 07"); /* mov eax, [rdi]: zero-extends */
	assert_int_equal(cpu.gpr[X86_RAX], 0xccddeeff);
	cpu.gpr[X86_RAX] = 0x1122334455667788;
	run_ok(&cpu, "66 8b 07"); /* mov ax: keeps 63:16 */
	assert_int_equal(cpu.gpr[X86_RAX], 0x112233445566eeff);
	run_ok(&cpu, "8a 27"); /* mov ah: bits 15:8 */
	assert_int_equal(cpu.gpr[X86_RAX], 0x112233445566ffff);
	cpu.gpr[X86_RCX] = 0x1122334455667788;
	run_ok(&cpu, "8a 0f"); /* mov cl: keeps 63:8 */
	assert_int_equal(cpu.gpr[X86_RCX], 0x11223344556677ff);
	cpu.gpr[X86_RSI] = 0x1122334455667788;
	run_ok(&cpu, "40 88 77 08"); /* mov [rdi+8], sil */
	assert_int_equal(get(0x2008, 8), 0x88);
	put(0x1ff8, 0x0102030405060708, 8);
	run_ok(&cpu, "4c 8b 47 f8"); /* mov r8, [rdi-8] */
	assert_int_equal(cpu.gpr[8], 0x0102030405060708);
	run_ok(&cpu, "48 c7 47 10 00 00 00 80"); /* mov qword [rdi+16], -2^31 */
	assert_int_equal(get(0x2010, 8), 0xffffffff80000000);
	run_ok(&cpu, "66 c7 47 18 34 12"); /* mov word [rdi+24], 0x1234 */
	assert_int_equal(get(0x2018, 8), 0x1234);
	run_ok(&cpu, "c6 47 19 ff");
	assert_int_equal(get(0x2018, 8), 0xff34);
	/* MOVZX, MOVSX: from a byte or word to each size. */
	cpu.gpr[X86_RDX] = ~0ull;
	run_ok(&cpu, "0f b6 17"); /* movzx edx, byte [rdi] */
	assert_int_equal(cpu.gpr[X86_RDX], 0xff);
	run_ok(&cpu, "48 0f bf 17"); /* movsx rdx, word [rdi] */
	assert_int_equal(cpu.gpr[X86_RDX], 0xffffffffffffeeff);
	cpu.gpr[X86_RDX] = 0x1122334455667788;
	run_ok(&cpu, "66 0f be 17"); /* movsx dx, byte [rdi] */
	assert_int_equal(cpu.gpr[X86_RDX], 0x112233445566ffff);
	run_ok(&cpu, "0f b7 17"); /* movzx edx, word [rdi] */
	assert_int_equal(cpu.gpr[X86_RDX], 0xeeff);
	/* moffs and RIP-relative: from the next instruction. */
	put(0x3000, 0xfeedface, 4);
	run_ok(&cpu, "a1 00 30 00 00 00 00 00 00");
	assert_int_equal(cpu.gpr[X86_RAX], 0xfeedface);
	cpu.rip = 0x2ff0;
	run_ok(&cpu, "8b 0d 09 00 00 00"); /* 0x2ff0 + 6 + 9 = 0x2fff */
	assert_int_equal(cpu.gpr[X86_RCX], get(0x2fff, 4));
	assert_int_equal(last_access().linear, 0x2fff);
	/* Nothing in RFLAGS changes. */
	assert_int_equal(cpu.rflags, RFLAGS_FIXED);
}

static void addressing(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	cpu.gpr[X86_RBX] = 0x1000;
	cpu.gpr[X86_RCX] = 0x10;
	cpu.gpr[13] = 0x100;
	run_ok(&cpu, "43 89 44 8d f8"); /* mov [r13 + r9*4 - 8]: r9 = 0 */
	assert_int_equal(mem.log[0].linear, 0xf8);
	run_ok(&cpu, "89 44 cb 10"); /* mov [rbx + rcx*8 + 0x10] */
	assert_int_equal(mem.log[1].linear, 0x1090);
	/* A 32-bit address size wraps at 4 GiB. */
	cpu.gpr[X86_RBX] = 0x1fffffff0;
	run_ok(&cpu, "67 89 43 20"); /* mov [ebx + 0x20] */
	assert_int_equal(mem.log[2].linear, 0x10);
	/* 16-bit addressing wraps at 64 KiB; BP takes SS. */
	cpu = cpu_in(X86_MODE_16);
	cpu.seg[X86_SEG_DS].base = 0x1000;
	cpu.seg[X86_SEG_SS].base = 0x2000;
	cpu.seg[X86_SEG_DS].limit = cpu.seg[X86_SEG_SS].limit = 0xffff;
	cpu.gpr[X86_RBX] = 0xfff0;
	cpu.gpr[X86_RSI] = 0x0020;
	cpu.gpr[X86_RBP] = 0x0100;
	run_ok(&cpu, "89 00"); /* mov [bx+si], ax: (0xfff0 + 0x20) & 0xffff = 0x10 */
	assert_int_equal(mem.log[0].linear, 0x1010);
	run_ok(&cpu, "89 46 fe"); /* mov [bp-2], ax */
	assert_int_equal(mem.log[1].linear, 0x20fe);
	run_ok(&cpu, "3e 89 46 fe"); /* ds: [bp-2] */
	assert_int_equal(mem.log[2].linear, 0x10fe);
	/* Outside 64-bit mode the linear address has 32 bits. */
	cpu = cpu_in(X86_MODE_32);
	cpu.seg[X86_SEG_DS].base = 0xfffff000;
	cpu.gpr[X86_RAX] = 0x1800;
	run_ok(&cpu, "89 00");
	assert_int_equal(mem.log[0].linear, 0x800);
	/* IP wraps in 16-bit code. */
	cpu = cpu_in(X86_MODE_16);
	cpu.rip = 0xfffe;
	struct x86_fault fault;
	assert_int_equal(run(&cpu, "89 07 ", &fault), X86_EMULATED);
	assert_int_equal(cpu.rip, 0);
}

static void segment_limits(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_16);
	for (int s = 0; s < X86_SEG_COUNT; s++)
		cpu.seg[s].limit = 0xffff;
	cpu.gpr[X86_RBX] = 0xfffe;
	run_ok(&cpu, "89 07"); /* a word at 0xfffe: in */
	cpu.gpr[X86_RBX] = 0xffff;
	run_fault(&cpu, "89 07", X86_GP, 0, 0); /* one byte beyond */
	run_ok(&cpu, "88 07");
	cpu.gpr[X86_RBP] = 0xffff;
	run_fault(&cpu, "89 46 00", X86_SS, 0, 0); /* the stack segment: #SS */
	run_fault(&cpu, "64 89 46 00", X86_GP, 0, 0);
	cpu.seg[X86_SEG_DS].limit = 0x0fff;
	cpu.gpr[X86_RBX] = 0x0ffd;
	run_fault(&cpu, "66 89 07", X86_GP, 0, 0); /* dword at 0xffd with limit 0xfff */
	run_ok(&cpu, "89 07");
	/* Expand-down: offsets above the limit, to 0xffff (or 4 GiB - 1 if big). */
	cpu.seg[X86_SEG_ES] = (struct x86_segment){ .base = 0x4000, .limit = 0x0fff, .expand_down = true, .big = false };
	cpu.gpr[X86_RBX] = 0x1000;
	run_ok(&cpu, "26 89 07");
	assert_int_equal(last_access().linear, 0x5000);
	cpu.gpr[X86_RBX] = 0x0fff;
	run_fault(&cpu, "26 89 07", X86_GP, 0, 0);
	cpu.gpr[X86_RBX] = 0xfffe;
	run_ok(&cpu, "26 89 07");
	run_fault(&cpu, "66 26 89 07", X86_GP, 0, 0);
	/* Big: to 4 GiB - 1 (a 32-bit address in 16-bit code; the linear address wraps). */
	cpu.seg[X86_SEG_ES].base = 0xffff0000;
	cpu.gpr[X86_RBX] = 0x10000;
	run_fault(&cpu, "67 26 89 03", X86_GP, 0, 0);
	cpu.seg[X86_SEG_ES].big = true;
	run_ok(&cpu, "67 26 89 03");
	assert_int_equal(last_access().linear, 0);
}

static void canonical_addresses(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	cpu.gpr[X86_RBX] = 0x0000800000000000;
	run_fault(&cpu, "89 03", X86_GP, 0, 0);
	cpu.gpr[X86_RBP] = 0x0000800000000000;
	run_fault(&cpu, "89 45 00", X86_SS, 0, 0); /* rBP: the stack */
	cpu.gpr[X86_RSP] = 0xffff000000000000;
	run_fault(&cpu, "89 04 24", X86_SS, 0, 0);
	run_fault(&cpu, "36 89 03", X86_GP, 0, 0); /* SS overrides are ignored in 64-bit mode */
	/* The last byte counts as well. */
	cpu.gpr[X86_RBX] = 0x00007ffffffffffc;
	run_fault(&cpu, "48 89 03", X86_GP, 0, 0);
	/* With LA57 these are canonical, and reach the callback (which has no such memory). */
	cpu.la57 = true;
	run_fault(&cpu, "48 89 03", X86_PF, 3, 0x00007ffffffffffc);
	cpu.gpr[X86_RBX] = 0x0100000000000000;
	run_fault(&cpu, "89 03", X86_GP, 0, 0);
	/* Only FS and GS have bases in 64-bit mode, and the sum is checked. */
	cpu = cpu_in(X86_MODE_64);
	cpu.seg[X86_SEG_DS].base = 0x5000;
	cpu.seg[X86_SEG_FS].base = 0x6000;
	cpu.seg[X86_SEG_GS].base = 0x00007ffffffff000;
	cpu.gpr[X86_RBX] = 0x10;
	run_ok(&cpu, "89 03");
	assert_int_equal(mem.log[0].linear, 0x10);
	run_ok(&cpu, "64 89 03");
	assert_int_equal(mem.log[1].linear, 0x6010);
	cpu.gpr[X86_RBX] = 0x1000;
	run_fault(&cpu, "65 89 03", X86_GP, 0, 0);
}

static void register_destinations_and_immediates(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	cpu.gpr[X86_RDI] = 0x2000;
	put(0x2000, 0x00000001ffffffff, 8);
	cpu.gpr[X86_RAX] = 0xffffffff00000001;
	run_ok(&cpu, "03 07"); /* add eax, [rdi]: a 32-bit result zeroes 63:32 */
	assert_int_equal(cpu.gpr[X86_RAX], 0);
	assert_int_equal(cpu.rflags & ARITH, CF | ZF | AF | PF);
	cpu.gpr[X86_RAX] = 0x1111111111110111;
	run_ok(&cpu, "02 27"); /* add ah, [rdi] */
	assert_int_equal(cpu.gpr[X86_RAX], 0x1111111111110011);
	run_ok(&cpu, "3b 07"); /* cmp: no write */
	assert_int_equal(cpu.gpr[X86_RAX], 0x1111111111110011);
	assert_int_equal(get(0x2000, 8), 0x00000001ffffffff);
	run_ok(&cpu, "83 2f 01"); /* sub dword [rdi], 1 */
	assert_int_equal(get(0x2000, 8), 0x00000001fffffffe);
	run_ok(&cpu, "48 83 07 ff"); /* add qword [rdi], -1 */
	assert_int_equal(get(0x2000, 8), 0x00000001fffffffd);
	run_ok(&cpu, "48 81 27 00 ff ff ff"); /* and qword [rdi], 0xffffffffffffff00 */
	assert_int_equal(get(0x2000, 8), 0x00000001ffffff00);
	run_ok(&cpu, "80 4f 01 80"); /* or byte [rdi+1], 0x80 */
	assert_int_equal(get(0x2000, 8), 0x00000001ffffff00);
	run_ok(&cpu, "66 81 77 02 ff 00"); /* xor word [rdi+2], 0xff */
	assert_int_equal(get(0x2000, 8), 0x00000001ff00ff00);
	run_ok(&cpu, "f6 47 01 ff"); /* test byte [rdi+1], 0xff */
	assert_int_equal(cpu.rflags & ARITH, SF | PF);
	run_ok(&cpu, "f7 07 ff 00 ff 00"); /* test dword [rdi], 0x00ff00ff */
	assert_int_equal(cpu.rflags & ARITH, ZF | PF);
}

static void xchg(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	cpu.gpr[X86_RDI] = 0x2000;
	cpu.gpr[X86_RBX] = 0xaaaaaaaabbbbbbbb;
	put(0x2000, 0x1111111122222222, 8);
	run_ok(&cpu, "87 1f"); /* xchg [rdi], ebx */
	assert_int_equal(cpu.gpr[X86_RBX], 0x22222222);
	assert_int_equal(get(0x2000, 8), 0x11111111bbbbbbbb);
	assert_int_equal(mem.log[0].kind, 'w'); /* read for writing, then written */
	assert_int_equal(mem.log[1].kind, 'W');
	run_ok(&cpu, "86 3f"); /* xchg [rdi], bh */
	assert_int_equal(cpu.gpr[X86_RBX], 0x2222bb22);
	assert_int_equal(get(0x2000, 8), 0x11111111bbbbbb22);
}

static void bit_tests(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	cpu.rflags = RFLAGS_FIXED | ZF | SF | OF | PF | AF;
	cpu.gpr[X86_RDI] = 0x2000;
	put(0x2000, 0x0000000200000002, 8);
	run_ok(&cpu, "0f ba 27 21"); /* bt dword [rdi], 33: bit 1 */
	assert_int_equal(cpu.rflags, RFLAGS_FIXED | ZF | SF | OF | PF | AF | CF);
	assert_int_equal(mem.log[0].linear, 0x2000);
	run_ok(&cpu, "0f ba 27 00");
	assert_int_equal(cpu.rflags, RFLAGS_FIXED | ZF | SF | OF | PF | AF);
	/* A register offset picks the operand: 33 -> the dword at +4, bit 1. */
	cpu.gpr[X86_RAX] = 33;
	run_ok(&cpu, "0f a3 07");
	assert_int_equal(mem.log[2].linear, 0x2004);
	assert_int_equal(cpu.rflags & CF, CF);
	/* Negative: -1 -> the dword at -4, bit 31; -65 in 64 bits -> the qword at -16, bit 63. */
	put(0x1ff8, 0x8000000000000000, 8);
	cpu.gpr[X86_RAX] = 0xffffffff;
	run_ok(&cpu, "0f ab 07"); /* bts [rdi], eax */
	assert_int_equal(mem.log[3].linear, 0x1ffc);
	assert_int_equal(cpu.rflags & CF, CF);
	cpu.gpr[X86_RAX] = (uint64_t)-65;
	run_ok(&cpu, "48 0f b3 07"); /* btr [rdi], rax */
	assert_int_equal(mem.log[5].linear, 0x1ff0);
	assert_int_equal(cpu.rflags & CF, 0);
	/* 16 bits: 0xffff is -1 -> the word at -2, bit 15. */
	cpu.gpr[X86_RAX] = 0x1234ffff;
	run_ok(&cpu, "66 0f ab 07"); /* bts [rdi], ax */
	assert_int_equal(mem.log[7].linear, 0x1ffe);
	assert_int_equal(get(0x1ff8, 8), 0x8000000000000000);
	assert_int_equal(cpu.rflags & CF, CF);
	/* BTS and BTR write, with the read made for writing; the immediate is modulo 16. */
	put(0x2000, 0, 8);
	run_ok(&cpu, "66 0f ba 2f 13"); /* bts word [rdi], 19: bit 3 */
	assert_int_equal(get(0x2000, 8), 0x8);
	assert_int_equal(cpu.rflags & CF, 0);
	run_ok(&cpu, "0f ba 37 03"); /* btr dword [rdi], 3 */
	assert_int_equal(get(0x2000, 8), 0);
	assert_int_equal(cpu.rflags & CF, CF);
	assert_int_equal(cpu.rflags & (ZF | SF | OF | PF | AF), ZF | SF | OF | PF | AF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mov_and_the_register_rules),
		cmocka_unit_test(addressing),
		cmocka_unit_test(segment_limits),
		cmocka_unit_test(canonical_addresses),
		cmocka_unit_test(register_destinations_and_immediates),
		cmocka_unit_test(xchg),
		cmocka_unit_test(bit_tests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
