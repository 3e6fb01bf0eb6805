/* The executor (vmm/x86_emulate.c) on instructions from the decoder, over a plain test
 * memory of 128 KiB at linear 0: results and the register rules, segments, limits and
 * canonical addresses, BT's bit offsets, REP one element at a time, string port I/O, faults,
 * the fetch; the flags against a table worked out from the SDM's definitions and against
 * the host CPU. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/cpu.h"
#include "tests/unit/hex_bytes.h"
#include "vmm/x86_emulate.h"

#define MEM_SIZE 0x20000u
#define CF 0x001ull
#define PF 0x004ull
#define AF 0x010ull
#define ZF 0x040ull
#define SF 0x080ull
#define DF 0x400ull
#define OF 0x800ull
#define ARITH (CF | PF | AF | ZF | SF | OF)

/* The test memory: bytes, a read-only range (a write, or a read for writing, there is a
 * #PF), and a log of the accesses made (the last LOG of them). */
#define LOG 16
struct access {
	uint64_t linear;
	unsigned size;
	char kind; /* 'r' read, 'w' read for writing, 'W' write */
};
static struct {
	uint8_t bytes[MEM_SIZE];
	uint64_t ro_first, ro_last;
	bool abort;
	bool mirrored; /* fetches beyond the memory read it again from 0 */
	struct access log[LOG];
	unsigned accesses;
} mem;

static enum x86_result check_access(uint64_t linear, unsigned size, char kind, struct x86_fault *fault)
{
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	mem.log[mem.accesses++ % LOG] = (struct access){ linear, size, kind };
	if (mem.abort)
		return X86_ABORT;
	bool write = kind != 'r';
	uint64_t bad = linear >= MEM_SIZE ? linear : linear + size > MEM_SIZE ? MEM_SIZE : ~0ull;
	if (bad == ~0ull && write && linear <= mem.ro_last && linear + size - 1 >= mem.ro_first)
		bad = linear > mem.ro_first ? linear : mem.ro_first;
	if (bad == ~0ull)
		return X86_OK;
	*fault = (struct x86_fault){ .vector = X86_PF, .error_code = write ? 3 : 0, .cr2 = bad };
	return X86_EXCEPTION;
}

static enum x86_result mem_read(void *ctx, uint64_t linear, void *data, unsigned size, bool for_write,
				struct x86_fault *fault)
{
	(void)ctx;
	enum x86_result res = check_access(linear, size, for_write ? 'w' : 'r', fault);
	if (res == X86_OK)
		memcpy(data, mem.bytes + linear, size);
	return res;
}

static enum x86_result mem_write(void *ctx, uint64_t linear, const void *data, unsigned size,
				 struct x86_fault *fault)
{
	(void)ctx;
	enum x86_result res = check_access(linear, size, 'W', fault);
	if (res == X86_OK)
		memcpy(mem.bytes + linear, data, size);
	return res;
}

/* Instruction bytes: never across a page; beyond the memory a #PF with I/D set. */
static enum x86_result mem_fetch(void *ctx, uint64_t linear, void *data, unsigned size, struct x86_fault *fault)
{
	(void)ctx;
	assert_true(size >= 1 && size <= 15);
	assert_int_equal(linear >> 12, (linear + size - 1) >> 12);
	mem.log[mem.accesses++ % LOG] = (struct access){ linear, size, 'x' };
	if (mem.abort)
		return X86_ABORT;
	if (mem.mirrored)
		linear %= MEM_SIZE;
	if (linear >= MEM_SIZE) {
		*fault = (struct x86_fault){ .vector = X86_PF, .error_code = 0x10, .cr2 = linear };
		return X86_EXCEPTION;
	}
	memcpy(data, mem.bytes + linear, size);
	return X86_OK;
}

/* A write check: the translation of a write, logged as 'c', nothing touched. */
static enum x86_result mem_check_write(void *ctx, uint64_t linear, unsigned size, struct x86_fault *fault)
{
	(void)ctx;
	return check_access(linear, size, 'c', fault);
}

/* The test ports: port 0x60 counts its reads (1, 2, 3... in the size read), port 0xe9
 * keeps what was written, in order; reads and writes are logged as 'i' and 'o' with the
 * port as the address. */
static struct {
	uint64_t reads;
	uint8_t written[64];
	unsigned nwritten;
} ports;

