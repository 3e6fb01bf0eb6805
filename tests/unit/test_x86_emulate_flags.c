/* The executor's arithmetic flags (vmm/x86_emulate.c): against a table worked out from the
 * SDM's definitions and against the host CPU. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "tests/unit/x86_emulate_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flags_from_the_sdm),
		cmocka_unit_test(flags_match_the_host_cpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
