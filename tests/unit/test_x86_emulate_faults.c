/* The executor (vmm/x86_emulate.c) when an access faults or a callback gives up: nothing
 * changes; and the fetch (x86_fetch): page by page, its faults, and what it refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/hex_bytes.h"
#include "tests/unit/x86_emulate_fixture.h"

static void faults_leave_everything_as_it_was(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	cpu.gpr[X86_RDI] = 0x2000;
	cpu.gpr[X86_RAX] = 5;
	cpu.rflags = RFLAGS_FIXED | ARITH;
	put(0x2000, 7, 8);
	mem.ro_first = 0x2000, mem.ro_last = 0x2fff;
	/* A read-modify-write faults on its read, made for writing: the device never sees a
	 * plain read. */
	run_fault(&cpu, "01 07", X86_PF, 3, 0x2000);
	assert_int_equal(mem.accesses, 1);
	assert_int_equal(mem.log[0].kind, 'w');
	run_fault(&cpu, "87 07", X86_PF, 3, 0x2000);
	run_fault(&cpu, "0f ab 07", X86_PF, 3, 0x2000);
	/* A read alone passes; a write to a page it crosses into faults there. */
	run_ok(&cpu, "03 07");
	assert_int_equal(cpu.gpr[X86_RAX], 12);
	cpu.gpr[X86_RDI] = 0x1ffe;
	run_fault(&cpu, "89 07", X86_PF, 3, 0x2000);
	assert_int_equal(get(0x1ff8, 8), 0);
	/* MOVS: a fault on the second element leaves the first done, RIP on the instruction. */
	cpu.gpr[X86_RSI] = 0x1000;
	cpu.gpr[X86_RDI] = 0x1fff;
	cpu.gpr[X86_RCX] = 5;
	cpu.rip = 0x1000;
	struct x86_fault fault;
	assert_int_equal(run(&cpu, "f3 a4", &fault), X86_EMULATED_ELEMENT);
	assert_int_equal(run(&cpu, "f3 a4", &fault), X86_EMULATE_EXCEPTION);
	assert_int_equal(fault.cr2, 0x2000);
	assert_int_equal(cpu.gpr[X86_RCX], 4);
	assert_int_equal(cpu.gpr[X86_RDI], 0x2000);
	assert_int_equal(cpu.rip, 0x1000);
	/* A callback that gives up stops the instruction. */
	mem.abort = true;
	cpu.gpr[X86_RDI] = 0x100;
	struct x86_cpu before = cpu;
	assert_int_equal(run(&cpu, "01 07", &fault), X86_EMULATE_ABORT);
	assert_memory_equal(&cpu, &before, sizeof(cpu));
}

static void expect_fetch(const struct x86_cpu *cpu, enum x86_fetch_status status, uint8_t length,
			 unsigned fetches)
{
	uint8_t bytes[X86_MAX_INSN_LEN];
	struct x86_insn insn;
	struct x86_fault fault = { 0, 0, 0 };
	unsigned before = mem.accesses;
	assert_int_equal(x86_fetch(cpu, &memory, bytes, &insn, &fault), status);
	if (status == X86_FETCHED || status == X86_FETCH_UNSUPPORTED) {
		assert_int_equal(insn.length, length);
		assert_memory_equal(bytes, mem.bytes + ((cpu->seg[X86_SEG_CS].base + cpu->rip) % MEM_SIZE), length);
	}
	assert_int_equal(mem.accesses - before, fetches);
}

static void expect_fetch_fault(const struct x86_cpu *cpu, uint8_t vector, uint32_t error_code, uint64_t cr2)
{
	uint8_t bytes[X86_MAX_INSN_LEN];
	struct x86_insn insn;
	struct x86_fault fault = { 0, 0, 0 };
	assert_int_equal(x86_fetch(cpu, &memory, bytes, &insn, &fault), X86_FETCH_EXCEPTION);
	assert_int_equal(fault.vector, vector);
	assert_int_equal(fault.error_code, error_code);
	assert_int_equal(fault.cr2, cr2);
}

