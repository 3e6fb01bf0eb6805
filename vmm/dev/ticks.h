/* A clock of hz ticks a second counted on Keel's nanoseconds (struct device_env's now_ns),
 * exactly: tick n happens at the instant n * 10^9 / hz ns, and is seen at the first whole
 * nanosecond at or after it. For the models' own clocks: the PIT (1.193182 MHz), the PM
 * timer (3.579545 MHz), the RTC's periodic interrupt (2 Hz to 8 kHz).
 *
 * ns * hz does not fit 64 bits, and a 128-bit division would be a call to libgcc's
 * __udivti3, which the core is not linked with. So ns is split into whole seconds and the
 * nanoseconds left: floor((s * 10^9 + r) * hz / 10^9) = s * hz + floor(r * hz / 10^9),
 * where both products fit 64 bits for any hz up to 10^9. */
#ifndef KEEL_VMM_DEV_TICKS_H
#define KEEL_VMM_DEV_TICKS_H

#include <stdint.h>
#include "vmm/dev/device.h"

#define TICKS_NS_PER_S 1000000000ull

/* The ticks counted from 0 ns to ns included: floor(ns * hz / 10^9). hz: 1 to 10^9. */
static inline uint64_t ticks_at_ns(uint64_t ns, uint64_t hz)
{
	return ns / TICKS_NS_PER_S * hz + ns % TICKS_NS_PER_S * hz / TICKS_NS_PER_S;
}

/* The first nanosecond at which tick number ticks has happened: the least ns with
 * ticks_at_ns(ns, hz) >= ticks, i.e. ceil(ticks * 10^9 / hz); DEVICE_NO_DEADLINE if that
 * is past what 64 bits of nanoseconds hold (584 years). hz: 1 to 10^9. */
static inline uint64_t ticks_first_ns(uint64_t ticks, uint64_t hz)
{
	uint64_t s = ticks / hz, rest = ticks % hz;

	if (s > (DEVICE_NO_DEADLINE - TICKS_NS_PER_S) / TICKS_NS_PER_S)
		return DEVICE_NO_DEADLINE;
	return s * TICKS_NS_PER_S + (rest * TICKS_NS_PER_S + hz - 1) / hz;
}

#endif
