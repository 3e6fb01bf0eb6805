#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/xcr0.h"

#define X87 0x1ull
#define SSE 0x2ull
#define AVX 0x4ull
#define AVX512 0xe0ull
#define PKRU 0x200ull

static void accepts_what_a_cpu_accepts(void **state)
{
	(void)state;
	uint64_t all = X87 | SSE | AVX | AVX512;
	assert_null(xcr0_refusal(X87, all));
	assert_null(xcr0_refusal(X87 | SSE, all));
	assert_null(xcr0_refusal(X87 | SSE | AVX, all));
	assert_null(xcr0_refusal(all, all));
	assert_null(xcr0_refusal(X87 | SSE, X87 | SSE)); /* a CPU without AVX */
}

static void refuses_what_a_cpu_refuses(void **state)
{
	(void)state;
	uint64_t all = X87 | SSE | AVX | AVX512;
	assert_string_equal(xcr0_refusal(0, all), "x87 state cannot be disabled");
	assert_string_equal(xcr0_refusal(SSE | AVX, all), "x87 state cannot be disabled");
	assert_string_equal(xcr0_refusal(X87 | AVX, all), "AVX without SSE");
	assert_string_equal(xcr0_refusal(X87 | SSE | AVX | 0x20, all), "only part of the AVX-512 state");
	assert_string_equal(xcr0_refusal(X87 | SSE | AVX | 0x60, all), "only part of the AVX-512 state");
	assert_string_equal(xcr0_refusal(X87 | SSE | AVX512, all), "AVX-512 without AVX");
}

static void refuses_what_keel_does_not_offer(void **state)
{
	(void)state;
	/* The CPU may have these; a domain does not get them. */
	assert_string_equal(xcr0_refusal(X87 | SSE | AVX, X87 | SSE), "a component this CPU does not offer");
	assert_string_equal(xcr0_refusal(X87 | PKRU, X87 | SSE | AVX), "a component this CPU does not offer");
	assert_string_equal(xcr0_refusal(X87 | (1ull << 63), X87 | SSE | AVX), "a component this CPU does not offer");
	assert_string_equal(xcr0_refusal(X87 | SSE | AVX | AVX512, X87 | SSE | AVX),
			    "a component this CPU does not offer");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_what_a_cpu_accepts),
		cmocka_unit_test(refuses_what_a_cpu_refuses),
		cmocka_unit_test(refuses_what_keel_does_not_offer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
