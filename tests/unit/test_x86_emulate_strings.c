/* The executor's string instructions (vmm/x86_emulate.c): REP one element at a time,
 * STOS and 16-bit strings, string port I/O. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/x86_emulate_fixture.h"

static void rep_movs_one_element_at_a_time(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	struct x86_fault fault;
	struct x86_insn insn = decode(X86_MODE_64, "f3 a4"); /* rep movsb */
	memcpy(mem.bytes + 0x3000, "abc", 3);
	cpu.gpr[X86_RSI] = 0x3000;
	cpu.gpr[X86_RDI] = 0x4000;
	cpu.gpr[X86_RCX] = 3;
	assert_int_equal(x86_emulate(&insn, &cpu, &memory, &fault), X86_EMULATED_ELEMENT);
	assert_int_equal(cpu.rip, 0x1000);
	assert_int_equal(cpu.gpr[X86_RCX], 2);
	assert_int_equal(x86_emulate(&insn, &cpu, &memory, &fault), X86_EMULATED_ELEMENT);
	assert_int_equal(x86_emulate(&insn, &cpu, &memory, &fault), X86_EMULATED);
	assert_int_equal(cpu.rip, 0x1002);
	assert_memory_equal(mem.bytes + 0x4000, "abc", 3);
	assert_int_equal(cpu.gpr[X86_RCX], 0);
	assert_int_equal(cpu.gpr[X86_RSI], 0x3003);
	assert_int_equal(cpu.gpr[X86_RDI], 0x4003);
	/* rCX zero: nothing but RIP. */
	assert_int_equal(x86_emulate(&insn, &cpu, &memory, &fault), X86_EMULATED);
	assert_int_equal(mem.accesses, 6);
	assert_int_equal(cpu.rip, 0x1004);
	/* Backwards with DF; the FS override takes the source, ES (base ignored) the destination. */
	cpu.rflags |= DF;
	cpu.seg[X86_SEG_FS].base = 0x100;
	cpu.seg[X86_SEG_ES].base = 0x5000;
	cpu.gpr[X86_RSI] = 0x3000;
	cpu.gpr[X86_RDI] = 0x4010;
	put(0x3100, 0x1122334455667788, 8);
	run_ok(&cpu, "64 48 a5"); /* movsq fs: */
	assert_int_equal(get(0x4010, 8), 0x1122334455667788);
	assert_int_equal(cpu.gpr[X86_RSI], 0x2ff8);
	assert_int_equal(cpu.gpr[X86_RDI], 0x4008);
	/* A 32-bit address size: ECX counts, ESI and EDI are written zero-extended. */
	cpu.rflags &= ~DF;
	cpu.gpr[X86_RCX] = 0x100000001;
	cpu.gpr[X86_RSI] = 0xf00003000;
	cpu.gpr[X86_RDI] = 0xf00004000;
	run_ok(&cpu, "67 f3 a5"); /* rep movsd, one left */
	assert_int_equal(cpu.gpr[X86_RCX], 0);
	assert_int_equal(cpu.gpr[X86_RSI], 0x3004);
	assert_int_equal(cpu.gpr[X86_RDI], 0x4004);
	cpu.gpr[X86_RCX] = 0x100000000; /* ECX is zero */
	run_ok(&cpu, "67 f3 a5");
	assert_int_equal(cpu.gpr[X86_RCX], 0x100000000);
	assert_int_equal(cpu.gpr[X86_RSI], 0x3004);
}

static void stos_and_16_bit_strings(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_32);
	cpu.seg[X86_SEG_ES].base = 0x1000;
	cpu.seg[X86_SEG_DS].base = 0x9000;
	cpu.gpr[X86_RAX] = 0xdeadbeef;
	cpu.gpr[X86_RDI] = 0x100;
	cpu.gpr[X86_RCX] = 2;
	struct x86_fault fault;
	assert_int_equal(run(&cpu, "f2 66 ab", &fault), X86_EMULATED_ELEMENT); /* F2 repeats STOS too */
	assert_int_equal(run(&cpu, "f2 66 ab", &fault), X86_EMULATED);
	assert_int_equal(get(0x1100, 4), 0xbeefbeef);
	assert_int_equal(cpu.gpr[X86_RDI], 0x104);
	run_ok(&cpu, "64 aa"); /* stosb: ES whatever the override */
	assert_int_equal(mem.log[2].linear, 0x1104);
	/* 16-bit addresses: SI and DI wrap and the rest of the register stays. */
	cpu = cpu_in(X86_MODE_16);
	cpu.gpr[X86_RSI] = 0xabcd0000ffff;
	cpu.gpr[X86_RDI] = 0x12340000fffe;
	cpu.gpr[X86_RCX] = 0x777700000001;
	mem.bytes[0xffff] = 0x5a;
	run_ok(&cpu, "f3 a4");
	assert_int_equal(mem.bytes[0xfffe], 0x5a);
	assert_int_equal(cpu.gpr[X86_RSI], 0xabcd00000000);
	assert_int_equal(cpu.gpr[X86_RDI], 0x12340000ffff);
	assert_int_equal(cpu.gpr[X86_RCX], 0x777700000000);
}

