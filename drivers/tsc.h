/* Keel's clock: the TSC, its frequency measured at boot against the PIT, and nanoseconds
 * since Keel started. Domains see this clock through the time hypercall, and give their
 * deadlines in it. */
#ifndef KEEL_DRIVERS_TSC_H
#define KEEL_DRIVERS_TSC_H

#include <stdint.h>
#include "arch/x86/cpu.h"
#include "lib/timescale.h"

/* Records the start and measures the frequency; how it was measured goes to the log. The
 * RSDP (0: none) leads to the ACPI PM timer, should the PIT not count. */
void tsc_init(uint64_t rsdp);
uint64_t tsc_hz(void);
/* The TSC read as nanoseconds since tsc_init. */
extern struct timescale tsc_scale;

/* Nanoseconds since tsc_init. */
static inline uint64_t tsc_now_ns(void)
{
	return timescale_ns(&tsc_scale, rdtsc());
}
/* The TSC's value when tsc_now_ns() reaches ns; UINT64_MAX if the TSC cannot count that far. */
static inline uint64_t tsc_at_ns(uint64_t ns)
{
	return timescale_ticks(&tsc_scale, ns);
}
/* A deadline a guest gives (block, set_timer; later its timers): in Keel's clock, or 0,
 * "never", if the clock cannot express it (lib/timescale.h's horizon). No value can then
 * wrap into the past. */
static inline uint64_t tsc_guest_deadline(uint64_t ns)
{
	return ns < tsc_scale.horizon_ns ? ns : 0;
}

#endif
