/* sstep: single-stepping at CPL 0 across the instructions Keel emulates. Each sequence is
 * machine code written at 4 MiB: POPF sets RFLAGS.TF, then operations (each a few
 * instructions: CPUID, the hypercall instruction, OUT, IN, RDMSR, WRMSR, XSETBV, WBINVD,
 * INVD, HLT with a timer set, MOV to and from CR8, MOV SS, STI, and NOP and ADD, which do
 * not exit), then CLI, PUSHFQ, an AND clearing TF in the pushed flags, POPFQ and RET. A CPU
 * raises one #DB after each instruction run with TF set (SDM vol.3 §18.3.1.4), with DR6.BS,
 * and the saved RIP is the next instruction; none after the POPF that set TF, and none
 * after a MOV SS, whose trap comes with the next instruction's (§6.8.3). The #DB handler
 * records each RIP and DR6 and clears DR6; the sequence passes if the RIPs are exactly
 * those. First every operation alone, and MOV SS and STI before an exiting instruction,
 * one line each: "sstep: <case>: <n> #DB, each after its instruction, DR6.BS set"; then
 * count=<n> random sequences of 1-8 operations (default 200) from seed=<s> (default 1):
 * "sstep: <n> random sequences, seed <s>: <t> #DB, each after its instruction". Then the
 * summary; the exit status is the number of failed checks. Needs 8 MiB of RAM. */
#include "guests/lib/guest.h"
#include "lib/printf.h"

#define CODE_AT 0x400000ul
#define MAX_TRAPS 128
#define MAX_OPS 8
#define DR6_INIT 0xffff0ff0ull
#define DR6_BS (1ull << 14)
#define VECTOR_DB 1

struct insn {
	uint8_t len;
	uint8_t bytes[10];
	bool trap_deferred; /* MOV SS: its trap comes after the next instruction (SDM vol.3 §6.8.3) */
};

struct op {
	const char *name;
	unsigned count;
	struct insn insn[8];
	bool before_next; /* goes right before the next operation's last instruction */
};

#define I(n, ...) { .len = (n), .bytes = { __VA_ARGS__ } }
#define DEFERRED(n, ...) { .len = (n), .bytes = { __VA_ARGS__ }, .trap_deferred = true }
/* The hypercall instruction: VMCALL, patched to VMMCALL (0F 01 D9) on AMD. */
#define HYPERCALL I(3, 0x0f, 0x01, 0xc1)
#define MOV_EAX(n) I(5, 0xb8, (n), 0, 0, 0)
#define PORT_0X2FF I(5, 0xba, 0xff, 0x02, 0, 0) /* mov edx, 0x2ff: a port no device has */
#define ECX_PAT I(5, 0xb9, 0x77, 0x02, 0, 0)    /* mov ecx, 0x277 */

enum { OP_NOP, OP_ADD, OP_CPUID, OP_HYPERCALL, OP_YIELD, OP_HLT, OP_OUT, OP_IN, OP_RDMSR, OP_WRMSR, OP_XSETBV,
       OP_WBINVD, OP_INVD, OP_CR8, OP_MOV_SS, OP_STI, OP_COUNT };

