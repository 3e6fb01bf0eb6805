/* lib/timescale.c: nanoseconds to counter ticks and back for any 64-bit value, against
 * exact 128-bit arithmetic, across the rates of the test beds and real CPUs and across
 * the horizon where the counter stops fitting 64 bits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/timescale.h"

typedef unsigned __int128 u128;

static const uint64_t rates[] = { 1000000, 10000000 /* Bochs */, 999918000, 2300000000ull /* QEMU */,
				  3999999999ull, 10000000000ull };
static const uint64_t starts[] = { 0, 123456789, 1ull << 40, 5000000000000ull, 1ull << 62,
				   UINT64_MAX - (1ull << 32) };

/* start + ns * hz / 10^9, or UINT64_MAX where that does not fit 64 bits. */
static uint64_t exact_ticks(uint64_t start, uint64_t hz, uint64_t ns)
{
	u128 ticks = (u128)start + (u128)ns * hz / 1000000000u;
	return ticks > UINT64_MAX ? UINT64_MAX : (uint64_t)ticks;
}

/* The 32.32 factor is short of the rate by less than 2^-32 tick per ns, so the result may
 * be short by ns / 2^32 ticks, and one more for each rounding down. */
static void assert_close(uint64_t got, uint64_t want, uint64_t ns)
{
	uint64_t slack = (ns >> 32) + 2;
	assert_true(got <= want && want - got <= slack);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Every conversion below the horizon is close to the exact one and not after UINT64_MAX;
 * at and beyond it where the counter overflows, it saturates; the horizon is the least
 * such ns, or 2^63. */
static void check(const struct timescale *t, uint64_t hz, uint64_t ns)
{
	uint64_t ticks = timescale_ticks(t, ns);
	uint64_t want = exact_ticks(t->start, hz, ns);
	if (ns < t->horizon_ns) {
		assert_true(ticks >= t->start);
		assert_close(ticks, want, ns);
		/* And back, over the spans a run lasts (up to 2^52 ns, 52 days): within a tick's
		 * ns and the factors' relative shortfall, at most 2^-22 at 1 MHz. */
		if (ns <= 1ull << 52) {
			uint64_t back = timescale_ns(t, ticks);
			uint64_t error = back > ns ? back - ns : ns - back;
			assert_true(error <= (ns >> 22) + 1000000000u / hz + 2);
		}
	} else if (t->horizon_ns < TIMESCALE_MAX_HORIZON_NS) {
		assert_int_equal(ticks, UINT64_MAX);
	}
}

static void horizon_is_the_first_ns_that_does_not_fit(void **state)
{
	(void)state;
	for (unsigned r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		for (unsigned s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
			struct timescale t;
			timescale_init(&t, starts[s], rates[r]);
			assert_true(t.horizon_ns > 0 && t.horizon_ns <= TIMESCALE_MAX_HORIZON_NS);
			assert_close(timescale_ticks(&t, t.horizon_ns - 1), exact_ticks(starts[s], rates[r], t.horizon_ns - 1),
				     t.horizon_ns - 1);
			if (t.horizon_ns < TIMESCALE_MAX_HORIZON_NS)
				assert_int_equal(timescale_ticks(&t, t.horizon_ns), UINT64_MAX);
			const uint64_t probes[] = { 0, 1, 999, t.horizon_ns - 1, t.horizon_ns, t.horizon_ns + 1,
						    TIMESCALE_MAX_HORIZON_NS - 1, TIMESCALE_MAX_HORIZON_NS,
						    UINT64_MAX - 1, UINT64_MAX };
			for (unsigned p = 0; p < sizeof(probes) / sizeof(probes[0]); p++)
				check(&t, rates[r], probes[p]);
		}
	}
}

/* The case that once wrapped: a 2.3 GHz TSC some seconds after reset reaches 2^64 near
 * 8.02e18 ns; a deadline there must saturate, not land in the past. */
static void a_fast_tsc_saturates_near_8e18_ns(void **state)
{
	(void)state;
	struct timescale t;
	timescale_init(&t, 5000000000000ull, 2300000000ull);
	assert_true(t.horizon_ns > 8010000000000000000ull && t.horizon_ns < 8030000000000000000ull);
	assert_int_equal(timescale_ticks(&t, 8030000000000000000ull), UINT64_MAX);
	assert_int_equal(timescale_ticks(&t, UINT64_MAX), UINT64_MAX);
	assert_true(timescale_ticks(&t, 8000000000000000000ull) > t.start);
}

/* At Bochs' 10 MHz no 64-bit ns overflows the counter: the horizon is 2^63. */
static void a_slow_counter_ends_at_2_63_ns(void **state)
{
	(void)state;
	struct timescale t;
	timescale_init(&t, 1000, 10000000);
	assert_int_equal(t.horizon_ns, TIMESCALE_MAX_HORIZON_NS);
	assert_close(timescale_ticks(&t, UINT64_MAX), exact_ticks(1000, 10000000, UINT64_MAX), UINT64_MAX);
}

/* Random values, spread over every magnitude, at every rate and start; the results are
 * monotonic in ns. */
static void random_values_convert_monotonically(void **state)
{
	(void)state;
	uint64_t seed = 0x4b45454c;
	for (unsigned r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		for (unsigned s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
			struct timescale t;
			timescale_init(&t, starts[s], rates[r]);
			for (unsigned i = 0; i < 20000; i++) {
				uint64_t a = xorshift(&seed) >> (xorshift(&seed) % 64);
				uint64_t b = a + (xorshift(&seed) >> (xorshift(&seed) % 64));
				if (b < a)
					b = UINT64_MAX;
				check(&t, rates[r], a);
				check(&t, rates[r], b);
				assert_true(timescale_ticks(&t, a) <= timescale_ticks(&t, b));
			}
		}
	}
}

/* The pvclock form of the rate counts as timescale_ns does, to within the 32-bit
 * multiplier's precision (2^-31 of the result) and the ticks a negative shift drops. */
static void the_pvclock_rate_counts_as_the_scale(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct timescale t;
		uint32_t mul;
		int8_t shift;
		timescale_init(&t, 0, rates[i]);
		timescale_mul_shift(&t, &mul, &shift);
		assert_true(mul >= 1u << 31);
		for (uint64_t ticks = 1; ticks < (1ull << 40); ticks = ticks * 3 + 7) {
			uint64_t scaled = shift >= 0 ? ticks << shift : ticks >> -shift;
			uint64_t ns = (uint64_t)(((u128)scaled * mul) >> 32), want = timescale_ns(&t, ticks);
			uint64_t slack = (want >> 30) + (shift < 0 ? (1ull << -shift) * 2 : 2);
			assert_true(ns <= want + slack && want <= ns + slack);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(horizon_is_the_first_ns_that_does_not_fit),
		cmocka_unit_test(a_fast_tsc_saturates_near_8e18_ns),
		cmocka_unit_test(a_slow_counter_ends_at_2_63_ns),
		cmocka_unit_test(random_values_convert_monotonically),
		cmocka_unit_test(the_pvclock_rate_counts_as_the_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
