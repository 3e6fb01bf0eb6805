#include "lib/timescale.h"

#define NS_PER_S 1000000000ull

/* Counter ticks in ns, in 128 bits: any 64-bit ns fits. */
static unsigned __int128 elapsed_ticks(const struct timescale *t, uint64_t ns)
{
	return ((unsigned __int128)ns * t->ticks_per_ns_32) >> 32;
}

static int fits(const struct timescale *t, uint64_t ns)
{
	return elapsed_ticks(t, ns) <= UINT64_MAX - t->start;
}

void timescale_mul_shift(const struct timescale *t, uint32_t *mul, int8_t *shift)
{
	int s = 0;
	uint64_t m = t->ns_per_tick_32;
	while (m > UINT32_MAX) {
		m >>= 1;
		s++;
	}
	while (m && m < (1ull << 31)) {
		m <<= 1;
		s--;
	}
	*mul = (uint32_t)m;
	*shift = (int8_t)s;
}

void timescale_init(struct timescale *t, uint64_t start, uint64_t hz)
{
	t->start = start;
	/* In 64-bit arithmetic (the core has no 128-bit division): 10^9 << 32 and
	 * (hz mod 10^9) << 32 both fit. */
	t->ns_per_tick_32 = (NS_PER_S << 32) / hz;
	t->ticks_per_ns_32 = (hz / NS_PER_S) << 32 | ((hz % NS_PER_S) << 32) / NS_PER_S;
	/* The conversion is monotonic: the least ns that does not fit, by bisection. */
	uint64_t fit = 0, horizon = TIMESCALE_MAX_HORIZON_NS;
	if (!fits(t, horizon)) {
		while (horizon - fit > 1) {
			uint64_t mid = fit + (horizon - fit) / 2;
			if (fits(t, mid))
				fit = mid;
			else
				horizon = mid;
		}
	}
	t->horizon_ns = horizon;
}

uint64_t timescale_ticks(const struct timescale *t, uint64_t ns)
{
	return fits(t, ns) ? t->start + (uint64_t)elapsed_ticks(t, ns) : UINT64_MAX;
}
