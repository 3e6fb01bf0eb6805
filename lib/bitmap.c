#include "bitmap.h"

void bitmap_set_range(uint64_t *map, size_t first, size_t count)
{
	for (size_t i = first; i < first + count; i++)
		bitmap_set(map, i);
}

void bitmap_clear_range(uint64_t *map, size_t first, size_t count)
{
	for (size_t i = first; i < first + count; i++)
		bitmap_clear(map, i);
}

size_t bitmap_count(const uint64_t *map, size_t nbits)
{
	size_t n = 0;
	for (size_t i = 0; i < nbits; i++)
		n += bitmap_test(map, i);
	return n;
}

size_t bitmap_find_clear_run(const uint64_t *map, size_t nbits, size_t count, size_t align)
{
	if (count == 0 || align == 0 || (align & (align - 1)) != 0)
		return SIZE_MAX;
	size_t start = 0;
	while (start + count <= nbits && start + count > start) {
		size_t run = 0;
		while (run < count && !bitmap_test(map, start + run))
			run++;
		if (run == count)
			return start;
		/* The bit at start + run is set: the next candidate starts past it, aligned up. */
		size_t next = start + run + 1;
		start = (next + align - 1) & ~(align - 1);
	}
	return SIZE_MAX;
}
