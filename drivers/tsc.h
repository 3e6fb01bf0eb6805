/* Keel's clock: the TSC, its frequency measured at boot against the PIT, and nanoseconds
 * since Keel started. Domains see this clock through the time hypercall. */
#ifndef KEEL_DRIVERS_TSC_H
#define KEEL_DRIVERS_TSC_H

#include <stdint.h>
#include "arch/x86/cpu.h"

/* Records the start and measures the frequency; how it was measured goes to the log. The
 * RSDP (0: none) leads to the ACPI PM timer, should the PIT not count. */
void tsc_init(uint64_t rsdp);
uint64_t tsc_hz(void);
/* ns = ((TSC - tsc_start) * tsc_ns_per_tick_32) >> 32, set by tsc_init. */
extern uint64_t tsc_start, tsc_ns_per_tick_32;

/* Nanoseconds since tsc_init; inline, as every exit reads the clock once. */
static inline uint64_t tsc_now_ns(void)
{
	unsigned __int128 ticks = rdtsc() - tsc_start;
	return (uint64_t)((ticks * tsc_ns_per_tick_32) >> 32);
}
/* The TSC's value when tsc_now_ns() reaches ns. */
uint64_t tsc_at_ns(uint64_t ns);

#endif
