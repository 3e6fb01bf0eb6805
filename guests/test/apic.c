/* apic: the vCPU's local APIC as the SDM describes it (vol.3 chapter 11), through its xAPIC
 * page at 0xfee00000 and, at the end, its x2APIC MSRs:
 *   - what Keel leaves it as, as a PC's firmware would: ID 0, version 0x14 with six LVTs,
 *     software-enabled with spurious vector 0xff, LINT0 ExtINT and LINT1 NMI (virtual wire);
 *     CPUID offering x2APIC and the TSC deadline timer, APIC_BASE 0xfee00900;
 *   - self-IPIs: one taken at once; four sent with interrupts off taken highest first; a
 *     vector of a class TPR holds back waits until TPR falls; ISR and PPR inside a handler;
 *   - the timer: one-shot (never early, current count running down, 0 after), periodic
 *     (count interrupts, each at or after its period, woken from HLT), each also against
 *     the ACPI PM timer, TSC-deadline (the MSR reads 0 once it fired);
 *   - a periodic timer of 1 ns (Keel fires it every 20 us at most) leaves the guest running:
 *     a loop of 20000 rounds ends;
 *   - NMIs through the ICR (delivery mode NMI to its own ID): taken with interrupts off;
 *     one sent from the NMI handler waits until that handler's IRET, never nesting in it;
 *   - x2APIC mode: the ID and version MSRs, a self-IPI through the SELF IPI MSR, the EOI
 *     MSR, the xAPIC page gone (all ones).
 * Prints "apic: <n> checks passed" (or each failure); the exit status is the number of
 * failed checks. */
#include "guests/lib/guest.h"

#define LAPIC 0xfee00000ull
#define REG_ID 0x20
#define REG_VERSION 0x30
#define REG_TPR 0x80
#define REG_PPR 0xa0
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ISR 0x100
#define REG_IRR 0x200
#define REG_ICR_LOW 0x300
#define REG_ICR_HIGH 0x310
#define ICR_NMI (4u << 8) /* delivery mode NMI, physical destination in ICR_HIGH */
#define VECTOR_NMI 2
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC(reg) (0x800 + ((reg) >> 4))
#define MSR_SELF_IPI 0x83f
#define ICR_SELF (1u << 18) /* destination shorthand 01: self, fixed delivery */
#define TIMER_PERIODIC (1u << 17)
#define TIMER_TSC_DEADLINE (2u << 17)
#define DIVIDE_BY_1 0xb
#define TIMER_VECTOR 0x30
#define NS_PER_MS 1000000ull
#define PM_TIMER 0x608 /* the virtual PC's ACPI PM timer: 32 bits at 3.579545 MHz */
#define PM_TICKS_PER_MS 3579 /* 3579.545, rounded down: a bound no expiry may come before */
/* The periodic timer's test: long enough a period that an emulated CPU, where each xAPIC
 * access in the handler is an exit and an instruction fetch, ends the handler well within
 * it (a handler longer than the period would be interrupted at each IRET, on any CPU). */
#define PERIOD_MS 5
#define PERIODS 10

static struct checks c = { .prog = "apic" };
static bool x2apic;

static uint32_t rd(unsigned reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC(reg));
	return *(volatile uint32_t *)(uintptr_t)(LAPIC + reg);
}

static void wr(unsigned reg, uint32_t value)
{
	if (x2apic)
		wrmsr(MSR_X2APIC(reg), value);
	else
		*(volatile uint32_t *)(uintptr_t)(LAPIC + reg) = value;
}

/* What the handlers saw: the vectors in the order taken, and Keel's clock, the TSC and the
 * ACPI PM timer at each. */
static volatile unsigned taken;
static volatile uint8_t order[64];
static volatile uint64_t when[64], when_tsc[64];
static volatile uint32_t when_pm[64];
static volatile uint32_t isr_seen, ppr_seen;

static void on_interrupt(struct guest_trap_frame *f)
{
	unsigned i = taken;
	if (i < 64) {
		order[i] = (uint8_t)f->vector;
		when[i] = guest_now_ns();
		when_tsc[i] = rdtsc();
		when_pm[i] = inl(PM_TIMER);
	}
	isr_seen = rd(REG_ISR + 0x10 * (f->vector / 32));
	ppr_seen = rd(REG_PPR);
	taken = i + 1;
	wr(REG_EOI, 0);
}

