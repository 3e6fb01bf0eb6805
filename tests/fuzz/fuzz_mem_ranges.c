/* The memory-map sanitizer (boot/mem_ranges.c) on any list of (base, length, type) ranges:
 * the result must be sorted, free of overlaps, merged where it can be, and cover exactly
 * what the input covers (checked at every input range's edges). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "boot/mem_ranges.h"

#define ENTRY 20 /* bytes of input per range: base (8), length (8), type (4) */
#define MAX_OUT 64

static int covered(const struct boot_mem_range *r, uint32_t n, uint64_t addr)
{
	for (uint32_t i = 0; i < n; i++)
		if (addr >= r[i].base && addr - r[i].base < r[i].length)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_mem_range in[MEM_RANGES_SANITIZE_MAX + 1], out[MAX_OUT];
	uint32_t n = 0, count = 0;
	for (size_t off = 0; off + ENTRY <= size && n < MEM_RANGES_SANITIZE_MAX + 1; off += ENTRY, n++) {
		memset(&in[n], 0, sizeof(in[n]));
		memcpy(&in[n].base, data + off, 8);
		memcpy(&in[n].length, data + off + 8, 8);
		memcpy(&in[n].type, data + off + 16, 4);
	}
	int rc = mem_ranges_sanitize(in, n, out, &count, MAX_OUT);
	if (rc == MEM_RANGES_TOO_MANY) {
		if (n <= MEM_RANGES_SANITIZE_MAX || count != 0)
			__builtin_trap();
		return 0;
	}
	if (rc != MEM_RANGES_OK && rc != MEM_RANGES_FULL)
		__builtin_trap();
	for (uint32_t i = 0; i < count; i++) {
		if (out[i].length == 0)
			__builtin_trap();
		if (i > 0) {
			const struct boot_mem_range *a = &out[i - 1], *b = &out[i];
			uint64_t a_end = a->base + a->length; /* 0: up to 2^64 */
			if (b->base < a->base || (a_end && a_end > b->base) || !a_end)
				__builtin_trap(); /* unsorted or overlapping */
			if (a_end == b->base && a->type == b->type && a->length != UINT64_MAX && b->length != UINT64_MAX &&
			    a->length + b->length >= a->length)
				__builtin_trap(); /* should have been merged */
		}
	}
	if (rc == MEM_RANGES_OK)
		for (uint32_t i = 0; i < n; i++)
			if (in[i].length && covered(out, count, in[i].base) != 1)
				__builtin_trap(); /* an input byte lost */
	return 0;
}
