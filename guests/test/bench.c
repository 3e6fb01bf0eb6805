/* bench: what Keel's exits cost, in instructions. Each figure is a loop of rounds=<n>
 * rounds (default 500) around one operation that exits, timed with RDTSC, minus the same
 * loop with a NOP in the operation's place, divided by the rounds and by the TSC ticks an
 * instruction takes, which a loop of known length measures first. That is exact where
 * virtual time follows the instruction count (QEMU's -icount, Bochs' clock: sync=none),
 * and says nothing elsewhere. Prints "bench: <figure> <instructions>" per figure, then
 * "bench: done".
 *
 * The domain-switch figure needs a second domain: role=pong blocks until pong_ms=<ms>
 * (default 3000) of Keel's clock, then yields for two seconds (reading only the TSC, so
 * that it exits only to yield) and ends. The bench measures its other
 * figures alone, waits for that moment and then yields to it rounds times: each round is
 * two switches with their yields, and the figure is half a round. */
#include "guests/lib/guest.h"
#include "lib/string.h"

#define CALIBRATION_ROUNDS 100000
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

static bool intel;

static uint64_t hypercall_loop(uint64_t (*on_intel)(uint64_t, const void *), uint64_t (*on_amd)(uint64_t, const void *),
			       const void *buf)
{
	return (intel ? on_intel : on_amd)(rounds, buf);
}

/* #UD from a virtualization instruction, which exits and which Keel injects (VMXON on
 * Intel, VMRUN on AMD; the other vendor's raises #UD without an exit), against UD2, which
 * raises #UD in the guest without an exit; both go through the guest runtime's handler. */
static uint64_t ud_loop(bool exit)
{
	static uint8_t operand[4096] __attribute__((aligned(4096)));
	uint64_t t0 = tsc_fenced();
	for (uint64_t i = rounds; i; i--) {
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
	ticks_per_kinsn = calibration(CALIBRATION_ROUNDS, NULL) * 1000 / (3 * CALIBRATION_ROUNDS);
	if (!ticks_per_kinsn) {
		guest_printf("bench: the TSC does not tick per instruction here\n");
		return 1;
	}
	report("cpuid", cpuid_op(rounds, NULL), cpuid_nop(rounds, NULL), 1);
	report("null_hypercall", hypercall_loop(null_vmcall, null_vmmcall, NULL), null_nop(rounds, NULL), 1);
	report("port_read", port_read(rounds, NULL), port_nop(rounds, NULL), 1);
	report("port_write", port_write(rounds, NULL), port_nop(rounds, NULL), 1);
	report("port_no_device", port_nothing(rounds, NULL), port_nop(rounds, NULL), 1);
	report("console_write_8", hypercall_loop(write_vmcall, write_vmmcall, drop), write_nop(rounds, drop), 1);
	report("msr_emulated", msr_op(rounds, NULL), msr_nop(rounds, NULL), 1);
	report("exception_reflected", ud_loop(true), ud_loop(false), 1);
	if (guest_now_ns() >= pong_ms * 1000000) {
		guest_printf("bench: the figures took past pong_ms: the switches would have run beside them\n");
		return 1;
	}
	block_until_ms(pong_ms + 1);
	report("domain_switch", hypercall_loop(yield_vmcall, yield_vmmcall, NULL), yield_nop(rounds, NULL), 2);
	guest_printf("bench: done\n");
	return 0;
}