static void put_bytes(uint64_t linear, const char *hex)
{
	hex_bytes(hex, mem.bytes + linear, MEM_SIZE - linear);
}

static void fetch_page_by_page(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	/* Within a page: one fetch of 15 bytes. */
	cpu.rip = 0x1000;
	put_bytes(0x1000, "89 07");
	expect_fetch(&cpu, X86_FETCHED, 2, 1);
	assert_int_equal(last_access().size, 15);
	/* An instruction that ends on its page does not touch the next, there or not. */
	cpu.rip = MEM_SIZE - 2;
	put_bytes(MEM_SIZE - 2, "89 07");
	expect_fetch(&cpu, X86_FETCHED, 2, 1);
	/* One that reaches into it faults there, as the CPU's fetch would. */
	cpu.rip = MEM_SIZE - 3;
	put_bytes(MEM_SIZE - 3, "48 8b 05");
	expect_fetch_fault(&cpu, X86_PF, 0x10, MEM_SIZE);
	assert_int_equal(last_access().linear, MEM_SIZE);
	assert_int_equal(last_access().size, 12);
	/* Across two pages that are there: two fetches. */
	cpu.rip = 0x1ffd;
	put_bytes(0x1ffd, "48 8b 05 10 00 00 00");
	expect_fetch(&cpu, X86_FETCHED, 7, 2);
	/* Past the canonical end of the address space: #GP(0). */
	mem.mirrored = true;
	cpu.rip = 0x00007ffffffffffd; /* MEM_SIZE - 3 in the mirror */
	put_bytes(0, "10 00 00 00");
	expect_fetch_fault(&cpu, X86_GP, 0, 0);
	cpu.la57 = true;
	uint8_t bytes[X86_MAX_INSN_LEN];
	struct x86_insn insn;
	struct x86_fault fault;
	assert_int_equal(x86_fetch(&cpu, &memory, bytes, &insn, &fault), X86_FETCHED);
	assert_memory_equal(bytes, "\x48\x8b\x05\x10\x00\x00\x00", 7);
	mem.mirrored = false;
	/* 16-bit code: CS's base, and its limit. */
	cpu = cpu_in(X86_MODE_16);
	cpu.seg[X86_SEG_CS] = (struct x86_segment){ .base = 0x5000, .limit = 0xffff, .expand_down = false, .big = false };
	cpu.rip = 0xfffd;
	put_bytes(0x14ffd, "8b 46 02");
	expect_fetch(&cpu, X86_FETCHED, 3, 1);
	assert_int_equal(last_access().size, 3);
	cpu.rip = 0xfffe;
	put_bytes(0x14ffe, "8b 46 02");
	expect_fetch_fault(&cpu, X86_GP, 0, 0);
	cpu.rip = 0x10000;
	expect_fetch_fault(&cpu, X86_GP, 0, 0);
	/* 32-bit code: the linear address wraps at 4 GiB. */
	cpu = cpu_in(X86_MODE_32);
	cpu.seg[X86_SEG_CS].base = 0xfffff000;
	cpu.rip = 0x1010;
	put_bytes(0x10, "8b 00");
	expect_fetch(&cpu, X86_FETCHED, 2, 1);
	assert_int_equal(last_access().linear, 0x10);
}

static void fetch_refusals(void **state)
{
	(void)state;
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	cpu.rip = 0x1000;
	put_bytes(0x1000, "f0 89 07");
	expect_fetch_fault(&cpu, X86_UD, 0, 0);
	memset(mem.bytes + 0x1000, 0x66, 16);
	expect_fetch_fault(&cpu, X86_GP, 0, 0);
	put_bytes(0x1000, "0f 05");
	expect_fetch(&cpu, X86_FETCH_UNSUPPORTED, 2, 1);
	mem.abort = true;
	expect_fetch(&cpu, X86_FETCH_ABORT, 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(faults_leave_everything_as_it_was),
		cmocka_unit_test(fetch_page_by_page),
		cmocka_unit_test(fetch_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
