/* kvmclock: Keel's KVM-compatible paravirtual interface (include/kvm_para.h), as a Linux
 * guest finds and uses it:
 *   - CPUID 0x40000100 holds "KVMKVMKVM\0\0\0" and the last leaf, 0x40000101 CLOCKSOURCE2,
 *     STEAL_TIME and CLOCKSOURCE_STABLE_BIT alone; Keel's own leaf 0x40000000 still says "KeelKeelKeel";
 *   - MSR_KVM_SYSTEM_TIME_NEW naming a structure in its RAM, which Keel fills: an even
 *     version, the stable flag, a TSC timestamp not after the TSC, and a clock that counts
 *     100 ms of the ACPI PM timer as 100 ms, within 1% (QEMU's exits take the host's time);
 *     the MSR reads back as written;
 *   - a TSC written 2^40 ahead: the structure written again (its version 2 more), and the
 *     clock goes on from where it was rather than jumping with the TSC;
 *   - MSR_KVM_WALL_CLOCK_NEW: the time of day at system time 0, which with the system time
 *     gives the time of day now (printed: "kvmclock: time of day YYYY-MM-DD HH:MM:SS",
 *     which test_kvmclock.py compares with the machine's);
 *   - #GP for a structure outside its RAM or not 4-byte aligned, the MSR unchanged; a
 *     write of 0 turns the clock off, and the structure is left as it was;
 *   - MSR_KVM_STEAL_TIME: #GP for its reserved bits 5:1, the MSR unchanged; on a structure in
 *     its RAM, which Keel fills (an even version) and updates each time the vCPU gets the
 *     CPU. With spin=<ms> on the command line it then burns ms of the clock and prints the
 *     steal time that came meanwhile, as a share of it ("kvmclock: steal <p>% of <ms> ms"),
 *     which test_kvmclock.py checks against the domain that competes with it.
 * Prints "kvmclock: <n> checks passed"; the exit status is the number that failed. */
#include "guests/lib/guest.h"
#include "include/kvm_para.h"
#include "lib/calendar.h"
#include "lib/string.h"

#define PM_TIMER 0x608 /* the virtual PC's ACPI PM timer: 32 bits at 3.579545 MHz */
#define PM_TIMER_HZ 3579545ull
#define NS_PER_S 1000000000ull
#define MSR_TSC 0x10
#define GP 13

static struct checks c = { .prog = "kvmclock" };
static volatile struct kvm_vcpu_time clock __attribute__((aligned(64)));
static volatile struct kvm_wall_clock wall __attribute__((aligned(64)));
static volatile struct kvm_steal_time steal __attribute__((aligned(64)));

/* The clock's time now, read as Linux's pvclock does: again while Keel writes it. */
static uint64_t clock_ns(void)
{
	uint32_t version;
	uint64_t ns;
	do {
		version = clock.version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t delta = rdtsc() - clock.tsc_timestamp;
		delta = clock.tsc_shift >= 0 ? delta << clock.tsc_shift : delta >> -clock.tsc_shift;
		ns = clock.system_time + (uint64_t)(((unsigned __int128)delta * clock.tsc_to_system_mul) >> 32);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != clock.version);
	return ns;
}

/* WRMSR's exception, -1 for none. */
static int wrmsr_trapped(uint32_t msr, uint64_t value)
{
	guest_expect_trap(2);
	wrmsr(msr, value);
	return guest_trap_vector(NULL);
}

