/* bench: what Keel's exits cost, in instructions. Each figure is a loop of rounds=<n>
 * rounds (default 500) around one operation that exits, timed with RDTSC, minus the same
 * loop with a NOP in the operation's place, divided by the rounds and by the TSC ticks an
 * instruction takes, which a loop of known length measures first. That is exact where
 * virtual time follows the instruction count (QEMU's -icount, Bochs' clock: sync=none),
 * and says nothing elsewhere. Prints "bench: <figure> <instructions>" per figure, then
 * "bench: done".
 *
 * Every loop runs once briefly before it is timed (what happens only the first time, such
 * as a first exit of its kind, is not counted), and a timed sample counts for nothing
 * unless the vCPU took exactly the exits the loop makes (vcpu_exits before and after): one
 * Keel took for itself (a host interrupt) is taken again, up to MAX_TRIES times.
 *
 * The domain-switch figure needs a second domain: role=pong blocks until pong_ms=<ms>
 * (default 3000) of Keel's clock, then yields for two seconds (reading only the TSC, so
 * that it exits only to yield) and ends. The bench measures its other
 * figures alone, waits for that moment and then yields to it rounds times: each round is
 * two switches with their yields, and the figure is half a round. */
#include "guests/lib/guest.h"
#include "lib/string.h"

#define CALIBRATION_ROUNDS 20000 /* 60 000 instructions: short enough to be uninterrupted */
#define WARMUP_ROUNDS 8
#define MAX_TRIES 10
#define NOP1 ".byte 0x90\n"
#define NOP3 ".byte 0x0f, 0x1f, 0x00\n" /* a 3-byte NOP, for the 3-byte VMCALL/VMMCALL */
#define VMCALL ".byte 0x0f, 0x01, 0xc1\n"
#define VMMCALL ".byte 0x0f, 0x01, 0xd9\n"

static uint64_t rounds = 500;
static uint64_t ticks_per_kinsn; /* TSC ticks per 1000 instructions */