static uint64_t port_in(void *ctx, uint16_t port, unsigned size)
{
	(void)ctx;
	assert_true(size == 1 || size == 2 || size == 4);
	mem.log[mem.accesses++ % LOG] = (struct access){ port, size, 'i' };
	return port == 0x60 ? ++ports.reads : ~0ull;
}

static void port_out(void *ctx, uint16_t port, unsigned size, uint64_t value)
{
	(void)ctx;
	assert_true(size == 1 || size == 2 || size == 4);
	mem.log[mem.accesses++ % LOG] = (struct access){ port, size, 'o' };
	for (unsigned i = 0; port == 0xe9 && i < size && ports.nwritten < sizeof(ports.written); i++)
		ports.written[ports.nwritten++] = (uint8_t)(value >> 8 * i);
}

static const struct x86_memory memory = { NULL, mem_fetch, mem_read, mem_write, mem_check_write, port_in, port_out };

static struct access last_access(void)
{
	assert_true(mem.accesses > 0);
	return mem.log[(mem.accesses - 1) % LOG];
}

static void put(uint64_t linear, uint64_t value, unsigned size) { memcpy(mem.bytes + linear, &value, size); }
static uint64_t get(uint64_t linear, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, mem.bytes + linear, size);
	return v;
}

/* A CPU in mode with flat segments (limit 4 GiB - 1), RIP 0x1000, RFLAGS 2. */
static struct x86_cpu cpu_in(enum x86_mode mode)
{
	memset(&mem, 0, sizeof(mem));
	memset(&ports, 0, sizeof(ports));
	mem.ro_first = ~0ull, mem.ro_last = 0; /* none */
	struct x86_cpu cpu = { .rip = 0x1000, .rflags = RFLAGS_FIXED, .mode = mode, .la57 = false };
	for (int s = 0; s < X86_SEG_COUNT; s++)
		cpu.seg[s] = (struct x86_segment){ .base = 0, .limit = 0xffffffff, .expand_down = false, .big = true };
	return cpu;
}

static struct x86_insn decode(enum x86_mode mode, const char *hex)
{
	uint8_t bytes[X86_MAX_INSN_LEN];
	size_t n = hex_bytes(hex, bytes, sizeof(bytes));
	struct x86_insn insn;
	assert_int_equal(x86_decode(bytes, n, mode, &insn), X86_DECODED);
	return insn;
}

/* Decodes and runs hex on cpu; returns what the executor said. */
static enum x86_emulation run(struct x86_cpu *cpu, const char *hex, struct x86_fault *fault)
{
	struct x86_insn insn = decode(cpu->mode, hex);
	return x86_emulate(&insn, cpu, &memory, fault);
}

static void run_ok(struct x86_cpu *cpu, const char *hex)
{
	struct x86_fault fault;
	uint64_t rip = cpu->rip;
	struct x86_insn insn = decode(cpu->mode, hex);
	enum x86_emulation done = x86_emulate(&insn, cpu, &memory, &fault);
	if (done != X86_EMULATED)
		fail_msg("%s: %d, vector %u", hex, (int)done, fault.vector);
	assert_int_equal(cpu->rip, rip + insn.length);
}

static void run_fault(struct x86_cpu *cpu, const char *hex, uint8_t vector, uint32_t error_code, uint64_t cr2)
{
	struct x86_fault fault = { 0, 0, 0 };
	struct x86_cpu before = *cpu;
	assert_int_equal(run(cpu, hex, &fault), X86_EMULATE_EXCEPTION);
	assert_int_equal(fault.vector, vector);
	assert_int_equal(fault.error_code, error_code);
	assert_int_equal(fault.cr2, cr2);
	assert_memory_equal(cpu, &before, sizeof(before)); /* nothing happened */
}

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

/* Flags worked out by hand from the SDM's definitions (vol.1 §3.4.3.1, vol.2 ADD, SUB,
 * CMP, AND, OR, XOR, TEST): CF the unsigned carry or borrow, OF the signed overflow, AF
 * the carry or borrow out of bit 3, ZF, SF the result's top bit, PF its low byte's parity
 * even. All six start set, so every flag is seen cleared and set. */
