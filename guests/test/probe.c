/* probe: looks for hardware a Keel domain does not have, as a kernel does at boot: reads
 * MSR 0x1a2 (MSR_TEMPERATURE_TARGET, which Keel does not offer) count times, each answered
 * with #GP(0), and reads the HPET's main counter at 0xfed000f0, where a domain has nothing,
 * count times, each all ones. count=<n> on the command line (1000 unless given). Keel's log
 * names the first of each and counts the rest (vmm/guest_log.h). Prints one line; the exit
 * status is the number of failed checks. */
#include "guests/lib/guest.h"

#define GP 13
#define MSR_TEMPERATURE_TARGET 0x1a2
#define HPET_MAIN_COUNTER 0xfed000f0ull

static struct checks c = { .prog = "probe" };

int guest_main(const struct guest_boot *boot)
{
	uint64_t count = 1000, gp = 0, ones = 0;
	cmdline_u64(boot->cmdline, "count", &count);
	guest_traps_init();
	for (uint64_t i = 0; i < count; i++) {
		uint32_t lo = 0, hi = 0, code = 1;
		guest_expect_trap(2); /* RDMSR is two bytes */
		__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(MSR_TEMPERATURE_TARGET) : "memory");
		gp += guest_trap_vector(&code) == GP && code == 0;
	}
	for (uint64_t i = 0; i < count; i++)
		ones += *(volatile uint32_t *)(uintptr_t)HPET_MAIN_COUNTER == 0xffffffffu;
	check(&c, gp == count, "RDMSR 0x%x: #GP(0) %lu times of %lu", MSR_TEMPERATURE_TARGET, gp, count);
	check(&c, ones == count, "the HPET's main counter: all ones %lu times of %lu", ones, count);
	guest_printf("probe: %lu MSR reads answered with #GP, %lu reads where nothing is\n", gp, ones);
	return checks_summary(&c);
}
