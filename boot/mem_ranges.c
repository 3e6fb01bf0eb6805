#include "boot/mem_ranges.h"

static uint64_t range_end(const struct boot_mem_range *r)
{
	return r->base + r->length;
}

int mem_ranges_add(struct boot_mem_range *r, uint32_t *count, uint32_t max,
		   uint64_t base, uint64_t length, uint32_t type)
{
	uint64_t end = base + length;
	uint32_t n = *count, i = 0, j;
	int join_prev, join_next;

	if (length == 0)
		return MEM_RANGES_OK;
	if (end < base)
		return MEM_RANGES_OVERLAP;
	while (i < n && r[i].base < base)
		i++;
	/* r[i - 1] starts below base, r[i] (if any) at or above it. */
	if (i > 0 && range_end(&r[i - 1]) > base)
		return MEM_RANGES_OVERLAP;
	if (i < n && r[i].base < end)
		return MEM_RANGES_OVERLAP;

	join_prev = i > 0 && range_end(&r[i - 1]) == base && r[i - 1].type == type;
	join_next = i < n && r[i].base == end && r[i].type == type;
	if (join_prev && join_next) {
		r[i - 1].length += length + r[i].length;
		for (j = i; j + 1 < n; j++)
			r[j] = r[j + 1];
		*count = n - 1;
	} else if (join_prev) {
		r[i - 1].length += length;
	} else if (join_next) {
		r[i].base = base;
		r[i].length += length;
	} else {
		if (n == max)
			return MEM_RANGES_FULL;
		for (j = n; j > i; j--)
			r[j] = r[j - 1];
		r[i].base = base;
		r[i].length = length;
		r[i].type = type;
		r[i].reserved = 0;
		*count = n + 1;
	}
	return MEM_RANGES_OK;
}
