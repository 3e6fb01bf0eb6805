/* Built with -fno-builtin (test_string.mk) so that every call below reaches lib/string.c,
 * which replaces the C library's functions of the same names in this program. The expected
 * results are computed with plain loops, never with the functions under test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/string.h"

#define AREA 96

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7 + 1);
}

static void assert_bytes(const unsigned char *got, const unsigned char *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (got[i] != want[i])
			fail_msg("byte %zu: got 0x%02x, want 0x%02x", i, got[i], want[i]);
	}
}

/* Every length up to 40 at every alignment of source and destination; the bytes around
 * the destination range must stay untouched. */
static void memcpy_all_alignments(void **state)
{
	(void)state;
	_Alignas(8) unsigned char src[AREA], dst[AREA], want[AREA];

	for (size_t so = 0; so < 9; so++) {
		for (size_t d_off = 0; d_off < 9; d_off++) {
			for (size_t n = 0; n <= 40; n++) {
				fill_pattern(src, AREA, 3);
				fill_pattern(dst, AREA, 100);
				fill_pattern(want, AREA, 100);
				for (size_t i = 0; i < n; i++)
					want[d_off + i] = src[so + i];
				assert_ptr_equal(memcpy(dst + d_off, src + so, n), dst + d_off);
				assert_bytes(dst, want, AREA);
			}
		}
	}
}

static void memcpy_large_block(void **state)
{
	(void)state;
	static unsigned char src[4099], dst[4099];

	fill_pattern(src, sizeof(src), 9);
	memcpy(dst, src, sizeof(src));
	assert_bytes(dst, src, sizeof(src));
}

/* Both directions of overlap, every distance and length inside one buffer. */
static void memmove_overlaps(void **state)
{
	(void)state;
	_Alignas(8) unsigned char buf[AREA], want[AREA], tmp[AREA];

	for (size_t from = 0; from < 40; from++) {
		for (size_t to = 0; to < 40; to++) {
			for (size_t n = 0; n <= 48; n += (n < 20 ? 1 : 7)) {
				fill_pattern(buf, AREA, 11);
				fill_pattern(want, AREA, 11);
				for (size_t i = 0; i < n; i++)
					tmp[i] = want[from + i];
				for (size_t i = 0; i < n; i++)
					want[to + i] = tmp[i];
				assert_ptr_equal(memmove(buf + to, buf + from, n), buf + to);
				assert_bytes(buf, want, AREA);
			}
		}
	}
}

static void memset_all_alignments(void **state)
{
	(void)state;
	_Alignas(8) unsigned char buf[AREA], want[AREA];

	for (size_t off = 0; off < 9; off++) {
		for (size_t n = 0; n <= 40; n++) {
			fill_pattern(buf, AREA, 5);
			fill_pattern(want, AREA, 5);
			for (size_t i = 0; i < n; i++)
				want[off + i] = 0xab;
			/* Only the low byte of c counts. */
			assert_ptr_equal(memset(buf + off, 0x12ab, n), buf + off);
			assert_bytes(buf, want, AREA);
		}
	}
}

static void memcmp_orders_unsigned_bytes(void **state)
{
	(void)state;
	const unsigned char a[] = { 1, 2, 3, 0x80 };
	const unsigned char b[] = { 1, 2, 3, 0x01 };
	const unsigned char c[] = { 1, 2, 4, 0x00 };

	assert_int_equal(memcmp(a, b, 3), 0);
	assert_true(memcmp(a, b, 4) > 0);
	assert_true(memcmp(b, a, 4) < 0);
	assert_true(memcmp(a, c, 4) < 0);
	assert_true(memcmp(c, a, 4) > 0);
	assert_int_equal(memcmp(a, c, 0), 0);
	assert_int_equal(memcmp(a, a, 4), 0);
}

static void strlen_and_strnlen(void **state)
{
	(void)state;
	const char s[] = "hello, keel";
	const char unterminated[4] = { 'a', 'b', 'c', 'd' };

	assert_int_equal(strlen(""), 0);
	assert_int_equal(strlen(s), 11);
	assert_int_equal(strlen(s + 7), 4);
	assert_int_equal(strnlen(s, 100), 11);
	assert_int_equal(strnlen(s, 11), 11);
	assert_int_equal(strnlen(s, 5), 5);
	assert_int_equal(strnlen(s, 0), 0);
	assert_int_equal(strnlen("", 3), 0);
	/* strnlen must not read past max bytes: ASan would catch it here. */
	assert_int_equal(strnlen(unterminated, sizeof(unterminated)), 4);
}

static void strcmp_and_strncmp(void **state)
{
	(void)state;
	assert_int_equal(strcmp("", ""), 0);
	assert_int_equal(strcmp("abc", "abc"), 0);
	assert_true(strcmp("abc", "abd") < 0);
	assert_true(strcmp("abd", "abc") > 0);
	assert_true(strcmp("ab", "abc") < 0);
	assert_true(strcmp("abc", "ab") > 0);
	assert_true(strcmp("\x80", "\x01") > 0); /* bytes compare as unsigned */
	assert_true(strcmp("", "a") < 0);

	assert_int_equal(strncmp("abcx", "abcy", 3), 0);
	assert_true(strncmp("abcx", "abcy", 4) < 0);
	assert_int_equal(strncmp("abc", "xyz", 0), 0);
	assert_int_equal(strncmp("abc", "abc", 100), 0); /* stops at the NUL */
	assert_true(strncmp("ab", "abc", 3) < 0);
	assert_true(strncmp("\xff", "a", 1) > 0);
}

static void strlcpy_truncates_and_terminates(void **state)
{
	(void)state;
	char buf[8];

	assert_int_equal(strlcpy(buf, "keel", sizeof(buf)), 4);
	assert_string_equal(buf, "keel");

	assert_int_equal(strlcpy(buf, "hypervisor", sizeof(buf)), 10);
	assert_string_equal(buf, "hypervi");

	assert_int_equal(strlcpy(buf, "1234567", sizeof(buf)), 7);
	assert_string_equal(buf, "1234567");

	assert_int_equal(strlcpy(buf, "abc", 1), 3);
	assert_string_equal(buf, "");

	buf[0] = 'x';
	assert_int_equal(strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'x');

	assert_int_equal(strlcpy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memcpy_all_alignments),
		cmocka_unit_test(memcpy_large_block),
		cmocka_unit_test(memmove_overlaps),
		cmocka_unit_test(memset_all_alignments),
		cmocka_unit_test(memcmp_orders_unsigned_bytes),
		cmocka_unit_test(strlen_and_strnlen),
		cmocka_unit_test(strcmp_and_strncmp),
		cmocka_unit_test(strlcpy_truncates_and_terminates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
