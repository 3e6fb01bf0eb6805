/* Bytes written as hex pairs ("f3 48 a5"), for the tests of the instruction decoder and
 * executor. */
#ifndef KEEL_TESTS_UNIT_HEX_BYTES_H
#define KEEL_TESTS_UNIT_HEX_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Parses hex into out; fails the test if there are more than max bytes. */
static inline size_t hex_bytes(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned byte;
	int used;
	while (sscanf(hex, " %2x%n", &byte, &used) == 1) {
		assert_true(n < max);
		out[n++] = (uint8_t)byte;
		hex += used;
	}
	return n;
}

#endif
