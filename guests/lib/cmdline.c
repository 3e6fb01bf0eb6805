/* Command lines: tokens separated by spaces, `key=value` tokens naming values. */
#include "guests/lib/guest.h"
#include "lib/string.h"

/* Token number index of s: its start and length. */
static bool token(const char *s, unsigned index, const char **tok, size_t *len)
{
	for (unsigned i = 0;; i++) {
		while (*s == ' ')
			s++;
		if (!*s)
			return false;
		const char *start = s;
		while (*s && *s != ' ')
			s++;
		if (i == index) {
			*tok = start;
			*len = (size_t)(s - start);
			return true;
		}
	}
}

/* The value of the first `key=` token. */
static bool find_value(const char *cmdline, const char *key, const char **val, size_t *len)
{
	size_t klen = strlen(key);
	const char *tok;
	size_t tlen;

	for (unsigned i = 0; token(cmdline, i, &tok, &tlen); i++) {
		if (tlen > klen && strncmp(tok, key, klen) == 0 && tok[klen] == '=') {
			*val = tok + klen + 1;
			*len = tlen - klen - 1;
			return true;
		}
	}
	return false;
}

static long copy_out(const char *s, size_t len, char *buf, size_t size)
{
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
	}
	return (long)len;
}

long cmdline_value(const char *cmdline, const char *key, char *buf, size_t size)
{
	const char *val;
	size_t len;
	if (!find_value(cmdline, key, &val, &len))
		return -1;
	return copy_out(val, len, buf, size);
}

long cmdline_word(const char *cmdline, unsigned index, char *buf, size_t size)
{
	const char *tok;
	size_t len;
	if (!token(cmdline, index, &tok, &len))
		return -1;
	return copy_out(tok, len, buf, size);
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)digit_value(s[i]);
		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

bool cmdline_has_word(const char *cmdline, const char *word)
{
	char token[16];
	for (unsigned i = 0; cmdline_word(cmdline, i, token, sizeof(token)) >= 0; i++)
		if (!strcmp(token, word))
			return true;
	return false;
}

bool cmdline_u64(const char *cmdline, const char *key, uint64_t *out)
{
	const char *val;
	size_t len;
	return find_value(cmdline, key, &val, &len) && parse_u64(val, len, out);
}