static void self_ipi(uint8_t vector)
{
	if (x2apic)
		wrmsr(MSR_SELF_IPI, vector);
	else
		wr(REG_ICR_LOW, ICR_SELF | vector);
}

static void check_reset_state(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	check(&c, (r.ebx >> 24) == 0 && (r.edx & (1u << 9)) && (r.ecx & (1u << 21)) && (r.ecx & (1u << 24)),
	      "CPUID.1: APIC ID %u, APIC %u, x2APIC %u, TSC-deadline %u", r.ebx >> 24, (r.edx >> 9) & 1,
	      (r.ecx >> 21) & 1, (r.ecx >> 24) & 1);
	check(&c, rdmsr(MSR_APIC_BASE) == 0xfee00900, "APIC_BASE 0x%lx", rdmsr(MSR_APIC_BASE));
	check(&c, rd(REG_ID) == 0 && rd(REG_VERSION) == 0x50014, "ID 0x%x, version 0x%x", rd(REG_ID),
	      rd(REG_VERSION));
	check(&c, rd(REG_SVR) == 0x1ff && rd(REG_LVT_LINT0) == 0x700 && rd(REG_LVT_LINT1) == 0x400 &&
	      rd(REG_LVT_TIMER) == 0x10000 && rd(REG_TPR) == 0, "SVR 0x%x, LINT0 0x%x, LINT1 0x%x, timer 0x%x, TPR 0x%x",
	      rd(REG_SVR), rd(REG_LVT_LINT0), rd(REG_LVT_LINT1), rd(REG_LVT_TIMER), rd(REG_TPR));
}

static void check_self_ipis(void)
{
	taken = 0;
	__asm__ volatile("sti");
	self_ipi(0x50);
	__asm__ volatile("cli");
	check(&c, taken == 1 && order[0] == 0x50, "a self-IPI of 0x50: %u taken", taken);
	check(&c, isr_seen == 1u << (0x50 % 32) && ppr_seen == 0x50, "in its handler ISR 0x%x, PPR 0x%x", isr_seen,
	      ppr_seen);
	taken = 0;
	static const uint8_t sent[] = { 0x40, 0x90, 0x65, 0x91 };
	for (unsigned i = 0; i < 4; i++)
		self_ipi(sent[i]);
	/* IRR word n (at 0x200 + 0x10 * n) holds vectors 32n to 32n + 31. */
	check(&c, rd(REG_IRR + 0x20) == 1u && rd(REG_IRR + 0x30) == (1u << 5) &&
		      rd(REG_IRR + 0x40) == ((1u << 16) | (1u << 17)),
	      "IRR with four pending: 0x%x 0x%x 0x%x", rd(REG_IRR + 0x20), rd(REG_IRR + 0x30), rd(REG_IRR + 0x40));
	__asm__ volatile("sti; nop; cli");
	check(&c, taken == 4 && order[0] == 0x91 && order[1] == 0x90 && order[2] == 0x65 && order[3] == 0x40,
	      "four self-IPIs: %u taken, 0x%x 0x%x 0x%x 0x%x", taken, order[0], order[1], order[2], order[3]);
	taken = 0;
	wr(REG_TPR, 0x70);
	__asm__ volatile("sti");
	self_ipi(0x65);
	__asm__ volatile("nop; cli");
	check(&c, taken == 0 && rd(REG_PPR) == 0x70, "0x65 under TPR 0x70: %u taken, PPR 0x%x", taken, rd(REG_PPR));
	__asm__ volatile("sti");
	wr(REG_TPR, 0x50);
	__asm__ volatile("nop; cli");
	check(&c, taken == 1 && order[0] == 0x65, "0x65 once TPR fell to 0x50: %u taken", taken);
	wr(REG_TPR, 0);

	/* CR8 is TPR[7:4] (SDM vol.3 §11.8.6.1): a MOV to CR8 holds 0x65 back, and lowering
	 * it lets it through at once, before the next instruction ends (SDM vol.3 §11.8.3.1:
	 * PPR follows TPR). */
	taken = 0;
	__asm__ volatile("mov %0, %%cr8" : : "r"(7ull));
	uint32_t tpr_by_cr8 = rd(REG_TPR);
	__asm__ volatile("sti");
	self_ipi(0x65);
	__asm__ volatile("nop; cli");
	unsigned held = taken;
	__asm__ volatile("sti; mov %0, %%cr8; nop; cli" : : "r"(0ull));
	check(&c, tpr_by_cr8 == 0x70 && held == 0, "CR8 7: TPR 0x%x, %u taken under it", tpr_by_cr8, held);
	check(&c, taken == 1 && order[0] == 0x65 && rd(REG_TPR) == 0, "0x65 once CR8 fell to 0: %u taken, TPR 0x%x",
	      taken, rd(REG_TPR));
}

