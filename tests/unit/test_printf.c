#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <cmocka.h>

#include "lib/printf.h"

/* Formats into a roomy buffer and checks both the text and the returned length. */
static void vcheck(const char *want, const char *fmt, va_list ap)
{
	char buf[256];

	memset(buf, 0x5a, sizeof(buf));
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void __attribute__((format(printf, 2, 3))) check(const char *want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(want, fmt, ap);
	va_end(ap);
}

/* For well-defined formats that gcc's format checking still complains about. */
static void check_unchecked(const char *want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(want, fmt, ap);
	va_end(ap);
}

static void integers(void **state)
{
	(void)state;
	check("0", "%d", 0);
	check("42 -42", "%d %i", 42, -42);
	check("-2147483648 2147483647", "%d %d", INT_MIN, INT_MAX);
	check("4294967295", "%u", UINT_MAX);
	check("deadbeef DEADBEEF", "%x %X", 0xdeadbeefu, 0xdeadbeefu);
	check("777", "%o", 0777u);
	check("-1 255", "%hhd %hhu", 255, 0x1ff);
	check("-32768 2345", "%hd %hx", 0x18000, 0x12345);
}

static void sixty_four_bit(void **state)
{
	(void)state;
	check("deadbeefcafebabe", "%lx", 0xdeadbeefcafebabeul);
	check("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	check("18446744073709551615", "%zu", SIZE_MAX);
	check("-9223372036854775808", "%lld", (long long)INT64_MIN);
	check("9223372036854775807", "%ld", (long)INT64_MAX);
	check("1777777777777777777777", "%lo", (unsigned long)UINT64_MAX);
	check("FFFFFFFFFFFFFFFF", "%llX", (unsigned long long)UINT64_MAX);
	check("-1", "%zd", (size_t)-1);
}

static void width_flags_precision(void **state)
{
	(void)state;
	check("   42|42   |-0042", "%5d|%-5d|%05d", 42, 42, -42);
	check_unchecked("     042", "%08.3d", 42);
	check("-00042", "%.5d", -42);
	check("[]", "[%.0d]", 0);
	check("[  ]", "[%2.0u]", 0u);
	check("0 0xff 0XFF", "%#x %#x %#X", 0u, 255u, 255u);
	check("010 0 0 0x000000ff", "%#o %#o %#.0o %#010x", 8u, 0u, 0u, 255u);
	check("0x00ff", "%#.4x", 255u);
	check("   42|42   |42   ", "%*d|%-*d|%*d", 5, 42, 5, 42, -5, 42);
	check("42 00042", "%.*d %.*d", -1, 42, 5, 42);
	check_unchecked("42   ", "%-05d", 42);
}

static void chars_strings_pointers(void **state)
{
	(void)state;
	const char unterminated[4] = { 'k', 'e', 'e', 'l' };

	check("A  A|A  |", "%c%3c|%-3c|", 'A', 'A', 'A');
	check("keel", "%s", "keel");
	check_unchecked("(null)", "%s", (char *)NULL);
	check("abc", "%.3s", "abcdef");
	check("keel|kee", "%.4s|%.3s", unterminated, unterminated); /* reads at most 4 bytes */
	check("    keel|keel    |", "%8s|%-8s|", "keel", "keel");
	check("  ab", "%4.2s", "abcdef");
	check("0x1234", "%p", (void *)0x1234);
	check("0x0", "%p", NULL);
	check("0xffff800000001000", "%p", (void *)0xffff800000001000ul);
	check("      0xabc", "%11p", (void *)0xabc);
	check("100%", "100%%");
	check_unchecked("", "");
}

static void unknown_conversions_print_as_written(void **state)
{
	(void)state;
	/* Not literals, so that gcc's format checking lets them through. */
	const char *unknown = "a%5yb", *dangling = "end%";
	char buf[32];

	assert_int_equal(ksnprintf(buf, sizeof(buf), unknown, 0), 5);
	assert_string_equal(buf, "a%5yb");
	assert_int_equal(ksnprintf(buf, sizeof(buf), dangling, 0), 4);
	assert_string_equal(buf, "end%");
}

/* Every buffer size from 0 up: the return value stays the full length, the text is the
 * longest prefix that fits with its NUL, and nothing past size is written. */
static void truncation(void **state)
{
	(void)state;
	const char *full = "value=-123456 hex=0xbeef";
	size_t len = strlen(full);
	char buf[64];

	assert_int_equal(ksnprintf(NULL, 0, "value=%d hex=%#x", -123456, 0xbeef), len);
	for (size_t size = 0; size <= len + 2; size++) {
		memset(buf, 0x5a, sizeof(buf));
		int n = ksnprintf(buf, size, "value=%d hex=%#x", -123456, 0xbeef);
		assert_int_equal(n, len);
		if (size > 0) {
			size_t kept = size - 1 < len ? size - 1 : len;
			assert_memory_equal(buf, full, kept);
			assert_int_equal(buf[kept], '\0');
		}
		for (size_t i = size; i < sizeof(buf); i++)
			assert_int_equal((unsigned char)buf[i], 0x5a);
	}
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(ksnprintf(buf, 3, "%s", "(far too long)"), 14);
	assert_string_equal(buf, "(f");
	assert_int_equal(ksnprintf(buf, 4, "%08d", 7), 8);
	assert_string_equal(buf, "000");
}

static const uint64_t values[] = {
	0, 1, 7, 8, 9, 10, 15, 16, 42, 127, 128, 255, 256, 32767, 32768, 65535, 65536,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 1000000007, 0x7fffffffffffffff,
	0x8000000000000000, 0xfffffffffffffffe, 0xffffffffffffffff, 0xdeadbeefcafebabe,
};

/* Formats one value with a format ending in conversion `conv` and length `len`, with
 * both kvsnprintf and the C library, passing the argument with the type the length asks. */
static void cross_check_one(const char *fmt, const char *len, char conv, uint64_t v)
{
	char want[128], got[128];
	int wn, gn;
	bool is_signed = conv == 'd' || conv == 'i';

#define BOTH(arg) do { \
		wn = snprintf(want, sizeof(want), fmt, arg); \
		gn = ksnprintf(got, sizeof(got), fmt, arg); \
	} while (0)
	if (!strcmp(len, "l") || !strcmp(len, "ll") || !strcmp(len, "z")) {
		if (is_signed)
			BOTH((long long)v);
		else
			BOTH((unsigned long long)v);
	} else {
		if (is_signed)
			BOTH((int)v);
		else
			BOTH((unsigned int)v);
	}
#undef BOTH
	if (strcmp(want, got) != 0 || wn != gn)
		fail_msg("format \"%s\" value %#llx: want \"%s\" (%d), got \"%s\" (%d)", fmt,
			 (unsigned long long)v, want, wn, got, gn);
}

static void cross_check_with_libc(void **state)
{
	(void)state;
	static const char *const flag_sets[] = { "", "-", "0", "#", "-#", "0#", "-0" };
	static const char *const widths[] = { "", "1", "6", "24" };
	static const char *const precs[] = { "", ".0", ".1", ".4", ".23" };
	static const char *const lens[] = { "", "hh", "h", "l", "ll", "z" };
	static const char convs[] = "diuoxX";
	char fmt[32];
	int checked = 0;

	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
	for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++)
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
	for (const char *c = convs; *c; c++) {
		/* '#' is undefined for decimal conversions. */
		if (strchr(flag_sets[f], '#') && (*c == 'd' || *c == 'i' || *c == 'u'))
			continue;
		snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flag_sets[f], widths[w], precs[p],
			 lens[l], *c);
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			cross_check_one(fmt, lens[l], *c, values[v]);
			cross_check_one(fmt, lens[l], *c, 0 - values[v]);
			checked += 2;
		}
	}
	assert_true(checked > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(sixty_four_bit),
		cmocka_unit_test(width_flags_precision),
		cmocka_unit_test(chars_strings_pointers),
		cmocka_unit_test(unknown_conversions_print_as_written),
		cmocka_unit_test(truncation),
		cmocka_unit_test(cross_check_with_libc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
