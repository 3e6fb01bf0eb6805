/* The executor tests' fixture (test_x86_emulate_operands.c, test_x86_emulate_flags.c,
 * test_x86_emulate_strings.c, test_x86_emulate_faults.c): a plain test memory of 128 KiB at
 * linear 0 and two test ports behind the executor's callbacks, and instructions from the
 * decoder run on a CPU with flat segments. */
#ifndef KEEL_TESTS_UNIT_X86_EMULATE_FIXTURE_H
#define KEEL_TESTS_UNIT_X86_EMULATE_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/cpu.h"
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
struct test_memory {
	uint8_t bytes[MEM_SIZE];
	uint64_t ro_first, ro_last;
	bool abort;
	bool mirrored; /* fetches beyond the memory read it again from 0 */
	struct access log[LOG];
	unsigned accesses;
};
extern struct test_memory mem;

/* The test ports: port 0x60 counts its reads (1, 2, 3... in the size read), port 0xe9
 * keeps what was written, in order; reads and writes are logged as 'i' and 'o' with the
 * port as the address. */
struct test_ports {
	uint64_t reads;
	uint8_t written[64];
	unsigned nwritten;
};
extern struct test_ports ports;

extern const struct x86_memory memory; /* the callbacks on mem and ports */

struct access last_access(void);
void put(uint64_t linear, uint64_t value, unsigned size);
uint64_t get(uint64_t linear, unsigned size);
/* A CPU in mode with flat segments (limit 4 GiB - 1), RIP 0x1000, RFLAGS 2; mem and ports
 * cleared. */
struct x86_cpu cpu_in(enum x86_mode mode);
struct x86_insn decode(enum x86_mode mode, const char *hex);
/* Decodes and runs hex on cpu; returns what the executor said. */
enum x86_emulation run(struct x86_cpu *cpu, const char *hex, struct x86_fault *fault);
/* Runs hex, which the executor must finish, RIP past it. */
void run_ok(struct x86_cpu *cpu, const char *hex);
/* Runs hex, which must fault with vector, error_code and cr2 and change nothing. */
void run_fault(struct x86_cpu *cpu, const char *hex, uint8_t vector, uint32_t error_code, uint64_t cr2);

#endif