/* A second of Keel's clock at most: the check that follows then fails rather than hangs. */
static void wait_for(unsigned n)
{
	guest_wait_interrupts(&taken, n, 1000 * NS_PER_MS);
}

static void check_timer(void)
{
	wr(REG_TIMER_DIVIDE, DIVIDE_BY_1);
	wr(REG_LVT_TIMER, TIMER_VECTOR);
	taken = 0;
	uint64_t start = guest_now_ns();
	uint32_t pm_one_shot = inl(PM_TIMER);
	wr(REG_TIMER_INITIAL, 2 * NS_PER_MS);
	uint32_t first = rd(REG_TIMER_CURRENT);
	/* The count read is what was left when it was read: at least 2 ms less the time since
	 * start, however long Keel ran other domains meanwhile (the timer runs on). */
	uint64_t read_by = guest_now_ns() - start;
	uint64_t least = read_by < 2 * NS_PER_MS ? 2 * NS_PER_MS - read_by : 0;
	wait_for(1);
	check(&c, when[0] >= start + 2 * NS_PER_MS && first <= 2 * NS_PER_MS && first >= least,
	      "one-shot of 2 ms: taken %lu ns after, current count %u read %lu ns after", when[0] - start, first,
	      read_by);
	check(&c, rd(REG_TIMER_CURRENT) == 0, "one-shot: current count 0x%x once it fired", rd(REG_TIMER_CURRENT));
	uint32_t one_shot_pm = when_pm[0] - pm_one_shot;

	taken = 0;
	wr(REG_LVT_TIMER, TIMER_PERIODIC | TIMER_VECTOR);
	start = guest_now_ns();
	uint32_t pm_periodic = inl(PM_TIMER);
	wr(REG_TIMER_INITIAL, PERIOD_MS * NS_PER_MS);
	wait_for(PERIODS);
	wr(REG_TIMER_INITIAL, 0);
	unsigned early = 0, early_pm = 0;
	for (unsigned i = 0; i < PERIODS; i++) {
		early += when[i] < start + (i + 1) * PERIOD_MS * NS_PER_MS;
		early_pm += (uint32_t)(when_pm[i] - pm_periodic) < (i + 1) * PERIOD_MS * PM_TICKS_PER_MS;
	}
	check(&c, taken == PERIODS && early == 0, "periodic of %u ms: %u taken, %u early", PERIOD_MS, taken, early);
	/* The same expiries against the ACPI PM timer, read before arming and in the handler. */
	check(&c, one_shot_pm >= 2 * PM_TICKS_PER_MS && early_pm == 0,
	      "against the PM timer: one-shot of 2 ms after %u ticks (%u at least), %u of %u periods early",
	      one_shot_pm, 2 * PM_TICKS_PER_MS, early_pm, PERIODS);

	taken = 0;
	wr(REG_LVT_TIMER, TIMER_TSC_DEADLINE | TIMER_VECTOR);
	/* 20 ms ahead: far enough that the MSR is read back before it fires, under emulation. */
	struct keel_time time;
	hc_time(&time);
	uint64_t deadline = rdtsc() + time.tsc_hz / 50;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	check(&c, rdmsr(MSR_TSC_DEADLINE) == deadline, "TSC deadline: reads 0x%lx before it fired, expected 0x%lx",
	      rdmsr(MSR_TSC_DEADLINE), deadline);
	wait_for(1);
	check(&c, taken == 1 && when_tsc[0] >= deadline && rdmsr(MSR_TSC_DEADLINE) == 0,
	      "TSC deadline: %u taken, %ld TSC ticks after it, the MSR reads 0x%lx", taken,
	      (long)(when_tsc[0] - deadline), rdmsr(MSR_TSC_DEADLINE));
	wr(REG_LVT_TIMER, 0x10000);
}

/* The handler ends no interrupt: the timer's vector stays in service, its later expiries
 * wait in IRR (one bit: one interrupt), and the loop runs while the timer keeps firing.
 * Each firing ends the vCPU's run; the loop ends only if the guest runs between them. */
