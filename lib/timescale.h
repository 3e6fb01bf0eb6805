/* A free-running 64-bit counter (the TSC) read as nanoseconds since a start value, with
 * 32.32 fixed-point factors so that neither direction divides. Every conversion is safe for
 * any 64-bit input: a tick count that would not fit 64 bits saturates, and the horizon is
 * the first nanosecond the clock cannot express, so that a caller can treat any deadline at
 * or beyond it as "never" rather than let it wrap into the past. */
#ifndef KEEL_LIB_TIMESCALE_H
#define KEEL_LIB_TIMESCALE_H

#include <stdint.h>

/* Deadlines end here at the latest, whatever the counter's rate: 2^63 ns, 292 years. */
#define TIMESCALE_MAX_HORIZON_NS (1ull << 63)

struct timescale {
	uint64_t start;           /* the counter's value at 0 ns */
	uint64_t ns_per_tick_32;  /* ns = (ticks * ns_per_tick_32) >> 32 */
	uint64_t ticks_per_ns_32; /* ticks = (ns * ticks_per_ns_32) >> 32 */
	/* The least ns whose counter value does not fit 64 bits, or TIMESCALE_MAX_HORIZON_NS
	 * if that comes first. */
	uint64_t horizon_ns;
};

/* hz: the counter's rate, at least 1. */
void timescale_init(struct timescale *t, uint64_t start, uint64_t hz);

/* Nanoseconds at the counter value ticks (not before start). */
static inline uint64_t timescale_ns(const struct timescale *t, uint64_t ticks)
{
	unsigned __int128 elapsed = ticks - t->start;
	return (uint64_t)((elapsed * t->ns_per_tick_32) >> 32);
}

/* The counter's rate as the pvclock ABI gives it (include/kvm_para.h): ns for a count of
 * ticks = ((ticks << shift, or >> -shift) * mul) >> 32, mul in [2^31, 2^32), as close to
 * timescale_ns as 32 bits of multiplier allow. */
void timescale_mul_shift(const struct timescale *t, uint32_t *mul, int8_t *shift);

/* The counter's value at ns; UINT64_MAX where it would not fit 64 bits. */
uint64_t timescale_ticks(const struct timescale *t, uint64_t ns);

#endif