static void check_cpuid(void)
{
	struct cpuid_regs kvm = cpuid(KVM_CPUID_SIGNATURE_LEAF, 0), features = cpuid(KVM_CPUID_FEATURES_LEAF, 0);
	struct cpuid_regs keel = cpuid(KEEL_CPUID_SIGNATURE_LEAF, 0);
	char sig[13] = "";
	memcpy(sig, &kvm.ebx, 4);
	memcpy(sig + 4, &kvm.ecx, 4);
	memcpy(sig + 8, &kvm.edx, 4);
	check(&c, !memcmp(sig, "KVMKVMKVM\0\0\0", 12) && kvm.eax == KVM_CPUID_FEATURES_LEAF,
	      "CPUID 0x40000100: \"%s\", last leaf 0x%x", sig, kvm.eax);
	check(&c, features.eax == (KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_STEAL_TIME | KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) &&
		      !features.edx,
	      "CPUID 0x40000101: features 0x%x, hints 0x%x", features.eax, features.edx);
	check(&c, keel.ebx == KEEL_CPUID_SIGNATURE && keel.ecx == KEEL_CPUID_SIGNATURE && keel.edx == KEEL_CPUID_SIGNATURE,
	      "CPUID 0x40000000 no longer Keel's");
}

/* 100 ms of the PM timer, counted by the clock. */
static void check_rate(void)
{
	uint32_t start = inl(PM_TIMER);
	uint64_t t0 = clock_ns();
	uint32_t ticks = (uint32_t)(PM_TIMER_HZ / 10);
	while ((uint32_t)(inl(PM_TIMER) - start) < ticks)
		;
	uint64_t t1 = clock_ns();
	uint32_t end = inl(PM_TIMER);
	uint64_t pm_ns = (uint64_t)(uint32_t)(end - start) * NS_PER_S / PM_TIMER_HZ, clock_span = t1 - t0;
	check(&c, clock_span * 100 > pm_ns * 99 && clock_span * 100 < pm_ns * 101,
	      "the clock counted %lu ns while the PM timer counted %lu ns", clock_span, pm_ns);
}

static void check_system_time(void)
{
	uint64_t gpa = (uint64_t)(uintptr_t)&clock;
	check(&c, wrmsr_trapped(MSR_KVM_SYSTEM_TIME_NEW, gpa | KVM_SYSTEM_TIME_ENABLE) < 0, "MSR_KVM_SYSTEM_TIME_NEW: #GP");
	uint64_t tsc = rdtsc();
	check(&c, clock.version && !(clock.version & 1) && (clock.flags & KVM_PVCLOCK_TSC_STABLE) &&
		      clock.tsc_timestamp <= tsc && clock.tsc_to_system_mul,
	      "the structure: version %u, flags 0x%x, TSC timestamp 0x%lx (TSC 0x%lx), mul %u", clock.version,
	      clock.flags, clock.tsc_timestamp, tsc, clock.tsc_to_system_mul);
	check(&c, rdmsr(MSR_KVM_SYSTEM_TIME_NEW) == (gpa | KVM_SYSTEM_TIME_ENABLE), "MSR_KVM_SYSTEM_TIME_NEW reads 0x%lx",
	      rdmsr(MSR_KVM_SYSTEM_TIME_NEW));
	check_rate();
	/* The TSC jumps; the clock does not. */
	uint32_t version = clock.version;
	uint64_t before = clock_ns();
	wrmsr(MSR_TSC, rdtsc() + (1ull << 40));
	uint64_t after = clock_ns();
	check(&c, clock.version == version + 2 && after >= before && after - before < 10000000,
	      "after a TSC write: version %u (was %u), the clock %lu ns, before it %lu ns", clock.version, version, after,
	      before);
}

static void check_wall_clock(void)
{
	uint64_t gpa = (uint64_t)(uintptr_t)&wall;
	check(&c, wrmsr_trapped(MSR_KVM_WALL_CLOCK_NEW, gpa) < 0 && wall.version && !(wall.version & 1) &&
		      rdmsr(MSR_KVM_WALL_CLOCK_NEW) == gpa,
	      "MSR_KVM_WALL_CLOCK_NEW: version %u", wall.version);
	uint64_t now = wall.sec + (wall.nsec + clock_ns()) / NS_PER_S;
	int64_t y;
	unsigned m, d;
	calendar_civil_from_days((int64_t)(now / CALENDAR_SECONDS_PER_DAY), &y, &m, &d);
	unsigned s = (unsigned)(now % CALENDAR_SECONDS_PER_DAY);
	guest_printf("kvmclock: time of day %04ld-%02u-%02u %02u:%02u:%02u\n", y, m, d, s / 3600, s / 60 % 60, s % 60);
}