#define FAST_VECTOR 0x41
static volatile unsigned fast_ticks;

static void on_fast_tick(struct guest_trap_frame *f)
{
	(void)f;
	fast_ticks++;
}

static void check_timer_floor(void)
{
	guest_trap_handler(FAST_VECTOR, on_fast_tick);
	wr(REG_TIMER_DIVIDE, DIVIDE_BY_1);
	wr(REG_LVT_TIMER, TIMER_PERIODIC | FAST_VECTOR);
	wr(REG_TIMER_INITIAL, 1);
	__asm__ volatile("sti");
	for (volatile unsigned i = 0; i < 20000; i++)
		;
	__asm__ volatile("cli");
	wr(REG_TIMER_INITIAL, 0);
	wr(REG_LVT_TIMER, 0x10000);
	wr(REG_EOI, 0);
	__asm__ volatile("sti; nop; cli"); /* the expiry that waited in IRR */
	wr(REG_EOI, 0);
	guest_trap_handler(FAST_VECTOR, NULL);
	check(&c, fast_ticks == 2, "a periodic timer of 1 ns beside a loop of 20000 rounds: %u interrupts taken, "
	      "2 expected (one during the loop, one that waited)", fast_ticks);
}

static volatile unsigned nmis, nmi_depth, nmi_deepest;
static volatile bool nmi_again;

static void send_nmi_to_self(void)
{
	wr(REG_ICR_HIGH, 0); /* APIC ID 0: this one */
	wr(REG_ICR_LOW, ICR_NMI);
}

/* Counts, and how deep NMIs nested; sends one more NMI when asked to, which must wait for
 * this handler's IRET (SDM vol.3 §6.7.1). */
static void on_nmi(struct guest_trap_frame *f)
{
	(void)f;
	nmi_depth++;
	if (nmi_depth > nmi_deepest)
		nmi_deepest = nmi_depth;
	nmis++;
	if (nmi_again) {
		nmi_again = false;
		send_nmi_to_self();
	}
	nmi_depth--;
}

static void check_nmi(void)
{
	guest_trap_handler(VECTOR_NMI, on_nmi);
	__asm__ volatile("cli");
	send_nmi_to_self();
	check(&c, nmis == 1 && nmi_deepest == 1, "an NMI through the ICR with interrupts off: %u taken", nmis);
	nmi_again = true;
	send_nmi_to_self();
	unsigned after_return = nmis;
	check(&c, after_return == 3 && nmi_deepest == 1,
	      "an NMI sent from the NMI handler: %u NMIs taken in all, %u deep at most (3 and 1 expected)",
	      after_return, nmi_deepest);
	guest_trap_handler(VECTOR_NMI, NULL);
}

static void check_x2apic(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 10));
	x2apic = true;
	check(&c, rdmsr(MSR_APIC_BASE) == 0xfee00d00, "APIC_BASE in x2APIC mode: 0x%lx", rdmsr(MSR_APIC_BASE));
	check(&c, rd(REG_ID) == 0 && rd(REG_VERSION) == 0x50014, "x2APIC ID 0x%x, version 0x%x", rd(REG_ID),
	      rd(REG_VERSION));
	check(&c, *(volatile uint32_t *)(uintptr_t)(LAPIC + REG_VERSION) == 0xffffffff,
	      "the xAPIC page in x2APIC mode reads 0x%x", *(volatile uint32_t *)(uintptr_t)(LAPIC + REG_VERSION));
	taken = 0;
	__asm__ volatile("sti");
	self_ipi(0x77);
	__asm__ volatile("nop; cli");
	check(&c, taken == 1 && order[0] == 0x77 && isr_seen == 1u << (0x77 % 32), "x2APIC self-IPI: %u taken", taken);
}

int guest_main(const struct guest_boot *boot)
{
	(void)boot;
	guest_traps_init();
	static const uint8_t vectors[] = { TIMER_VECTOR, 0x40, 0x50, 0x65, 0x77, 0x90, 0x91 };
	for (unsigned i = 0; i < sizeof(vectors); i++)
		guest_trap_handler(vectors[i], on_interrupt);
	check_reset_state();
	check_self_ipis();
	check_timer();
	check_timer_floor();
	check_nmi();
	check_x2apic();
	return checks_summary(&c);
}
