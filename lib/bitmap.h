/* Bit arrays stored in 64-bit words. Bit i lives in word i / 64. */
#ifndef KEEL_LIB_BITMAP_H
#define KEEL_LIB_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BITMAP_WORDS(nbits) (((nbits) + 63) / 64)

static inline bool bitmap_test(const uint64_t *map, size_t bit)
{
	return (map[bit / 64] >> (bit % 64)) & 1;
}

static inline void bitmap_set(uint64_t *map, size_t bit)
{
	map[bit / 64] |= 1ull << (bit % 64);
}

static inline void bitmap_clear(uint64_t *map, size_t bit)
{
	map[bit / 64] &= ~(1ull << (bit % 64));
}

void bitmap_set_range(uint64_t *map, size_t first, size_t count);
void bitmap_clear_range(uint64_t *map, size_t first, size_t count);
/* Counts the set bits among the first nbits. */
size_t bitmap_count(const uint64_t *map, size_t nbits);
/* Finds `count` consecutive clear bits among the first nbits, starting at a multiple of
 * `align` (a power of two, >= 1). Returns the first bit's index, or SIZE_MAX if none. */
size_t bitmap_find_clear_run(const uint64_t *map, size_t nbits, size_t count, size_t align);

#endif