/* RDTSC after LFENCE: the instructions before it are done when the TSC is read. */
static uint64_t tsc_fenced(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* One loop, written out so that both of a pair have the same instructions but one: the
 * body, then "dec rcx; jnz". RCX counts; the body may use RAX, RDX, RSI, RDI, R8, R10. */
#define LOOP(name, body)                                                                      \
	static uint64_t name(uint64_t n, const void *buf)                                     \
	{                                                                                     \
		uint64_t t0 = tsc_fenced();                                                        \
		__asm__ volatile("1:\n" body "dec %%rcx\njnz 1b"                              \
				 : "+c"(n)                                                    \
				 : "D"(buf)                                                   \
				 : "rax", "rbx", "rdx", "rsi", "r8", "r10", "memory", "cc");  \
		return tsc_fenced() - t0;                                                          \
	}

/* Three instructions a round: its length is what calibrates. */
LOOP(calibration, NOP1)

LOOP(cpuid_op, "push %%rcx\nxor %%eax, %%eax\nxor %%ecx, %%ecx\ncpuid\npop %%rcx\n")
LOOP(cpuid_nop, "push %%rcx\nxor %%eax, %%eax\nxor %%ecx, %%ecx\n" NOP1 "pop %%rcx\n")
LOOP(null_vmcall, "mov $0xffff, %%eax\n" VMCALL)
LOOP(null_vmmcall, "mov $0xffff, %%eax\n" VMMCALL)
LOOP(null_nop, "mov $0xffff, %%eax\n" NOP3)
LOOP(write_vmcall, "mov $1, %%eax\nmov $8, %%esi\n" VMCALL)
LOOP(write_vmmcall, "mov $1, %%eax\nmov $8, %%esi\n" VMMCALL)
LOOP(write_nop, "mov $1, %%eax\nmov $8, %%esi\n" NOP3)
LOOP(yield_vmcall, "mov $2, %%eax\n" VMCALL)
LOOP(yield_vmmcall, "mov $2, %%eax\n" VMMCALL)
LOOP(yield_nop, "mov $2, %%eax\n" NOP3)
LOOP(port_read, "mov $0x3ff, %%dx\ninb %%dx, %%al\n")   /* the UART's scratch register */
LOOP(port_write, "mov $0x3ff, %%dx\noutb %%al, %%dx\n")
LOOP(port_nothing, "mov $0x2f0, %%dx\ninb %%dx, %%al\n") /* no device: all ones */
LOOP(port_nop, "mov $0x3ff, %%dx\n" NOP1)
LOOP(msr_op, "push %%rcx\nmov $0x277, %%ecx\nrdmsr\npop %%rcx\n") /* PAT */
LOOP(msr_nop, "push %%rcx\nmov $0x277, %%ecx\n" NOP1 "pop %%rcx\n")
/* The xAPIC's TPR through its page (buf = its address): MOV r32, r/m32 (8B /r). */
LOOP(apic_tpr_read, "mov (%%rdi), %%eax\n")
LOOP(apic_tpr_nop, NOP1 NOP1)
/* An EOI through the x2APIC's MSR 0x80b (with no vector in service it changes nothing). */
LOOP(x2apic_eoi_op, "push %%rcx\nmov $0x80b, %%ecx\nxor %%eax, %%eax\nxor %%edx, %%edx\nwrmsr\npop %%rcx\n")
LOOP(x2apic_eoi_nop, "push %%rcx\nmov $0x80b, %%ecx\nxor %%eax, %%eax\nxor %%edx, %%edx\n" NOP1 "pop %%rcx\n")

#define APIC_PAGE 0xfee00000ull
#define APIC_TPR 0x80
#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode (SDM vol.3 §11.12.1) */
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_SELF_IPI 0x83f
#define IPI_VECTOR 0x40

static bool intel;

typedef uint64_t (*loop_fn)(uint64_t n, const void *buf);

/* The TSC ticks of n rounds of loop, which exits exits_per_round times a round: warmed up,
 * then timed until a sample has no exit but its own. */
static uint64_t measure(loop_fn loop, uint64_t n, const void *buf, uint64_t exits_per_round, const char *figure)
{
	loop(WARMUP_ROUNDS, buf);
	for (unsigned try = 0; try < MAX_TRIES; try++) {
		long before = hc_vcpu_exits();
		uint64_t ticks = loop(n, buf);
		long after = hc_vcpu_exits();
		if ((uint64_t)(after - before) == n * exits_per_round + 1) /* + the second call's */
			return ticks;
	}
	guest_printf("bench: %s: Keel interrupted all %u samples\n", figure, MAX_TRIES);
	guest_exit(1);
}

static uint64_t hypercall_loop(loop_fn on_intel, loop_fn on_amd, const void *buf, const char *figure)
{
	return measure(intel ? on_intel : on_amd, rounds, buf, 1, figure);
}

/* #UD from a virtualization instruction, which exits and which Keel injects (VMXON on
 * Intel, VMRUN on AMD; the other vendor's raises #UD without an exit), against UD2, which
 * raises #UD in the guest without an exit; both go through the guest runtime's handler. */
static uint64_t ud_loop(uint64_t n, const void *buf)
{
	static uint8_t operand[4096] __attribute__((aligned(4096)));
	bool exit = buf != NULL;
	uint64_t t0 = tsc_fenced();
	for (uint64_t i = n; i; i--) {
		if (!exit) {
			guest_expect_trap(2);
			__asm__ volatile("ud2" ::: "memory");
		} else if (intel) {
			guest_expect_trap(4);
			__asm__ volatile(".byte 0xf3, 0x0f, 0xc7, 0x30" : : "a"(operand) : "memory"); /* VMXON [rax] */
		} else {
			guest_expect_trap(3);
			__asm__ volatile(".byte 0x0f, 0x01, 0xd8" : : "a"(operand) : "memory"); /* VMRUN */
		}
		guest_trap_vector(NULL);
	}
	return tsc_fenced() - t0;
}

/* From the write that makes an interrupt pending to its handler's first instruction: a
 * self-IPI through the x2APIC's SELF IPI MSR with interrupts on (its WRMSR exits, Keel
 * injects the vector at the entry), against INT n to the same handler, which does not exit.
 * The handler reads the TSC first, then ends the interrupt with an EOI (an exit each time,
 * not timed). buf != NULL: the self-IPI. */
static volatile uint64_t handler_tsc;

static void on_ipi(struct guest_trap_frame *f)
{
	(void)f;
	handler_tsc = tsc_fenced();
	wrmsr(MSR_X2APIC_EOI, 0);
}

static uint64_t ipi_loop(uint64_t n, const void *buf)
{
	uint64_t ticks = 0;
	__asm__ volatile("sti");
	for (uint64_t i = n; i; i--) {
		uint64_t t0 = tsc_fenced();
		if (buf)
			wrmsr(MSR_X2APIC_SELF_IPI, IPI_VECTOR);
		else
			__asm__ volatile("int %0" : : "i"(IPI_VECTOR) : "memory");
		ticks += handler_tsc - t0;
	}
	__asm__ volatile("cli");
	return ticks;
}

static void report(const char *figure, uint64_t with, uint64_t without, uint64_t per_round)
{
	int64_t ticks = (int64_t)with - (int64_t)without;
	int64_t scale = (int64_t)(ticks_per_kinsn * rounds * per_round);
	int64_t insns = (ticks * 1000 + (ticks >= 0 ? scale / 2 : -scale / 2)) / scale;
	guest_printf("bench: %s %ld\n", figure, (long)insns);
}

static void block_until_ms(uint64_t ms)
{
	while (guest_now_ns() < ms * 1000000)
		hc_block(ms * 1000000);
}

int guest_main(const struct guest_boot *boot)
{
	/* Eight carriage returns: console_write copies and reads them, and Keel drops them, so
	 * the figure is the call's own cost, not the serial line's. */
	static const char drop[8] = "\r\r\r\r\r\r\r\r";
	char role[8] = "";
	uint64_t pong_ms = 3000;
	cmdline_value(boot->cmdline, "role", role, sizeof(role));
	cmdline_u64(boot->cmdline, "rounds", &rounds);
	cmdline_u64(boot->cmdline, "pong_ms", &pong_ms);
	intel = guest_cpu_is_intel();
	if (!strcmp(role, "pong")) {
		block_until_ms(pong_ms);
		struct keel_time t;
		hc_time(&t);
		uint64_t end = tsc_fenced() + 2 * t.tsc_hz;
		while (tsc_fenced() < end)
			hc_yield();
		return 0;
	}
	guest_traps_init();
	guest_trap_handler(IPI_VECTOR, on_ipi);
	ticks_per_kinsn = measure(calibration, CALIBRATION_ROUNDS, NULL, 0, "calibration") * 1000 /
			  (3 * CALIBRATION_ROUNDS);
	if (!ticks_per_kinsn) {
		guest_printf("bench: the TSC does not tick per instruction here\n");
		return 1;
	}
	const void *apic_tpr = (const void *)(uintptr_t)(APIC_PAGE + APIC_TPR);
	report("cpuid", measure(cpuid_op, rounds, NULL, 1, "cpuid"), measure(cpuid_nop, rounds, NULL, 0, "cpuid"), 1);
	report("null_hypercall", hypercall_loop(null_vmcall, null_vmmcall, NULL, "null_hypercall"),
	       measure(null_nop, rounds, NULL, 0, "null_hypercall"), 1);
	report("port_read", measure(port_read, rounds, NULL, 1, "port_read"), measure(port_nop, rounds, NULL, 0, "port_read"), 1);
	report("port_write", measure(port_write, rounds, NULL, 1, "port_write"),
	       measure(port_nop, rounds, NULL, 0, "port_write"), 1);
	report("port_no_device", measure(port_nothing, rounds, NULL, 1, "port_no_device"),
	       measure(port_nop, rounds, NULL, 0, "port_no_device"), 1);
	report("console_write_8", hypercall_loop(write_vmcall, write_vmmcall, drop, "console_write_8"),
	       measure(write_nop, rounds, drop, 0, "console_write_8"), 1);
	report("msr_emulated", measure(msr_op, rounds, NULL, 1, "msr_emulated"),
	       measure(msr_nop, rounds, NULL, 0, "msr_emulated"), 1);
	report("exception_reflected", measure(ud_loop, rounds, drop, 1, "exception_reflected"),
	       measure(ud_loop, rounds, NULL, 0, "exception_reflected"), 1);
	report("apic_tpr_read", measure(apic_tpr_read, rounds, apic_tpr, 1, "apic_tpr_read"),
	       measure(apic_tpr_nop, rounds, apic_tpr, 0, "apic_tpr_read"), 1);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	report("x2apic_eoi", measure(x2apic_eoi_op, rounds, NULL, 1, "x2apic_eoi"),
	       measure(x2apic_eoi_nop, rounds, NULL, 0, "x2apic_eoi"), 1);
	report("interrupt_to_handler", measure(ipi_loop, rounds, drop, 2, "interrupt_to_handler"),
	       measure(ipi_loop, rounds, NULL, 1, "interrupt_to_handler"), 1);
	if (guest_now_ns() >= pong_ms * 1000000) {
		guest_printf("bench: the figures took past pong_ms: the switches would have run beside them\n");
		return 1;
	}
	block_until_ms(pong_ms + 1);
	report("domain_switch", hypercall_loop(yield_vmcall, yield_vmmcall, NULL, "domain_switch"),
	       measure(yield_nop, rounds, NULL, 0, "domain_switch"), 2);
	guest_printf("bench: done\n");
	return 0;
}
