/* The fixture of the executor tests: x86_emulate_fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/hex_bytes.h"
#include "tests/unit/x86_emulate_fixture.h"

struct test_memory mem;
struct test_ports ports;

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

const struct x86_memory memory = { NULL, mem_fetch, mem_read, mem_write, mem_check_write, port_in, port_out };

struct access last_access(void)
{
	assert_true(mem.accesses > 0);
	return mem.log[(mem.accesses - 1) % LOG];
}

void put(uint64_t linear, uint64_t value, unsigned size) { memcpy(mem.bytes + linear, &value, size); }
uint64_t get(uint64_t linear, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, mem.bytes + linear, size);
	return v;
}

/* A CPU in mode with flat segments (limit 4 GiB - 1), RIP 0x1000, RFLAGS 2. */
struct x86_cpu cpu_in(enum x86_mode mode)
{
	memset(&mem, 0, sizeof(mem));
	memset(&ports, 0, sizeof(ports));
	mem.ro_first = ~0ull, mem.ro_last = 0; /* none */
	struct x86_cpu cpu = { .rip = 0x1000, .rflags = RFLAGS_FIXED, .mode = mode, .la57 = false };
	for (int s = 0; s < X86_SEG_COUNT; s++)
		cpu.seg[s] = (struct x86_segment){ .base = 0, .limit = 0xffffffff, .expand_down = false, .big = true };
	return cpu;
}

struct x86_insn decode(enum x86_mode mode, const char *hex)
{
	uint8_t bytes[X86_MAX_INSN_LEN];
	size_t n = hex_bytes(hex, bytes, sizeof(bytes));
	struct x86_insn insn;
	assert_int_equal(x86_decode(bytes, n, mode, &insn), X86_DECODED);
	return insn;
}

/* Decodes and runs hex on cpu; returns what the executor said. */
enum x86_emulation run(struct x86_cpu *cpu, const char *hex, struct x86_fault *fault)
{
	struct x86_insn insn = decode(cpu->mode, hex);
	return x86_emulate(&insn, cpu, &memory, fault);
}

void run_ok(struct x86_cpu *cpu, const char *hex)
{
	struct x86_fault fault;
	uint64_t rip = cpu->rip;
	struct x86_insn insn = decode(cpu->mode, hex);
	enum x86_emulation done = x86_emulate(&insn, cpu, &memory, &fault);
	if (done != X86_EMULATED)
		fail_msg("%s: %d, vector %u", hex, (int)done, fault.vector);
	assert_int_equal(cpu->rip, rip + insn.length);
}

void run_fault(struct x86_cpu *cpu, const char *hex, uint8_t vector, uint32_t error_code, uint64_t cr2)
{
	struct x86_fault fault = { 0, 0, 0 };
	struct x86_cpu before = *cpu;
	assert_int_equal(run(cpu, hex, &fault), X86_EMULATE_EXCEPTION);
	assert_int_equal(fault.vector, vector);
	assert_int_equal(fault.error_code, error_code);
	assert_int_equal(fault.cr2, cr2);
	assert_memory_equal(cpu, &before, sizeof(before)); /* nothing happened */
}