struct flags_row {
	const char *hex; /* op [rdi], eax-sized rax */
	uint64_t a, b, result, flags;
};
static const struct flags_row flag_rows[] = {
	{ "00 07", 0xff, 0x01, 0x00, CF | ZF | AF | PF },
	{ "00 07", 0x7f, 0x01, 0x80, OF | SF | AF },
	{ "00 07", 0x08, 0x08, 0x10, AF },
	{ "66 01 07", 0x8000, 0x8000, 0x0000, CF | OF | ZF | PF },
	{ "01 07", 0x7fffffff, 0x7fffffff, 0xfffffffe, OF | SF | AF },
	{ "48 01 07", 0xffffffffffffffff, 0x2, 0x1, CF | AF },
	{ "28 07", 0x00, 0x01, 0xff, CF | SF | AF | PF },
	{ "28 07", 0x80, 0x01, 0x7f, OF | AF },
	{ "29 07", 0x00000000, 0x00000001, 0xffffffff, CF | SF | AF | PF },
	{ "48 29 07", 0x8000000000000000, 0x1, 0x7fffffffffffffff, OF | AF | PF },
	{ "48 29 07", 0x5, 0x5, 0x0, ZF | PF },
	{ "66 29 07", 0x0010, 0x0001, 0x000f, AF | PF },
	{ "38 07", 0x05, 0x05, 0x05, ZF | PF },
	{ "39 07", 0x7fffffff, 0x80000000, 0x7fffffff, CF | OF | SF | PF },
	{ "21 07", 0xf0f0f0f0, 0x0ff00ff0, 0x00f000f0, PF },
	{ "48 21 07", 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000, SF | PF },
	{ "08 07", 0x80, 0x01, 0x81, SF | PF },
	{ "66 09 07", 0x0000, 0x0000, 0x0000, ZF | PF },
	{ "66 31 07", 0xffff, 0xffff, 0x0000, ZF | PF },
	{ "30 07", 0x0f, 0xf0, 0xff, SF | PF },
	{ "31 07", 0x1, 0x2, 0x3, PF },
	{ "31 07", 0x1, 0x0, 0x1, 0 },
	{ "85 07", 0x80000000, 0xffffffff, 0x80000000, SF | PF },
	{ "84 07", 0x0f, 0xf0, 0x0f, ZF | PF },
};

static void flags_from_the_sdm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(flag_rows) / sizeof(flag_rows[0]); i++) {
		const struct flags_row *r = &flag_rows[i];
		struct x86_cpu cpu = cpu_in(X86_MODE_64);
		cpu.rflags = RFLAGS_FIXED | RFLAGS_IF | DF | ARITH;
		cpu.gpr[X86_RDI] = 0x2000;
		cpu.gpr[X86_RAX] = r->b;
		put(0x2000, r->a, 8);
		run_ok(&cpu, r->hex);
		if (get(0x2000, 8) != r->result || cpu.rflags != (RFLAGS_FIXED | RFLAGS_IF | DF | r->flags))
			fail_msg("%s with 0x%llx, 0x%llx: 0x%llx, RFLAGS 0x%llx", r->hex, (unsigned long long)r->a,
				 (unsigned long long)r->b, (unsigned long long)get(0x2000, 8),
				 (unsigned long long)cpu.rflags);
	}
}

/* The host CPU runs the same operation: its result and flags (all six; AF only where the
 * SDM defines it). LAHF and SETO read them without touching the stack. */
#define HOST_OP(name, mnemonic, type)                                                                      \
	static uint64_t name(uint64_t a, uint64_t b, uint64_t *flags)                                     \
	{                                                                                                 \
		type x = (type)a, y = (type)b;                                                            \
		uint16_t ax;                                                                              \
		__asm__(mnemonic " %[y], %[x]\n\tlahf\n\tseto %%al" : [x] "+r"(x), "=&a"(ax) : [y] "r"(y) : "cc"); \
		*flags = (ax >> 8 & (CF | PF | AF | ZF | SF)) | (ax & 1 ? OF : 0);                        \
		return x;                                                                                 \
	}
