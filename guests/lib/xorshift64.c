/* Marsaglia, "Xorshift RNGs" (J. Stat. Software 8(14), 2003): the 64-bit generator with
 * shifts 13, 7, 17. Any non-zero state cycles through all 2^64 - 1 non-zero values. */
#include "guests/lib/guest.h"

void xorshift64_seed(struct xorshift64 *r, uint64_t seed)
{
	r->state = seed ? seed : 1;
}

uint64_t xorshift64_next(struct xorshift64 *r)
{
	uint64_t x = r->state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->state = x;
	return x;
}
