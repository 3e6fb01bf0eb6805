/* keel.cfg parser (format in config.h and docs/config.md): reading the text; the keys and
 * their rules are vmm/config_keys.c. The text is untrusted: it is scanned only within
 * [text, text + len), and each line is copied into a bounded, NUL-terminated buffer that
 * has been checked for NUL and control bytes before anything else looks at it. A list may
 * continue over several lines; its items are taken one by one as they are read, so no
 * value outlives the line it was read from. */
#include "vmm/config_parser.h"
#include "vmm/layout.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LINE_MAX_CHARS 2047
#define MSG_MAX 384
void config_problem(struct parser *p, int line, const char *fmt, ...)
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
	while (config_is_space(*s))
		s++;
	return s;
}

static bool at_end(const char *s)
{
	return *s == '\0' || *s == '#';
}


/* Reads one value at s: a "quoted" or 'quoted' string or a bare word. Returns what follows
 * it, or NULL after reporting. */
static char *read_value(struct parser *p, const char *key, char *s, struct value *v)
{
	v->raw = s;
	if (*s == '"' || *s == '\'') {
		char quote = *s, *q = s + 1;
		for (; *q && *q != quote; q++) {
			if (is_control(*q)) {
				config_problem(p, p->line, "%s: control character 0x%02x in a quoted string", key,
					(unsigned char)*q);
				return NULL;
			}
		}
		if (*q != quote) {
			config_problem(p, p->line, "%s = %s: unterminated string", key, s);
			return NULL;
		}
		v->s = s + 1;
		v->len = (size_t)(q - s - 1);
		v->quoted = true;
		s = q + 1;
	} else {
		while (is_bare(*s))
			s++;
		if (s == v->raw) {
			if (at_end(s))
				config_problem(p, p->line, "%s has no value", key);
			else
				config_problem(p, p->line, "%s = %s: expected a number, a word, a \"quoted string\" or a "
					"[list]", key, s);
			return NULL;
		}
		v->s = v->raw;
		v->len = (size_t)(s - v->raw);
		v->quoted = false;
	}
	v->raw_len = (int)(s - v->raw);
	return s;
}

static void close_list(struct parser *p)
{
	p->list.open = false;
}

/* Reads list items from s on, up to the closing bracket or the end of the line (the list
 * then continues on the next line). */
static void read_list(struct parser *p, char *s)
{
	const struct config_key *k = &config_keys[p->list.key];
	struct value v;

	for (;;) {
		s = skip_space(s);
		if (at_end(s))
			return;
		if (*s == ']') {
			s = skip_space(s + 1);
			if (!at_end(s))
				config_problem(p, p->line, "%s: unexpected text '%s' after the list", k->name, s);
			close_list(p);
			return;
		}
		if (p->list.broken) { /* skip to the closing bracket */
			if (*s == '"' || *s == '\'') {
				char quote = *s++;
				while (*s && *s != quote)
					s++;
				if (*s)
					s++;
			} else {
				s++;
			}
			continue;
		}
		if (*s == ',') {
			if (p->list.want_item) {
				config_problem(p, p->line, "%s: expected a list item before ','", k->name);
				p->list.broken = true;
			}
			p->list.want_item = true;
			s++;
			continue;
		}
		if (!p->list.want_item) {
			config_problem(p, p->line, "%s: expected ',' or ']' before '%s'", k->name, s);
			p->list.broken = true;
			continue;
		}
		if (!(s = read_value(p, k->name, s, &v))) {
			close_list(p); /* the rest of the line cannot be read: the list ends here */
			return;
		}
		k->set(p, k->name, &v);
		p->list.want_item = false;
	}
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
		config_problem(p, p->line, "expected 'key = value' or [domain], got '%s'", key);
		return;
	}
	key[klen] = '\0'; /* the '=' is at s, past the key */
	s = skip_space(s + 1);
	for (k = 0; k < NKEYS && strcmp(config_keys[k].name, key) != 0; k++)
		;
	if (k == NKEYS) {
		config_problem(p, p->line, "unknown key '%s'", key);
		return;
	}
	if (config_keys[k].global && p->one_domain) {
		config_problem(p, p->line, "'%s' is a keel.cfg setting: a domain's own configuration has [domain] keys only",
			key);
		return;
	}
	if (config_keys[k].global && p->sec != SEC_GLOBAL) {
		config_problem(p, p->line, "'%s' is a global setting: put it before the first [domain]", key);
		return;
	}
	if (!config_keys[k].global && p->sec == SEC_GLOBAL) {
		config_problem(p, p->line, "'%s' belongs in a [domain] section", key);
		return;
	}
	if (p->seen_line[k]) {
		config_problem(p, p->line, "'%s' is given twice in this section (first at line %d)", key,
			p->seen_line[k]);
		return;
	}
	p->seen_line[k] = p->line;
	if (*s == '[') {
		if (!config_keys[k].list) {
			config_problem(p, p->line, "%s: expected a single value, not a list", key);
			return;
		}
		p->list.open = true;
		p->list.broken = false;
		p->list.want_item = true;
		p->list.key = k;
		p->list.line = p->line;
		read_list(p, s + 1);
		return;
	}
	if (!(s = read_value(p, key, s, &v)))
		return;
	s = skip_space(s);
	if (!at_end(s)) {
		config_problem(p, p->line, "%s = %.*s: unexpected text '%s' after the value", key, v.raw_len, v.raw, s);
		return;
	}
	config_keys[k].set(p, key, &v);
}

