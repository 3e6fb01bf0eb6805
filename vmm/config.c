/* keel.cfg parser (format in config.h and docs/config.md). The text is untrusted: it is
 * scanned only within [text, text + len), and each line is copied into a bounded,
 * NUL-terminated buffer that has been checked for NUL and control bytes before anything
 * else looks at it. A list may continue over several lines; its items are taken one by
 * one as they are read, so no value outlives the line it was read from. */
#include "vmm/config.h"
#include "vmm/layout.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LINE_MAX_CHARS 2047
#define MSG_MAX 384
#define STR_(x) #x
#define STR(x) STR_(x)

/* Ports a domain's devices use, which its debug-exit port must not take. */
#define UART_FIRST 0x3f8
#define UART_LAST 0x3ff
#define DEBUGCON_PORT 0xe9

enum { KEY_LOGLEVEL, KEY_EXIT_PORT, KEY_SHUTDOWN_PORT, KEY_TIMESLICE, KEY_WATCHDOG, KEY_SERIAL_INPUT, KEY_NAME, KEY_KERNEL, KEY_TYPE, KEY_CMDLINE,
       KEY_RAMDISK, KEY_MODULE, KEY_MEMORY, KEY_MMIO_HOLE, KEY_VCPUS, KEY_WEIGHT, KEY_CAP, KEY_CPU_LIMIT, KEY_UNBACKED, KEY_ON_POWEROFF,
       KEY_ON_REBOOT, KEY_ON_CRASH, KEY_DEBUG_EXIT, KEY_CONSOLE_RING, NKEYS };

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
	struct domain_config *dom; /* the slot being filled: out->domains[out->ndomains] */
	int seen_line[NKEYS]; /* per key: line where the current section set it, 0 if not yet */
	struct {
		bool open;          /* inside [ ... ] of key `key` */
		bool broken;        /* an error was reported: skip to the closing bracket */
		bool want_item;     /* an item may come next (else ',' or ']') */
		int key, line;      /* line: where '[' was */
	} list;
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

static bool at_end(const char *s)
{
	return *s == '\0' || *s == '#';
}

const char *config_reset_port(uint16_t port)
{
	switch (port) {
	case 0x64:
		return "the keyboard controller's command port (command 0xfe resets the machine)";
	case 0x92:
		return "System Control Port A (bit 0 resets the machine)";
	case 0xcf9:
		return "the reset control register (writing it resets the machine)";
	default:
		return NULL;
	}
}

