/* keel.cfg parser (format in config.h). The text is untrusted: it is scanned only within
 * [text, text + len), and each line is copied into a bounded, NUL-terminated buffer that
 * has been checked for NUL and control bytes before anything else looks at it. */
#include "vmm/config.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LINE_MAX_CHARS 255
#define MSG_MAX 384
#define STR_(x) #x
#define STR(x) STR_(x)

enum { KEY_LOGLEVEL, KEY_EXIT_PORT, KEY_SHUTDOWN_PORT, KEY_NAME, KEY_KERNEL, KEY_MODE, KEY_MEMORY, KEY_VCPUS,
       KEY_ON_CRASH, NKEYS };

enum section { SEC_GLOBAL, SEC_DOMAIN, SEC_IGNORED };

struct value {
	const char *raw; /* as written, quotes included, for messages */
	int raw_len;
	const char *s;   /* the contents */
	size_t len;
	bool quoted;
};

struct parser {
	struct keel_config *out;
	config_report_fn report;
	void *ctx;
	int problems;
	int line;
	enum section sec;
	bool dom_bad;
	struct domain_config dom;
	int seen_line[NKEYS]; /* per key: line where the current section set it, 0 if not yet */
};

static void __attribute__((format(printf, 3, 4)))
problem(struct parser *p, int line, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->report)
		p->report(p->ctx, line, msg);
	p->problems++;
	if (p->sec == SEC_DOMAIN)
		p->dom_bad = true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

