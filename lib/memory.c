/* Copying and filling memory: the functions a compiler may call on its own. */
#include "lib/compiler.h"
#include "lib/string.h"

#include <stdint.h>

/* Word access that may alias any object type. */
typedef uint64_t __attribute__((may_alias)) word_t;

#define WORD sizeof(word_t)

static int both_aligned(const void *a, const void *b)
{
	return (((uintptr_t)a | (uintptr_t)b) & (WORD - 1)) == 0;
}

/* Also safe for overlapping buffers when dst is below src. */
NO_LIBCALLS static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
	if (both_aligned(d, s)) {
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(word_t *)d = *(const word_t *)s;
	}
	while (n--)
		*d++ = *s++;
}

/* REP MOVSQ, then REP MOVSB for the rest (SDM vol.2 "MOVS", "REP"): one instruction that the
 * CPU runs fast-string, where a loop runs several per word. DF is clear at every call (the
 * System V ABI). The buffers do not overlap (memmove is for those). */
NO_LIBCALLS void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t words = n / WORD;
	__asm__ volatile("rep movsq\n\tmov %3, %%rcx\n\trep movsb"
			 : "+D"(d), "+S"(src), "+c"(words)
			 : "r"(n % WORD)
			 : "memory");
	return dst;
}

NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n) {
		copy_forward(d, s, n); /* dst is below src or past its end */
		return dst;
	}
	/* dst overlaps the tail of src: copy backwards. */
	d += n;
	s += n;
	if (both_aligned(d, s)) {
		for (; n >= WORD; n -= WORD) {
			d -= WORD;
			s -= WORD;
			*(word_t *)d = *(const word_t *)s;
		}
	}
	while (n--)
		*--d = *--s;
	return dst;
}

/* REP STOSQ, then REP STOSB (SDM vol.2 "STOS"), as memcpy. */
NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t words = n / WORD;
	uint64_t pattern = (unsigned char)c * 0x0101010101010101ull;
	__asm__ volatile("rep stosq\n\tmov %3, %%rcx\n\trep stosb"
			 : "+D"(d), "+c"(words)
			 : "a"(pattern), "r"(n % WORD)
			 : "memory");
	return dst;
}