const char *config_kernel_type_name(enum kernel_type type)
{
	static const char *const names[] = {
		[KERNEL_AUTO] = "auto", [KERNEL_ELF64] = "elf64", [KERNEL_MULTIBOOT1] = "multiboot1",
		[KERNEL_MULTIBOOT2] = "multiboot2", [KERNEL_REAL16] = "real16",
	};
	return (unsigned)type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

const char *config_action_name(enum end_action action)
{
	static const char *const names[] = {
		[ACTION_DESTROY] = "destroy", [ACTION_RESTART] = "restart", [ACTION_PRESERVE] = "preserve",
	};
	return (unsigned)action < sizeof(names) / sizeof(names[0]) ? names[action] : "?";
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

/* Copies v into dst (size bytes with the NUL) if it fits. */
static bool get_string(struct parser *p, const char *key, const struct value *v, char *dst, size_t size)
{
	if (v->len >= size) {
		problem(p, p->line, "%s: %zu characters is too long, at most %zu are allowed", key, v->len,
			size - 1);
		return false;
	}
	memcpy(dst, v->s, v->len);
	dst[v->len] = '\0';
	return true;
}

/* A boot module's file name: printable, no spaces, no directories, as every boot path
 * can name it (docs/config.md). */
static bool valid_file_name(const char *s, size_t len)
{
	if (len == 0 || len >= CONFIG_FILE_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '/' || s[i] == '\\')
			return false;
	return true;
}

static void set_file(struct parser *p, const char *key, const struct value *v, char *dst)
{
	if (!valid_file_name(v->s, v->len)) {
		problem(p, p->line, "%s = %.*s: must be a file name of 1-%d characters, without spaces, "
			"'/' or '\\'", key, v->raw_len, v->raw, CONFIG_FILE_MAX - 1);
		return;
	}
	memcpy(dst, v->s, v->len);
	dst[v->len] = '\0';
}

static void set_loglevel(struct parser *p, const char *key, const struct value *v)
{
	static const char *const w[] = { "error", "warn", "info", "debug" };
	static const enum log_level level[] = { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
	int i = get_choice(p, key, v, w, 4, "error, warn, info or debug");

	if (i >= 0)
		p->out->loglevel = level[i];
}

/* A port Keel writes to when it ends: it must not be one that resets or powers off a PC. */
static void set_end_port(struct parser *p, const char *key, const struct value *v, uint16_t *port, int *line)
{
	uint64_t n;
	const char *danger;

	if (!get_number(p, key, v, 1, 0xffff, "must be 1..0xffff", &n))
		return;
	if ((danger = config_reset_port((uint16_t)n))) {
		problem(p, p->line, "%s = %.*s: refused: port 0x%x is %s", key, v->raw_len, v->raw,
			(unsigned)n, danger);
		return;
	}
	*port = (uint16_t)n;
	*line = p->line;
}

static void set_exit_port(struct parser *p, const char *key, const struct value *v)
{
	set_end_port(p, key, v, &p->out->exit_port, &p->out->exit_port_line);
}

static void set_shutdown_port(struct parser *p, const char *key, const struct value *v)
{
	set_end_port(p, key, v, &p->out->shutdown_port, &p->out->shutdown_port_line);
}

static void set_timeslice(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (get_number(p, key, v, 1, CONFIG_TIMESLICE_MAX_MS, "must be 1.." STR(CONFIG_TIMESLICE_MAX_MS) " (ms)", &n))
		p->out->timeslice_ms = (unsigned)n;
}

static void set_watchdog(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (get_number(p, key, v, 0, CONFIG_WATCHDOG_MAX_S, "must be 0.." STR(CONFIG_WATCHDOG_MAX_S) " (s, 0 = off)", &n))
		p->out->watchdog_s = (unsigned)n;
}

/* A domain's name into name (CONFIG_NAME_MAX bytes), if it is one. */
static bool get_name(struct parser *p, const char *key, const struct value *v, char *name)
{
	bool ok = v->len >= 1 && v->len < CONFIG_NAME_MAX;

	for (size_t i = 0; ok && i < v->len; i++) {
		char c = v->s[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
	}
	if (!ok) {
		problem(p, p->line, "%s = %.*s: must be 1-%d characters of a-z, 0-9, '_' or '-'", key,
			v->raw_len, v->raw, CONFIG_NAME_MAX - 1);
		return false;
	}
	memcpy(name, v->s, v->len);
	name[v->len] = '\0';
	return true;
}

/* Checked once every domain is read: the name must be one of theirs. */
static void set_serial_input(struct parser *p, const char *key, const struct value *v)
{
	if (get_name(p, key, v, p->out->serial_input))
		p->out->serial_input_line = p->line;
}

static void set_name(struct parser *p, const char *key, const struct value *v)
{
	if (!get_name(p, key, v, p->dom->name))
		return;
	for (unsigned i = 0; i < p->out->ndomains; i++) {
		if (strcmp(p->out->domains[i].name, p->dom->name) == 0)
			problem(p, p->line, "domain '%s' is defined twice (first at line %d)",
				p->dom->name, p->out->domains[i].line);
	}
}

static void set_kernel(struct parser *p, const char *key, const struct value *v)
{
	set_file(p, key, v, p->dom->kernel);
}

static void set_ramdisk(struct parser *p, const char *key, const struct value *v)
{
	set_file(p, key, v, p->dom->ramdisk);
}

static void set_type(struct parser *p, const char *key, const struct value *v)
{
	static const char *const w[] = { "auto", "elf64", "multiboot1", "multiboot2", "real16" };
	static const enum kernel_type t[] = { KERNEL_AUTO, KERNEL_ELF64, KERNEL_MULTIBOOT1, KERNEL_MULTIBOOT2,
					      KERNEL_REAL16 };
	int i = get_choice(p, key, v, w, 5, "auto, elf64, multiboot1, multiboot2 or real16");

	if (i >= 0)
		p->dom->type = t[i];
}

static void set_cmdline(struct parser *p, const char *key, const struct value *v)
{
	get_string(p, key, v, p->dom->cmdline, sizeof(p->dom->cmdline));
}

/* One entry of the module list: a file name, then (after spaces) the module's command line. */
static void add_module(struct parser *p, const char *key, const struct value *v)
{
	struct domain_config *d = p->dom;
	size_t n = 0;

	if (d->nmodules == CONFIG_MAX_MODULES) {
		problem(p, p->line, "%s: more than %d modules", key, CONFIG_MAX_MODULES);
		p->list.broken = true;
		return;
	}
	while (n < v->len && !is_space(v->s[n]))
		n++;
	if (!valid_file_name(v->s, n)) {
		problem(p, p->line, "%s: %.*s: must start with a file name of 1-%d characters, without "
			"'/' or '\\'", key, v->raw_len, v->raw, CONFIG_FILE_MAX - 1);
		return;
	}
	struct module_config *m = &d->modules[d->nmodules];
	memcpy(m->file, v->s, n);
	m->file[n] = '\0';
	while (n < v->len && is_space(v->s[n]))
		n++;
	struct value rest = { .s = v->s + n, .len = v->len - n };
	char what[CONFIG_FILE_MAX + 32];
	ksnprintf(what, sizeof(what), "%s '%s': its command line", key, m->file);
	if (get_string(p, what, &rest, m->cmdline, sizeof(m->cmdline)))
		d->nmodules++;
}

static void set_memory(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (get_number(p, key, v, 1, CONFIG_MEMORY_MAX_MIB,
		       "must be 1.." STR(CONFIG_MEMORY_MAX_MIB) " MiB", &n))
		p->dom->memory_mib = n;
}

static void set_mmio_hole(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (get_number(p, key, v, LAYOUT_HOLE_MIN_MIB, LAYOUT_HOLE_MAX_MIB,
		       "must be " STR(LAYOUT_HOLE_MIN_MIB) ".." STR(LAYOUT_HOLE_MAX_MIB) " MiB", &n))
		p->dom->mmio_hole_mib = n;
}

static void set_vcpus(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	/* Leaves the default, 1, which is all it may be for now. */
	get_number(p, key, v, 1, 1, "must be 1: guests with more than one vCPU are not supported yet", &n);
}

static void set_weight(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (get_number(p, key, v, 1, CONFIG_WEIGHT_MAX, "must be 1.." STR(CONFIG_WEIGHT_MAX), &n))
		p->dom->weight = (unsigned)n;
}

static void set_cap(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (get_number(p, key, v, 0, 100, "must be 0..100 (percent of one CPU, 0 = no cap)", &n))
		p->dom->cap = (unsigned)n;
}

static void set_cpu_limit(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (get_number(p, key, v, 0, CONFIG_CPU_LIMIT_MAX_MS,
		       "must be 0.." STR(CONFIG_CPU_LIMIT_MAX_MS) " (ms of CPU time, 0 = no limit)", &n))
		p->dom->cpu_limit_ms = (unsigned)n;
}

static void set_action(struct parser *p, const char *key, const struct value *v, enum end_action *action)
{
	static const char *const w[] = { "destroy", "restart", "preserve" };
	static const enum end_action a[] = { ACTION_DESTROY, ACTION_RESTART, ACTION_PRESERVE };
	int i = get_choice(p, key, v, w, 3, "destroy, restart or preserve");

	if (i >= 0)
		*action = a[i];
}

static void set_on_poweroff(struct parser *p, const char *key, const struct value *v)
{
	set_action(p, key, v, &p->dom->on_poweroff);
}

static void set_on_reboot(struct parser *p, const char *key, const struct value *v)
{
	set_action(p, key, v, &p->dom->on_reboot);
}

static void set_on_crash(struct parser *p, const char *key, const struct value *v)
{
	set_action(p, key, v, &p->dom->on_crash);
}

static void set_unbacked(struct parser *p, const char *key, const struct value *v)
{
	static const char *const w[] = { "all_ones", "crash" };
	int i = get_choice(p, key, v, w, 2, "all_ones or crash");

	if (i >= 0)
		p->dom->unbacked = i ? UNBACKED_CRASH : UNBACKED_ALL_ONES;
}

static void set_debug_exit(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (!get_number(p, key, v, 0, 0xffff, "must be 0..0xffff (0: no debug-exit device)", &n))
		return;
	if (n >= UART_FIRST && n <= UART_LAST)
		problem(p, p->line, "%s = %.*s: port 0x%x belongs to the domain's UART (0x3f8-0x3ff)", key,
			v->raw_len, v->raw, (unsigned)n);
	else if (n == DEBUGCON_PORT)
		problem(p, p->line, "%s = %.*s: port 0xe9 is the domain's debug console", key, v->raw_len, v->raw);
	else
		p->dom->debug_exit = (uint16_t)n;
}

static void set_console_ring(struct parser *p, const char *key, const struct value *v)
{
	uint64_t n;

	if (get_number(p, key, v, 1, CONFIG_CONSOLE_RING_MAX_KIB,
		       "must be 1.." STR(CONFIG_CONSOLE_RING_MAX_KIB) " KiB", &n))
		p->dom->console_ring_kib = (unsigned)n;
}

typedef void (*set_fn)(struct parser *p, const char *key, const struct value *v);

static const struct key {
	const char *name;
	bool global;
	bool list;  /* takes [ ... ] (or a single value): set is called once per item */
	set_fn set;
} keys[NKEYS] = {
	[KEY_LOGLEVEL] = { "loglevel", true, false, set_loglevel },
	[KEY_EXIT_PORT] = { "exit_port", true, false, set_exit_port },
	[KEY_SHUTDOWN_PORT] = { "shutdown_port", true, false, set_shutdown_port },
	[KEY_TIMESLICE] = { "timeslice_ms", true, false, set_timeslice },
	[KEY_WATCHDOG] = { "watchdog", true, false, set_watchdog },
	[KEY_SERIAL_INPUT] = { "serial_input", true, false, set_serial_input },
	[KEY_NAME] = { "name", false, false, set_name },
	[KEY_KERNEL] = { "kernel", false, false, set_kernel },
	[KEY_TYPE] = { "type", false, false, set_type },
	[KEY_CMDLINE] = { "cmdline", false, false, set_cmdline },
	[KEY_RAMDISK] = { "ramdisk", false, false, set_ramdisk },
	[KEY_MODULE] = { "module", false, true, add_module },
	[KEY_MEMORY] = { "memory", false, false, set_memory },
	[KEY_MMIO_HOLE] = { "mmio_hole", false, false, set_mmio_hole },
	[KEY_VCPUS] = { "vcpus", false, false, set_vcpus },
	[KEY_WEIGHT] = { "weight", false, false, set_weight },
	[KEY_CAP] = { "cap", false, false, set_cap },
	[KEY_CPU_LIMIT] = { "cpu_limit_ms", false, false, set_cpu_limit },
	[KEY_UNBACKED] = { "unbacked", false, false, set_unbacked },
	[KEY_ON_POWEROFF] = { "on_poweroff", false, false, set_on_poweroff },
	[KEY_ON_REBOOT] = { "on_reboot", false, false, set_on_reboot },
	[KEY_ON_CRASH] = { "on_crash", false, false, set_on_crash },
	[KEY_DEBUG_EXIT] = { "debug_exit", false, false, set_debug_exit },
	[KEY_CONSOLE_RING] = { "console_ring", false, false, set_console_ring },
};

/* Reads one value at s: a "quoted" or 'quoted' string or a bare word. Returns what follows
 * it, or NULL after reporting. */
static char *read_value(struct parser *p, const char *key, char *s, struct value *v)
{
	v->raw = s;
	if (*s == '"' || *s == '\'') {
		char quote = *s, *q = s + 1;
		for (; *q && *q != quote; q++) {
			if (is_control(*q)) {
				problem(p, p->line, "%s: control character 0x%02x in a quoted string", key,
					(unsigned char)*q);
				return NULL;
			}
		}
		if (*q != quote) {
			problem(p, p->line, "%s = %s: unterminated string", key, s);
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
				problem(p, p->line, "%s has no value", key);
			else
				problem(p, p->line, "%s = %s: expected a number, a word, a \"quoted string\" or a "
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
	const struct key *k = &keys[p->list.key];
	struct value v;

	for (;;) {
		s = skip_space(s);
		if (at_end(s))
			return;
		if (*s == ']') {
			s = skip_space(s + 1);
			if (!at_end(s))
				problem(p, p->line, "%s: unexpected text '%s' after the list", k->name, s);
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
				problem(p, p->line, "%s: expected a list item before ','", k->name);
				p->list.broken = true;
			}
			p->list.want_item = true;
			s++;
			continue;
		}
		if (!p->list.want_item) {
			problem(p, p->line, "%s: expected ',' or ']' before '%s'", k->name, s);
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
		problem(p, p->line, "expected 'key = value' or [domain], got '%s'", key);
		return;
	}
	key[klen] = '\0'; /* the '=' is at s, past the key */
	s = skip_space(s + 1);
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
	if (*s == '[') {
		if (!keys[k].list) {
			problem(p, p->line, "%s: expected a single value, not a list", key);
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
		problem(p, p->line, "%s = %.*s: unexpected text '%s' after the value", key, v.raw_len, v.raw, s);
		return;
	}
	keys[k].set(p, key, &v);
}

/* Keeps the domain being read, or reports why it is dropped. */
static void end_section(struct parser *p)
{
	struct domain_config *d = p->dom;

	if (p->list.open) {
		problem(p, p->list.line, "the list of '%s' opened at line %d is never closed with ']'",
			keys[p->list.key].name, p->list.line);
		close_list(p);
	}
	if (p->sec != SEC_DOMAIN)
		return;
	if (!p->seen_line[KEY_NAME])
		problem(p, d->line, "[domain] at line %d has no name", d->line);
	if (!p->seen_line[KEY_KERNEL])
		problem(p, d->line, "[domain] at line %d has no kernel", d->line);
	if (d->type == KERNEL_REAL16 && (d->cmdline[0] || d->ramdisk[0] || d->nmodules))
		problem(p, p->seen_line[KEY_TYPE], "type = real16: a real-mode kernel gets no cmdline, ramdisk or "
			"modules");
	if (p->dom_bad && d->name[0])
		problem(p, d->line, "domain '%s' not started: it has errors", d->name);
	else if (p->dom_bad)
		problem(p, d->line, "[domain] at line %d not started: it has errors", d->line);
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
		problem(p, p->line, "'%s' is not a [domain] header: the lines up to the next [domain] "
			"are ignored", s);
		return;
	}
	if (p->out->ndomains == CONFIG_MAX_DOMAINS) {
		problem(p, p->line, "more than %d domains: this [domain] and its lines are ignored",
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

static void check_serial_input(struct parser *p)
{
	const struct keel_config *c = p->out;
	if (!c->serial_input[0])
		return;
	for (unsigned i = 0; i < c->ndomains; i++)
		if (strcmp(c->domains[i].name, c->serial_input) == 0)
			return;
	problem(p, c->serial_input_line, "serial_input = %s: no domain of that name is started", c->serial_input);
	p->out->serial_input[0] = '\0';
}

int config_parse(const char *text, size_t len, struct keel_config *out, config_report_fn report, void *ctx)
{
	struct parser p = { .out = out, .report = report, .ctx = ctx, .sec = SEC_GLOBAL };
	static char buf[LINE_MAX_CHARS + 1]; /* too big for the stack; Keel parses once, on one CPU */
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
		p.line++;
		if (take_line(&p, text + pos, n, buf))
			parse_line(&p, buf);
		pos = end < len ? end + 1 : len;
	}
	end_section(&p);
	check_serial_input(&p);
	return p.problems;
}