/* Keeps the domain being read, or reports why it is dropped. */
static void end_section(struct parser *p)
{
	struct domain_config *d = p->dom;

	if (p->list.open) {
		config_problem(p, p->list.line, "the list of '%s' opened at line %d is never closed with ']'",
			config_keys[p->list.key].name, p->list.line);
		close_list(p);
	}
	if (p->sec != SEC_DOMAIN)
		return;
	if (!p->seen_line[KEY_NAME])
		config_problem(p, d->line, "[domain] at line %d has no name", d->line);
	if (!p->seen_line[KEY_KERNEL])
		config_problem(p, d->line, "[domain] at line %d has no kernel", d->line);
	if (d->type == KERNEL_REAL16 && (d->cmdline[0] || d->ramdisk[0] || d->nmodules))
		config_problem(p, p->seen_line[KEY_TYPE], "type = real16: a real-mode kernel gets no cmdline, ramdisk or "
			"modules");
	if (p->dom_bad && d->name[0])
		config_problem(p, d->line, "domain '%s' not started: it has errors", d->name);
	else if (p->dom_bad)
		config_problem(p, d->line, "[domain] at line %d not started: it has errors", d->line);
	else
		p->out->ndomains++;
}

static void parse_header(struct parser *p, char *s)
{
	bool ok = strncmp(s, "[domain]", 8) == 0;
	char *rest = ok ? skip_space(s + 8) : s;

	end_section(p);
	p->sec = SEC_IGNORED;
	if (!ok || !at_end(rest)) {
		config_problem(p, p->line, "'%s' is not a [domain] header: the lines up to the next [domain] "
			"are ignored", s);
		return;
	}
	if (p->one_domain && ++p->sections > 1) {
		config_problem(p, p->line, "a second [domain]: a domain's own configuration has one; it and its lines "
			"are ignored");
		return;
	}
	if (p->out->ndomains == CONFIG_MAX_DOMAINS) {
		config_problem(p, p->line, "more than %d domains: this [domain] and its lines are ignored",
			CONFIG_MAX_DOMAINS);
		return;
	}
	p->dom = &p->out->domains[p->out->ndomains];
	*p->dom = (struct domain_config){
		.type = KERNEL_AUTO,
		.memory_mib = 4,
		.mmio_hole_mib = LAYOUT_HOLE_DEFAULT_MIB,
		.vcpus = 1,
		.weight = CONFIG_WEIGHT_DEFAULT,
		.on_poweroff = ACTION_DESTROY,
		.on_reboot = ACTION_RESTART,
		.on_crash = ACTION_DESTROY,
		.debug_exit = CONFIG_DEBUG_EXIT_DEFAULT,
		.console_ring_kib = CONFIG_CONSOLE_RING_DEFAULT_KIB,
		.line = p->line,
	};
	memset(p->seen_line, 0, sizeof(p->seen_line));
	p->dom_bad = false;
	p->sec = SEC_DOMAIN;
}

/* Copies line [s, s + n) into buf if it is short and holds no NUL or control bytes. */
static bool take_line(struct parser *p, const char *s, size_t n, char *buf)
{
	if (n > LINE_MAX_CHARS) {
		config_problem(p, p->line, "line is %zu characters long: at most %d are allowed", n,
			LINE_MAX_CHARS);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\0') {
			config_problem(p, p->line, "NUL byte at column %zu", i + 1);
			return false;
		}
		if (is_control(s[i]) && s[i] != '\t') {
			config_problem(p, p->line, "control character 0x%02x at column %zu", (unsigned char)s[i],
				i + 1);
			return false;
		}
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

static void parse_line(struct parser *p, char *buf)
{
	char *s = skip_space(buf);

	if (p->list.open && strncmp(s, "[domain]", 8) != 0) {
		read_list(p, s);
		return;
	}
	if (*s == '[')
		parse_header(p, s);
	else if (!at_end(s) && p->sec != SEC_IGNORED)
		parse_assignment(p, s);
}


/* Reads the text's lines into p->out. */
static void parse_text(struct parser *p, const char *text, size_t len)
{
	/* Too big for the stack. Keel parses on the boot CPU: keel.cfg, then dom0's domain_create
	 * calls (a later issue that runs Keel on every CPU gives the parse a lock). */
	static char buf[LINE_MAX_CHARS + 1];
	struct keel_config *out = p->out;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	out->loglevel = LOG_INFO;
	out->timeslice_ms = CONFIG_TIMESLICE_DEFAULT_MS;
	if (!text)
		len = 0;
	while (pos < len) {
		size_t end = pos, n;

		while (end < len && text[end] != '\n')
			end++;
		n = end - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		p->line++;
		if (take_line(p, text + pos, n, buf))
			parse_line(p, buf);
		pos = end < len ? end + 1 : len;
	}
	end_section(p);
}

int config_parse(const char *text, size_t len, struct keel_config *out, config_report_fn report, void *ctx)
{
	struct parser p = { .out = out, .report = report, .ctx = ctx, .sec = SEC_GLOBAL };
	parse_text(&p, text, len);
	config_check_domain_names(&p);
	return p.problems;
}

int config_parse_domain(const char *text, size_t len, struct keel_config *scratch, config_report_fn report, void *ctx)
{
	struct parser p = { .out = scratch, .report = report, .ctx = ctx, .sec = SEC_GLOBAL, .one_domain = true };
	parse_text(&p, text, len);
	if (!p.problems && scratch->ndomains != 1)
		config_problem(&p, 1, "no [domain] section: a domain's own configuration is one");
	return p.problems;
}
