#include "printf.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "string.h"

/* Output cursor: bytes past the end of buf are counted, not stored. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left;  /* '-' */
	bool zero;  /* '0' */
	bool alt;   /* '#' */
	int width;
	int prec;   /* -1 when not given */
};

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	int n = (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : SIZE_MAX);
	if (!sp->left)
		put_n(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		put_n(o, ' ', sp->width - n);
}

static void put_char(struct out *o, const struct spec *sp, char c)
{
	if (!sp->left)
		put_n(o, ' ', sp->width - 1);
	put(o, c);
	if (sp->left)
		put_n(o, ' ', sp->width - 1);
}

/* Prints v in the given base; prefix is "-", "0x", "0X" or "". */
static void put_num(struct out *o, const struct spec *sp, uint64_t v, unsigned base,
		    bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[22]; /* 2^64 - 1 in octal */
	int nd = 0;

	/* C11 7.21.6.1: a zero value with precision 0 prints no digits. */
	if (v != 0 || sp->prec != 0) {
		do {
			tmp[nd++] = digits[v % base];
			v /= base;
		} while (v);
	}
	int zeros = sp->prec > nd ? sp->prec - nd : 0;
	/* '#' with 'o' makes the first digit a zero. */
	if (sp->alt && base == 8 && zeros == 0 && (nd == 0 || tmp[nd - 1] != '0'))
		zeros = 1;
	int plen = (int)strlen(prefix);
	int len = plen + zeros + nd;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > len) {
		zeros += sp->width - len;
		len = sp->width;
	}
	if (!sp->left)
		put_n(o, ' ', sp->width - len);
	while (*prefix)
		put(o, *prefix++);
	put_n(o, '0', zeros);
	while (nd > 0)
		put(o, tmp[--nd]);
	if (sp->left)
		put_n(o, ' ', sp->width - len);
}

enum length { LEN_HH, LEN_H, LEN_INT, LEN_L, LEN_LL, LEN_Z };

static int64_t get_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z:  return (int64_t)va_arg(*ap, size_t);
	default:     return va_arg(*ap, int);
	}
}

static uint64_t get_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	default:     return va_arg(*ap, unsigned int);
	}
}

static int parse_int(const char **p)
{
	int n = 0;
	while (**p >= '0' && **p <= '9') {
		if (n < 100000000)
			n = n * 10 + (**p - '0');
		(*p)++;
	}
	return n;
}

/* Parses flags, width, precision and length after a '%'. */
static const char *parse_spec(const char *p, struct spec *sp, enum length *len, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; p++) {
		if (*p == '-')
			sp->left = true;
		else if (*p == '0')
			sp->zero = true;
		else if (*p == '#')
			sp->alt = true;
		else
			break;
	}
	if (*p == '*') {
		p++;
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) { /* a negative '*' width means '-' */
			sp->left = true;
			sp->width = sp->width == INT_MIN ? INT_MAX : -sp->width;
		}
	} else {
		sp->width = parse_int(&p);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			p++;
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0) /* a negative '*' precision counts as none */
				sp->prec = -1;
		} else {
			sp->prec = parse_int(&p);
		}
	}
	*len = LEN_INT;
	if (*p == 'h') {
		p++;
		*len = LEN_H;
		if (*p == 'h') {
			p++;
			*len = LEN_HH;
		}
	} else if (*p == 'l') {
		p++;
		*len = LEN_L;
		if (*p == 'l') {
			p++;
			*len = LEN_LL;
		}
	} else if (*p == 'z') {
		p++;
		*len = LEN_Z;
	}
	return p;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		const char *start = p;
		struct spec sp;
		enum length len;
		p = parse_spec(p + 1, &sp, &len, &args);
		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v = get_signed(&args, len);
			/* Negate in unsigned arithmetic: INT64_MIN has no positive counterpart. */
			put_num(&o, &sp, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, false,
				v < 0 ? "-" : "");
			break;
		}
		case 'u':
			put_num(&o, &sp, get_unsigned(&args, len), 10, false, "");
			break;
		case 'o':
			put_num(&o, &sp, get_unsigned(&args, len), 8, false, "");
			break;
		case 'x':
		case 'X': {
			uint64_t v = get_unsigned(&args, len);
			bool upper = *p == 'X';
			put_num(&o, &sp, v, 16, upper, sp.alt && v ? (upper ? "0X" : "0x") : "");
			break;
		}
		case 'p':
			put_num(&o, &sp, (uintptr_t)va_arg(args, void *), 16, false, "0x");
			break;
		case 'c':
			put_char(&o, &sp, (char)va_arg(args, int));
			break;
		case 's':
			put_str(&o, &sp, va_arg(args, const char *));
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown conversion: print it as written. */
			while (start < p)
				put(&o, *start++);
			if (!*p)
				p--; /* the format ended inside the conversion */
			else
				put(&o, *p);
			break;
		}
	}
	va_end(args);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