static struct op ops[OP_COUNT] = {
	[OP_NOP] = { .name = "nop", .count = 1, .insn = { I(1, 0x90) } },
	[OP_ADD] = { .name = "add", .count = 1, .insn = { I(3, 0x48, 0x01, 0xd8) } },
	[OP_CPUID] = { .name = "cpuid", .count = 2, .insn = { I(2, 0x31, 0xc0), I(2, 0x0f, 0xa2) } },
	[OP_HYPERCALL] = { .name = "hypercall", .count = 2, .insn = { MOV_EAX(100), HYPERCALL } }, /* an unknown number: -ENOSYS */
	[OP_YIELD] = { .name = "yield", .count = 2, .insn = { MOV_EAX(KEEL_HC_YIELD), HYPERCALL } },
	/* set_timer(deadline: patched in); RFLAGS.IF set with PUSHFQ, OR and POPFQ (no STI, whose
	 * trap QEMU holds back: keel.py); HLT: the vCPU blocks until its timer event; CLI. */
	[OP_HLT] = { .name = "hlt", .count = 8, .insn = { MOV_EAX(KEEL_HC_SET_TIMER), I(10, 0x48, 0xbf), HYPERCALL,
							  I(1, 0x9c), I(8, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x02, 0, 0),
							  I(1, 0x9d), I(1, 0xf4), I(1, 0xfa) } },
	[OP_OUT] = { .name = "out", .count = 2, .insn = { PORT_0X2FF, I(1, 0xee) } },   /* out dx, al */
	[OP_IN] = { .name = "in", .count = 2, .insn = { PORT_0X2FF, I(1, 0xec) } },     /* in al, dx */
	[OP_RDMSR] = { .name = "rdmsr", .count = 2, .insn = { ECX_PAT, I(2, 0x0f, 0x32) } },
	[OP_WRMSR] = { .name = "wrmsr", .count = 3, .insn = { ECX_PAT, I(2, 0x0f, 0x32), I(2, 0x0f, 0x30) } },
	/* XCR0 written with what it holds (only where CPUID offers XSAVE). */
	[OP_XSETBV] = { .name = "xsetbv", .count = 3, .insn = { I(2, 0x31, 0xc9), I(3, 0x0f, 0x01, 0xd0), I(3, 0x0f, 0x01, 0xd1) } },
	[OP_WBINVD] = { .name = "wbinvd", .count = 1, .insn = { I(2, 0x0f, 0x09) } },
	[OP_INVD] = { .name = "invd", .count = 1, .insn = { I(2, 0x0f, 0x08) } },
	/* xor eax, eax; mov cr8, rax; mov rax, cr8 */
	[OP_CR8] = { .name = "cr8", .count = 3, .insn = { I(2, 0x31, 0xc0), I(4, 0x44, 0x0f, 0x22, 0xc0), I(4, 0x44, 0x0f, 0x20, 0xc0) } },
	/* mov r11d, ss; mov ss, r11d: right before the next operation's exiting instruction */
	[OP_MOV_SS] = { .name = "mov-ss", .count = 2, .insn = { I(3, 0x41, 0x8c, 0xd3), DEFERRED(3, 0x41, 0x8e, 0xd3) }, .before_next = true },
	[OP_STI] = { .name = "sti", .count = 1, .insn = { I(1, 0xfb) }, .before_next = true },
};

/* pushfq; or qword [rsp], 0x100; popfq */
static const struct insn prologue[] = { I(1, 0x9c), I(8, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0, 0), I(1, 0x9d) };
/* cli; pushfq; and qword [rsp], ~0x100; popfq (each with its #DB), then ret */
static const struct insn epilogue[] = { I(1, 0xfa), I(1, 0x9c),
					I(8, 0x48, 0x81, 0x24, 0x24, 0xff, 0xfe, 0xff, 0xff), I(1, 0x9d) };

static struct checks c = { .prog = "sstep" };
static bool have_xsave, sti_steps;
static struct {
	unsigned count;
	uint64_t rip[MAX_TRAPS], dr6[MAX_TRAPS];
} seen;
static struct {
	unsigned count;
	uint64_t rip[MAX_TRAPS];
} expected;

static void on_debug(struct guest_trap_frame *f)
{
	uint64_t dr6;
	__asm__ volatile("mov %%db6, %0" : "=r"(dr6));
	__asm__ volatile("mov %0, %%db6" : : "r"(DR6_INIT));
	if (seen.count < MAX_TRAPS) {
		seen.rip[seen.count] = f->rip;
		seen.dr6[seen.count] = dr6;
	}
	seen.count++;
}

static uint8_t *emit(uint8_t *p, const struct insn *in, bool stepped)
{
	for (unsigned i = 0; i < in->len; i++)
		*p++ = in->bytes[i];
	if (stepped && !in->trap_deferred && expected.count < MAX_TRAPS)
		expected.rip[expected.count++] = (uint64_t)(uintptr_t)p;
	return p;
}

static uint8_t *emit_op(uint8_t *p, const struct op *o)
{
	for (unsigned i = 0; i < o->count; i++)
		p = emit(p, &o->insn[i], true);
	return p;
}

/* Writes the sequence of these operations and what the #DBs must be. An operation marked
 * before_next goes right before the last instruction of the next one (the one that exits),
 * or before the epilogue's CLI. */
static void write_sequence(const unsigned *op, unsigned n)
{
	uint8_t *p = (uint8_t *)(uintptr_t)CODE_AT;
	const struct op *lead = NULL;
	expected.count = 0;
	for (unsigned i = 0; i < sizeof(prologue) / sizeof(prologue[0]); i++)
		p = emit(p, &prologue[i], false);
	for (unsigned k = 0; k < n; k++) {
		struct op *o = &ops[op[k]];
		if (o->before_next) {
			lead = o;
			continue;
		}
		if (op[k] == OP_HLT) {
			uint64_t deadline = guest_now_ns() + 200000; /* 200 us from now */
			for (unsigned b = 0; b < 8; b++)
				o->insn[1].bytes[2 + b] = (uint8_t)(deadline >> (8 * b));
		}
		for (unsigned i = 0; i + 1 < o->count; i++)
			p = emit(p, &o->insn[i], true);
		if (lead)
			p = emit_op(p, lead);
		lead = NULL;
		p = emit(p, &o->insn[o->count - 1], true);
	}
	if (lead)
		p = emit_op(p, lead);
	for (unsigned i = 0; i < sizeof(epilogue) / sizeof(epilogue[0]); i++)
		p = emit(p, &epilogue[i], true);
	*p = 0xc3; /* ret */
}