/* Refused addresses, then the clock turned off. */
static void check_refusals(const struct guest_boot *boot)
{
	uint64_t ram_end = 0;
	for (unsigned i = 0; i < boot->memory_count; i++)
		if (boot->memory[i].type == 1)
			ram_end = boot->memory[i].base + boot->memory[i].length;
	uint64_t kept = rdmsr(MSR_KVM_SYSTEM_TIME_NEW);
	int outside = wrmsr_trapped(MSR_KVM_SYSTEM_TIME_NEW, (ram_end - 16) | KVM_SYSTEM_TIME_ENABLE);
	int misaligned = wrmsr_trapped(MSR_KVM_SYSTEM_TIME_NEW, ((uint64_t)(uintptr_t)&clock + 2) | KVM_SYSTEM_TIME_ENABLE);
	int wall_outside = wrmsr_trapped(MSR_KVM_WALL_CLOCK_NEW, 0xfee00000);
	check(&c, outside == GP && misaligned == GP && wall_outside == GP && rdmsr(MSR_KVM_SYSTEM_TIME_NEW) == kept,
	      "a structure across the end of RAM, misaligned, or in the local APIC's page: %d, %d, %d; the MSR 0x%lx",
	      outside, misaligned, wall_outside, rdmsr(MSR_KVM_SYSTEM_TIME_NEW));
	uint32_t version = clock.version;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	wrmsr(MSR_TSC, rdtsc() + (1ull << 40));
	check(&c, clock.version == version && rdmsr(MSR_KVM_SYSTEM_TIME_NEW) == 0,
	      "turned off, the structure was written again (version %u, was %u)", clock.version, version);
}

/* Steal time's MSR, then, with spin=<ms>, the share of a busy spell that was stolen. */
static void check_steal(const struct guest_boot *boot)
{
	uint64_t gpa = (uint64_t)(uintptr_t)&steal;
	int reserved = wrmsr_trapped(MSR_KVM_STEAL_TIME, gpa | 2 | KVM_MSR_ENABLED);
	check(&c, reserved == GP && rdmsr(MSR_KVM_STEAL_TIME) == 0, "MSR_KVM_STEAL_TIME with bit 1: %d, the MSR 0x%lx",
	      reserved, rdmsr(MSR_KVM_STEAL_TIME));
	check(&c, wrmsr_trapped(MSR_KVM_STEAL_TIME, gpa | KVM_MSR_ENABLED) < 0 && steal.version && !(steal.version & 1) &&
		      rdmsr(MSR_KVM_STEAL_TIME) == (gpa | KVM_MSR_ENABLED),
	      "MSR_KVM_STEAL_TIME: version %u", steal.version);
	uint64_t ms = 0;
	if (!cmdline_u64(boot->cmdline, "spin", &ms) || !ms)
		return;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)(uintptr_t)&clock | KVM_SYSTEM_TIME_ENABLE); /* on again */
	/* No exit, interrupts on as an OS runs (Bochs' SVM holds Keel's timer while a guest's
	 * interrupts are off): preempted at each slice's end, it waits while the other runs. */
	__asm__ volatile("sti");
	uint64_t stolen = steal.steal, start = clock_ns();
	while (clock_ns() - start < ms * 1000000)
		;
	uint64_t spell = clock_ns() - start;
	__asm__ volatile("cli");
	guest_printf("kvmclock: steal %lu%% of %lu ms\n", (steal.steal - stolen) * 100 / spell, ms);
}

int guest_main(const struct guest_boot *boot)
{
	guest_traps_init();
	check_cpuid();
	check_system_time();
	check_wall_clock();
	check_refusals(boot);
	check_steal(boot);
	return checks_summary(&c);
}