static bool is_bare(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static char *skip_space(char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* Reads a decimal or 0x hex number (no sign) into *n. Returns false, after reporting, if v
 * is not a number or is outside [lo, hi], which `rule` explains. */
static bool get_number(struct parser *p, const char *key, const struct value *v, uint64_t lo,
		       uint64_t hi, const char *rule, uint64_t *n)
{
	const char *s = v->s, *end = v->s + v->len;
	unsigned base = 10;

	if (v->quoted) {
		problem(p, p->line, "%s = %.*s: expected a number, without quotes", key, v->raw_len, v->raw);
		return false;
	}
	if (v->len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	*n = 0;
	for (; s < end; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else {
			problem(p, p->line, "%s = %.*s: expected a decimal or 0x hex number", key,
				v->raw_len, v->raw);
			return false;
		}
		if (*n > (UINT64_MAX - d) / base) {
			problem(p, p->line, "%s = %.*s: number too large", key, v->raw_len, v->raw);
			return false;
		}
		*n = *n * base + d;
	}
	if (*n < lo || *n > hi) {
		problem(p, p->line, "%s = %.*s: %s", key, v->raw_len, v->raw, rule);
		return false;
	}
	return true;
}

/* Returns the index of v among words[0..n), or reports what was expected and returns -1. */
static int get_choice(struct parser *p, const char *key, const struct value *v,
		      const char *const *words, int n, const char *expected)
{
	for (int i = 0; i < n; i++) {
		if (v->len == strlen(words[i]) && memcmp(v->s, words[i], v->len) == 0)
			return i;
	}
	problem(p, p->line, "%s = %.*s: expected %s", key, v->raw_len, v->raw, expected);
	return -1;
}

static void set_loglevel(struct parser *p, const char *key, const struct value *v)
{
	static const char *const w[] = { "error", "warn", "info", "debug" };
	static const enum log_level level[] = { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
	int i = get_choice(p, key, v, w, 4, "error, warn, info or debug");

	if (i >= 0)
		p->out->loglevel = level[i];
}

static void set_port(struct parser *p, const char *key, const struct value *v, uint16_t *port)
{
	uint64_t n;

	if (get_number(p, key, v, 1, 0xffff, "must be 1..0xffff", &n))
		*port = (uint16_t)n;
}

static void set_exit_port(struct parser *p, const char *key, const struct value *v)
{
	set_port(p, key, v, &p->out->exit_port);
}

static void set_shutdown_port(struct parser *p, const char *key, const struct value *v)
{
	set_port(p, key, v, &p->out->shutdown_port);
}

static void set_name(struct parser *p, const char *key, const struct value *v)
{
	bool ok = v->len >= 1 && v->len < CONFIG_NAME_MAX;

	for (size_t i = 0; ok && i < v->len; i++) {
		char c = v->s[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
	}
	if (!ok) {
		problem(p, p->line, "%s = %.*s: must be 1-%d characters of a-z, 0-9, '_' or '-'", key,
			v->raw_len, v->raw, CONFIG_NAME_MAX - 1);
		return;
	}
	memcpy(p->dom.name, v->s, v->len);
	p->dom.name[v->len] = '\0';
	for (unsigned i = 0; i < p->out->ndomains; i++) {
		if (strcmp(p->out->domains[i].name, p->dom.name) == 0)
			problem(p, p->line, "domain '%s' is defined twice (first at line %d)",
				p->dom.name, p->out->domains[i].line);
	}
}

static void set_kernel(struct parser *p, const char *key, const struct value *v)
{
	bool ok = v->len >= 1 && v->len < CONFIG_KERNEL_MAX;

	/* Control characters never get here: the line and the quoted string were checked. */
	for (size_t i = 0; ok && i < v->len; i++)
		ok = v->s[i] != '/' && v->s[i] != '\\';
	if (!ok) {
		problem(p, p->line, "%s = %.*s: must be a file name of 1-%d characters, without '/' or '\\'",
			key, v->raw_len, v->raw, CONFIG_KERNEL_MAX - 1);
		return;
	}
	memcpy(p->dom.kernel, v->s, v->len);
	p->dom.kernel[v->len] = '\0';
}

static void set_mode(struct parser *p, const char *key, const struct value *v)
{
	static const char *const w[] = { "long64", "real16" };
	int i = get_choice(p, key, v, w, 2, "long64 or real16");

	if (i >= 0)
		p->dom.mode = i == 0 ? GUEST_MODE_LONG64 : GUEST_MODE_REAL16;
}

static void set_memory(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (get_number(p, key, v, 1, CONFIG_MEMORY_MAX_MIB,
		       "must be 1.." STR(CONFIG_MEMORY_MAX_MIB) " MiB", &n))
		p->dom.memory_mib = n;
}

static void set_vcpus(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	/* Leaves the default, 1, which is all it may be. */
	get_number(p, key, v, 1, 1, "must be 1 (multi-vCPU guests are not supported yet)", &n);
}

static void set_on_crash(struct parser *p, const char *key, const struct value *v)
{
	static const char *const w[] = { "destroy", "preserve" };
	int i = get_choice(p, key, v, w, 2, "destroy or preserve");

	if (i >= 0)
		p->dom.on_crash = i == 0 ? ON_CRASH_DESTROY : ON_CRASH_PRESERVE;
}

static const struct key {
	const char *name;
	bool global;
	void (*set)(struct parser *p, const char *key, const struct value *v);
} keys[NKEYS] = {
	[KEY_LOGLEVEL] = { "loglevel", true, set_loglevel },
	[KEY_EXIT_PORT] = { "exit_port", true, set_exit_port },
	[KEY_SHUTDOWN_PORT] = { "shutdown_port", true, set_shutdown_port },
	[KEY_NAME] = { "name", false, set_name },
	[KEY_KERNEL] = { "kernel", false, set_kernel },
	[KEY_MODE] = { "mode", false, set_mode },
	[KEY_MEMORY] = { "memory", false, set_memory },
	[KEY_VCPUS] = { "vcpus", false, set_vcpus },
	[KEY_ON_CRASH] = { "on_crash", false, set_on_crash },
};

/* Reads the value after '=': a "quoted string" or a bare word, then only a comment. */
static bool parse_value(struct parser *p, const char *key, char *s, struct value *v)
{
	s = skip_space(s);
	v->raw = s;
	if (*s == '"') {
		char *q = s + 1;
		for (; *q && *q != '"'; q++) {
			if (is_control(*q)) {
				problem(p, p->line, "%s: control character 0x%02x in a quoted string", key,
					(unsigned char)*q);
				return false;
			}
		}
		if (*q != '"') {
			problem(p, p->line, "%s = %s: unterminated string", key, s);
			return false;
		}
		v->s = s + 1;
		v->len = (size_t)(q - s - 1);
		v->quoted = true;
		s = q + 1;
	} else {
		while (is_bare(*s))
			s++;
		if (s == v->raw) {
			if (*s == '\0' || *s == '#')
				problem(p, p->line, "%s has no value", key);
			else
				problem(p, p->line, "%s = %s: expected a number, a word or a \"quoted string\"",
					key, s);
			return false;
		}
		v->s = v->raw;
		v->len = (size_t)(s - v->raw);
		v->quoted = false;
	}
	v->raw_len = (int)(s - v->raw);
	s = skip_space(s);
	if (*s != '\0' && *s != '#') {
		problem(p, p->line, "%s = %.*s: unexpected text '%s' after the value", key, v->raw_len,
			v->raw, s);
		return false;
	}
	return true;
}

static void parse_assignment(struct parser *p, char *s)
{
	char *key = s;
	struct value v;
	size_t klen;
	int k;

	while (is_bare(*s))
		s++;
	klen = (size_t)(s - key);
	s = skip_space(s);
	if (klen == 0 || *s != '=') {
		problem(p, p->line, "expected 'key = value' or [domain], got '%s'", key);
		return;
	}
	key[klen] = '\0'; /* the '=' is at s, past the key */
	s++;
	for (k = 0; k < NKEYS && strcmp(keys[k].name, key) != 0; k++)
		;
	if (k == NKEYS) {
		problem(p, p->line, "unknown key '%s'", key);
		return;
	}
	if (keys[k].global && p->sec != SEC_GLOBAL) {
		problem(p, p->line, "'%s' is a global setting: put it before the first [domain]", key);
		return;
	}
	if (!keys[k].global && p->sec == SEC_GLOBAL) {
		problem(p, p->line, "'%s' belongs in a [domain] section", key);
		return;
	}
	if (p->seen_line[k]) {
		problem(p, p->line, "'%s' is given twice in this section (first at line %d)", key,
			p->seen_line[k]);
		return;
	}
	p->seen_line[k] = p->line;
	if (parse_value(p, key, s, &v))
		keys[k].set(p, key, &v);
}

/* Keeps the domain being read, or reports why it is dropped. */
static void end_section(struct parser *p)
{
	struct domain_config *d = &p->dom;

	if (p->sec != SEC_DOMAIN)
		return;
	if (!p->seen_line[KEY_NAME])
		problem(p, d->line, "[domain] at line %d has no name", d->line);
	if (!p->seen_line[KEY_KERNEL])
		problem(p, d->line, "[domain] at line %d has no kernel", d->line);
	if (p->dom_bad && d->name[0])
		problem(p, d->line, "domain '%s' not started: it has errors", d->name);
	else if (p->dom_bad)
		problem(p, d->line, "[domain] at line %d not started: it has errors", d->line);
	else
		p->out->domains[p->out->ndomains++] = *d;
}

static void parse_header(struct parser *p, char *s)
{
	bool ok = strncmp(s, "[domain]", 8) == 0;
	char *rest = ok ? skip_space(s + 8) : s;

	end_section(p);
	p->sec = SEC_IGNORED;
	if (!ok || (*rest != '\0' && *rest != '#')) {
		problem(p, p->line, "'%s' is not a [domain] header: the lines up to the next [domain] "
			"are ignored", s);
		return;
	}
	if (p->out->ndomains == CONFIG_MAX_DOMAINS) {
		problem(p, p->line, "more than %d domains: this [domain] and its lines are ignored",
			CONFIG_MAX_DOMAINS);
		return;
	}
	p->dom = (struct domain_config){ .mode = GUEST_MODE_LONG64, .memory_mib = 4, .vcpus = 1,
					 .on_crash = ON_CRASH_DESTROY, .line = p->line };
	memset(p->seen_line, 0, sizeof(p->seen_line));
	p->dom_bad = false;
	p->sec = SEC_DOMAIN;
}

/* Copies line [s, s + n) into buf if it is short and holds no NUL or control bytes. */
static bool take_line(struct parser *p, const char *s, size_t n, char *buf)
{
	if (n > LINE_MAX_CHARS) {
		problem(p, p->line, "line is %zu characters long: at most %d are allowed", n,
			LINE_MAX_CHARS);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\0') {
			problem(p, p->line, "NUL byte at column %zu", i + 1);
			return false;
		}
		if (is_control(s[i]) && s[i] != '\t') {
			problem(p, p->line, "control character 0x%02x at column %zu", (unsigned char)s[i],
				i + 1);
			return false;
		}
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

int config_parse(const char *text, size_t len, struct keel_config *out, config_report_fn report, void *ctx)
{
	struct parser p = { .out = out, .report = report, .ctx = ctx, .sec = SEC_GLOBAL };
	char buf[LINE_MAX_CHARS + 1];
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	out->loglevel = LOG_INFO;
	if (!text)
		len = 0;
	while (pos < len) {
		size_t end = pos, n;
		char *s;

		while (end < len && text[end] != '\n')
			end++;
		n = end - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		p.line++;
		if (take_line(&p, text + pos, n, buf)) {
			s = skip_space(buf);
			if (*s == '[')
				parse_header(&p, s);
			else if (*s != '\0' && *s != '#' && p.sec != SEC_IGNORED)
				parse_assignment(&p, s);
		}
		pos = end < len ? end + 1 : len;
	}
	end_section(&p);
	return p.problems;
}
