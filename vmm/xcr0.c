#include <stddef.h>
#include "arch/x86/cpu.h"
#include "vmm/xcr0.h"

const char *xcr0_refusal(uint64_t value, uint64_t offered)
{
	if (!(value & XCR0_X87))
		return "x87 state cannot be disabled";
	if (value & ~offered)
		return "a component this CPU does not offer";
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return "AVX without SSE";
	if ((value & XCR0_AVX512) && (value & XCR0_AVX512) != XCR0_AVX512)
		return "only part of the AVX-512 state";
	if ((value & XCR0_AVX512) && !(value & XCR0_AVX))
		return "AVX-512 without AVX";
	return NULL;
}