/* Runs the sequence; true if its #DBs were exactly the expected ones, each with DR6.BS. */
static bool run_sequence(const char *name)
{
	seen.count = 0;
	__asm__ volatile("call *%0"
			 : : "r"(CODE_AT)
			 : "rax", "rbx", "rcx", "rdx", "rdi", "r11", "memory", "cc");
	bool ok = seen.count == expected.count;
	for (unsigned i = 0; ok && i < seen.count; i++)
		ok = seen.rip[i] == expected.rip[i] && (seen.dr6[i] & DR6_BS);
	if (ok)
		return true;
	char got[160] = "", want[160] = "";
	for (unsigned i = 0, at = 0; i < seen.count && i < MAX_TRAPS && at < sizeof(got) - 24; i++)
		at += (unsigned)ksnprintf(got + at, sizeof(got) - at, " +0x%lx%s", seen.rip[i] - CODE_AT,
					 seen.dr6[i] & DR6_BS ? "" : "(no BS)");
	for (unsigned i = 0, at = 0; i < expected.count && at < sizeof(want) - 24; i++)
		at += (unsigned)ksnprintf(want + at, sizeof(want) - at, " +0x%lx", expected.rip[i] - CODE_AT);
	guest_printf("sstep: FAILED: %s: %u #DB at%s; expected %u at%s\n", name, seen.count, got, expected.count, want);
	return false;
}

static bool offered(unsigned op)
{
	return (op != OP_XSETBV || have_xsave) && (op != OP_STI || sti_steps);
}

static void fixed_case(const char *name, const unsigned *op, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		if (!offered(op[k]))
			return;
	write_sequence(op, n);
	if (check(&c, run_sequence(name), "%s", name))
		guest_printf("sstep: %s: %u #DB, each after its instruction, DR6.BS set\n", name, seen.count);
}

static void campaign(uint64_t count, uint64_t seed)
{
	struct xorshift64 r;
	xorshift64_seed(&r, seed);
	uint64_t traps = 0, failed = 0, s;
	for (s = 0; s < count; s++) {
		unsigned op[MAX_OPS], n = 1 + (unsigned)(xorshift64_next(&r) % MAX_OPS);
		for (unsigned k = 0; k < n; k++) {
			do
				op[k] = (unsigned)(xorshift64_next(&r) % OP_COUNT);
			while (!offered(op[k]) || (ops[op[k]].before_next && k && ops[op[k - 1]].before_next));
		}
		write_sequence(op, n);
		char name[48];
		ksnprintf(name, sizeof(name), "random sequence %lu", s);
		if (!run_sequence(name))
			failed++;
		if (failed == 10)
			break; /* enough to go on */
		traps += seen.count;
	}
	check(&c, !failed, "%lu of %lu random sequences", failed, count);
	guest_printf("sstep: %lu random sequences, seed %lu: %lu #DB, each after its instruction\n", count, seed, traps);
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t count = 200, seed = 1;
	cmdline_u64(boot->cmdline, "count", &count);
	cmdline_u64(boot->cmdline, "seed", &seed);
	guest_traps_init();
	guest_trap_handler(VECTOR_DB, on_debug);
	if (!guest_cpu_is_intel())
		for (unsigned i = 0; i < OP_COUNT; i++)
			for (unsigned k = 0; k < ops[i].count; k++)
				if (ops[i].insn[k].len == 3 && ops[i].insn[k].bytes[2] == 0xc1)
					ops[i].insn[k].bytes[2] = 0xd9; /* VMMCALL */
	have_xsave = cpuid(1, 0).ecx & (1u << 26);
	sti_steps = !cmdline_has_word(boot->cmdline, "no-sti-step");
	if (have_xsave)
		write_cr4(read_cr4() | CR4_OSXSAVE);

	for (unsigned op = 0; op < OP_COUNT; op++)
		fixed_case(ops[op].name, &op, 1);
	/* MOV SS and STI right before an instruction that exits. */
	static const unsigned pairs[][2] = { { OP_MOV_SS, OP_CPUID }, { OP_MOV_SS, OP_HYPERCALL }, { OP_MOV_SS, OP_OUT },
					     { OP_MOV_SS, OP_RDMSR }, { OP_STI, OP_CPUID }, { OP_STI, OP_HYPERCALL } };
	for (unsigned i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char name[32];
		ksnprintf(name, sizeof(name), "%s,%s", ops[pairs[i][0]].name, ops[pairs[i][1]].name);
		fixed_case(name, pairs[i], 2);
	}
	campaign(count, seed);
	return checks_summary(&c);
}