static void string_port_io(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	struct x86_fault fault;
	/* REP OUTSB: bytes from DS:rSI (an override counts) to port DX, one per call. */
	memcpy(mem.bytes + 0x3100, "hi!", 3);
	cpu.seg[X86_SEG_GS].base = 0x100;
	cpu.gpr[X86_RDX] = 0x123400e9; /* only DX is the port */
	cpu.gpr[X86_RSI] = 0x3000;
	cpu.gpr[X86_RDI] = 0x7777;
	cpu.gpr[X86_RCX] = 3;
	assert_int_equal(run(&cpu, "65 f3 6e", &fault), X86_EMULATED_ELEMENT);
	assert_int_equal(run(&cpu, "65 f3 6e", &fault), X86_EMULATED_ELEMENT);
	run_ok(&cpu, "65 f3 6e");
	assert_int_equal(ports.nwritten, 3);
	assert_memory_equal(ports.written, "hi!", 3);
	assert_int_equal(cpu.gpr[X86_RSI], 0x3003);
	assert_int_equal(cpu.gpr[X86_RDI], 0x7777); /* OUTS leaves rDI */
	assert_int_equal(cpu.gpr[X86_RCX], 0);
	/* OUTSD (REX.W changes nothing: ports take 32 bits at most), backwards with DF. */
	cpu.rflags |= DF;
	put(0x3000, 0x44434241, 4);
	cpu.gpr[X86_RSI] = 0x3000;
	run_ok(&cpu, "48 6f");
	assert_memory_equal(ports.written + 3, "ABCD", 4);
	assert_int_equal(cpu.gpr[X86_RSI], 0x2ffc);
	assert_int_equal(last_access().kind, 'o');
	assert_int_equal(last_access().size, 4);
	/* REP INSW: port DX to ES:rDI; the store is checked before the port is read. */
	cpu.rflags &= ~DF;
	cpu.gpr[X86_RDX] = 0x60;
	cpu.gpr[X86_RDI] = 0x4000;
	cpu.gpr[X86_RCX] = 2;
	unsigned before = mem.accesses;
	assert_int_equal(run(&cpu, "f3 66 6d", &fault), X86_EMULATED_ELEMENT);
	assert_int_equal(mem.accesses - before, 3);
	assert_int_equal(mem.log[before % LOG].kind, 'c');
	assert_int_equal(mem.log[(before + 1) % LOG].kind, 'i');
	assert_int_equal(mem.log[(before + 2) % LOG].kind, 'W');
	run_ok(&cpu, "f3 66 6d");
	assert_int_equal(get(0x4000, 4), 0x00020001);
	assert_int_equal(cpu.gpr[X86_RDI], 0x4004);
	assert_int_equal(cpu.gpr[X86_RSI], 0x2ffc); /* INS leaves rSI */
	/* INS into a page it may not write: the fault, and the port not read. */
	mem.ro_first = 0x5000, mem.ro_last = 0x5fff;
	cpu.gpr[X86_RDI] = 0x5000;
	cpu.gpr[X86_RCX] = 7;
	run_fault(&cpu, "f3 6c", X86_PF, 3, 0x5000);
	assert_int_equal(ports.reads, 2);
	/* In 16-bit code: ES:DI wraps, the rest of RDI stays, a segment override changes nothing. */
	cpu = cpu_in(X86_MODE_16);
	cpu.seg[X86_SEG_ES].base = 0x10000;
	cpu.gpr[X86_RDX] = 0x60;
	cpu.gpr[X86_RDI] = 0x99990000ffff;
	run_ok(&cpu, "2e 6c");
	assert_int_equal(mem.bytes[0x1ffff], 1);
	assert_int_equal(cpu.gpr[X86_RDI], 0x999900000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rep_movs_one_element_at_a_time),
		cmocka_unit_test(stos_and_16_bit_strings),
		cmocka_unit_test(string_port_io),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