#define HOST_OPS(prefix, mnemonic) \
	HOST_OP(prefix##8, mnemonic, uint8_t) HOST_OP(prefix##16, mnemonic, uint16_t) \
	HOST_OP(prefix##32, mnemonic, uint32_t) HOST_OP(prefix##64, mnemonic, uint64_t)
HOST_OPS(host_add, "add")
HOST_OPS(host_or, "or")
HOST_OPS(host_and, "and")
HOST_OPS(host_sub, "sub")
HOST_OPS(host_xor, "xor")
HOST_OPS(host_cmp, "cmp")
HOST_OPS(host_test, "test")

typedef uint64_t host_fn(uint64_t, uint64_t, uint64_t *);
struct host_case {
	const char *name;
	uint8_t opcode;      /* op r/m8, r8; +1 for the full sizes */
	bool writes, logical;
	host_fn *sizes[4];   /* 1, 2, 4, 8 bytes */
};
static const struct host_case host_cases[] = {
	{ "add", 0x00, true, false, { host_add8, host_add16, host_add32, host_add64 } },
	{ "or", 0x08, true, true, { host_or8, host_or16, host_or32, host_or64 } },
	{ "and", 0x20, true, true, { host_and8, host_and16, host_and32, host_and64 } },
	{ "sub", 0x28, true, false, { host_sub8, host_sub16, host_sub32, host_sub64 } },
	{ "xor", 0x30, true, true, { host_xor8, host_xor16, host_xor32, host_xor64 } },
	{ "cmp", 0x38, false, false, { host_cmp8, host_cmp16, host_cmp32, host_cmp64 } },
	{ "test", 0x84, false, true, { host_test8, host_test16, host_test32, host_test64 } },
};

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void check_against_host(const struct host_case *c, unsigned size_index, uint64_t a, uint64_t b)
{
	static const char *const prefixes[4] = { "", "66 ", "", "48 " };
	unsigned size = 1u << size_index;
	char hex[16];
	snprintf(hex, sizeof(hex), "%s%02x 07", prefixes[size_index], c->opcode + (size > 1));
	struct x86_cpu cpu = cpu_in(X86_MODE_64);
	cpu.gpr[X86_RDI] = 0x2000;
	cpu.gpr[X86_RAX] = b;
	put(0x2000, a, 8);
	run_ok(&cpu, hex);
	uint64_t host_flags, host_result = c->sizes[size_index](a, b, &host_flags);
	uint64_t compared = c->logical ? ARITH & ~AF : ARITH;
	uint64_t want_memory = c->writes ? (a & ~(size == 8 ? ~0ull : (1ull << 8 * size) - 1)) | host_result : a;
	if (get(0x2000, 8) != want_memory || (cpu.rflags & compared) != (host_flags & compared))
		fail_msg("%s%u 0x%llx, 0x%llx: Keel 0x%llx flags 0x%llx, host 0x%llx flags 0x%llx", c->name, size * 8,
			 (unsigned long long)a, (unsigned long long)b, (unsigned long long)get(0x2000, 8),
			 (unsigned long long)(cpu.rflags & compared), (unsigned long long)want_memory,
			 (unsigned long long)(host_flags & compared));
}

static void flags_match_the_host_cpu(void **state)
{
	(void)state;
	static const uint64_t edges[] = { 0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
					  0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffff,
					  0x8000000000000000, 0xffffffffffffffff };
	uint64_t seed = 0x9e3779b97f4a7c15;
	for (size_t c = 0; c < sizeof(host_cases) / sizeof(host_cases[0]); c++) {
		for (unsigned s = 0; s < 4; s++) {
			for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
				for (size_t j = 0; j < sizeof(edges) / sizeof(edges[0]); j++)
					check_against_host(&host_cases[c], s, edges[i], edges[j]);
			for (int n = 0; n < 500; n++) {
				uint64_t a = next_random(&seed), b = next_random(&seed);
				check_against_host(&host_cases[c], s, a, b);
				check_against_host(&host_cases[c], s, a, a ^ (b & 0x11)); /* near each other */
			}
		}
	}
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
		cmocka_unit_test(mov_and_the_register_rules),
		cmocka_unit_test(addressing),
		cmocka_unit_test(segment_limits),
		cmocka_unit_test(canonical_addresses),
		cmocka_unit_test(flags_from_the_sdm),
		cmocka_unit_test(flags_match_the_host_cpu),
		cmocka_unit_test(register_destinations_and_immediates),
		cmocka_unit_test(xchg),
		cmocka_unit_test(bit_tests),
		cmocka_unit_test(rep_movs_one_element_at_a_time),
		cmocka_unit_test(stos_and_16_bit_strings),
		cmocka_unit_test(string_port_io),
		cmocka_unit_test(faults_leave_everything_as_it_was),
		cmocka_unit_test(fetch_page_by_page),
		cmocka_unit_test(fetch_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
