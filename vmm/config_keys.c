/* keel.cfg's keys (see config.h and docs/config.md): the rules each value must meet, and
 * where it goes. vmm/config.c reads the text and calls a key's set with each value. */
#include "vmm/config_parser.h"
#include "vmm/layout.h"
#include "vmm/policy.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Ports a domain's devices use, which its debug-exit port must not take. */
#define UART_FIRST 0x3f8
#define UART_LAST 0x3ff
#define DEBUGCON_PORT 0xe9

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
		[KERNEL_MULTIBOOT2] = "multiboot2", [KERNEL_REAL16] = "real16", [KERNEL_PVH] = "pvh",
		[KERNEL_LINUX] = "linux",
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
		config_problem(p, p->line, "%s = %.*s: expected a number, without quotes", key, v->raw_len, v->raw);
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
			config_problem(p, p->line, "%s = %.*s: expected a decimal or 0x hex number", key,
				v->raw_len, v->raw);
			return false;
		}
		if (*n > (UINT64_MAX - d) / base) {
			config_problem(p, p->line, "%s = %.*s: number too large", key, v->raw_len, v->raw);
			return false;
		}
		*n = *n * base + d;
	}
	if (*n < lo || *n > hi) {
		config_problem(p, p->line, "%s = %.*s: %s", key, v->raw_len, v->raw, rule);
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
	config_problem(p, p->line, "%s = %.*s: expected %s", key, v->raw_len, v->raw, expected);
	return -1;
}

/* Copies v into dst (size bytes with the NUL) if it fits. */
static bool get_string(struct parser *p, const char *key, const struct value *v, char *dst, size_t size)
{
	if (v->len >= size) {
		config_problem(p, p->line, "%s: %zu characters is too long, at most %zu are allowed", key, v->len,
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
		config_problem(p, p->line, "%s = %.*s: must be a file name of 1-%d characters, without spaces, "
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
		config_problem(p, p->line, "%s = %.*s: refused: port 0x%x is %s", key, v->raw_len, v->raw,
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
		config_problem(p, p->line, "%s = %.*s: must be 1-%d characters of a-z, 0-9, '_' or '-'", key,
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

static void set_dom0(struct parser *p, const char *key, const struct value *v)
{
	if (get_name(p, key, v, p->out->dom0))
		p->out->dom0_line = p->line;
}

static void set_name(struct parser *p, const char *key, const struct value *v)
{
	if (!get_name(p, key, v, p->dom->name))
		return;
	for (unsigned i = 0; i < p->out->ndomains; i++) {
		if (strcmp(p->out->domains[i].name, p->dom->name) == 0)
			config_problem(p, p->line, "domain '%s' is defined twice (first at line %d)",
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
	static const char *const w[] = { "auto", "elf64", "multiboot1", "multiboot2", "real16", "pvh", "linux" };
	static const enum kernel_type t[] = { KERNEL_AUTO, KERNEL_ELF64, KERNEL_MULTIBOOT1, KERNEL_MULTIBOOT2,
					      KERNEL_REAL16, KERNEL_PVH, KERNEL_LINUX };
	int i = get_choice(p, key, v, w, 7, "auto, elf64, multiboot1, multiboot2, real16, pvh or linux");

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
		config_problem(p, p->line, "%s: more than %d modules", key, CONFIG_MAX_MODULES);
		p->list.broken = true;
		return;
	}
	while (n < v->len && !config_is_space(v->s[n]))
		n++;
	if (!valid_file_name(v->s, n)) {
		config_problem(p, p->line, "%s: %.*s: must start with a file name of 1-%d characters, without "
			"'/' or '\\'", key, v->raw_len, v->raw, CONFIG_FILE_MAX - 1);
		return;
	}
	struct module_config *m = &d->modules[d->nmodules];
	memcpy(m->file, v->s, n);
	m->file[n] = '\0';
	while (n < v->len && config_is_space(v->s[n]))
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
		config_problem(p, p->line, "%s = %.*s: port 0x%x belongs to the domain's UART (0x3f8-0x3ff)", key,
			v->raw_len, v->raw, (unsigned)n);
	else if (n == DEBUGCON_PORT)
		config_problem(p, p->line, "%s = %.*s: port 0xe9 is the domain's debug console", key, v->raw_len, v->raw);
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

/* One entry of the rights list: "<right> <domain>", the right one of right_names. */
static void add_right(struct parser *p, const char *key, const struct value *v)
{
	static const struct {
		const char *name;
		enum policy_op op;
	} right_names[] = {
		{ "info", POLICY_INFO },	 { "pause", POLICY_PAUSE },	  { "destroy", POLICY_DESTROY },
		{ "sched", POLICY_SCHED },	 { "shutdown", POLICY_SHUTDOWN }, { "console", POLICY_CONSOLE },
	};
	struct domain_config *d = p->dom;
	size_t n = 0, k;
	while (n < v->len && !config_is_space(v->s[n]))
		n++;
	for (k = 0; k < sizeof(right_names) / sizeof(right_names[0]); k++)
		if (strlen(right_names[k].name) == n && memcmp(right_names[k].name, v->s, n) == 0)
			break;
	size_t t = n;
	while (t < v->len && config_is_space(v->s[t]))
		t++;
	size_t tlen = v->len - t, e = t;
	while (e < v->len && !config_is_space(v->s[e]))
		e++;
	if (k == sizeof(right_names) / sizeof(right_names[0]) || tlen == 0 || tlen >= CONFIG_NAME_MAX || e != v->len) {
		config_problem(p, p->line, "%s: %.*s: must be \"<right> <domain>\", the right one of info, pause, "
			"destroy, sched, shutdown, console, the domain a name of 1-%d characters", key, v->raw_len, v->raw, CONFIG_NAME_MAX - 1);
		return;
	}
	struct right_config *r = NULL;
	for (unsigned i = 0; i < d->nrights && !r; i++)
		if (strlen(d->rights[i].target) == tlen && memcmp(d->rights[i].target, v->s + t, tlen) == 0)
			r = &d->rights[i];
	if (!r) {
		if (d->nrights == CONFIG_MAX_RIGHTS) {
			config_problem(p, p->line, "%s: rights over more than %d domains", key, CONFIG_MAX_RIGHTS);
			p->list.broken = true;
			return;
		}
		r = &d->rights[d->nrights++];
		memcpy(r->target, v->s + t, tlen);
		r->target[tlen] = '\0';
		r->ops = 0;
		r->line = p->line;
	}
	r->ops |= 1u << right_names[k].op;
}

const struct config_key config_keys[NKEYS] = {
	[KEY_LOGLEVEL] = { "loglevel", true, false, set_loglevel },
	[KEY_EXIT_PORT] = { "exit_port", true, false, set_exit_port },
	[KEY_SHUTDOWN_PORT] = { "shutdown_port", true, false, set_shutdown_port },
	[KEY_TIMESLICE] = { "timeslice_ms", true, false, set_timeslice },
	[KEY_WATCHDOG] = { "watchdog", true, false, set_watchdog },
	[KEY_SERIAL_INPUT] = { "serial_input", true, false, set_serial_input },
	[KEY_DOM0] = { "dom0", true, false, set_dom0 },
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
	[KEY_RIGHTS] = { "rights", false, true, add_right },
};

static bool is_started(const struct keel_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->ndomains; i++)
		if (strcmp(cfg->domains[i].name, name) == 0)
			return true;
	return false;
}

/* A global key's domain name, if set, must be a started domain's; if not, it is unset. */
static void check_domain_name(struct parser *p, const char *key, char *name, int line)
{
	if (!name[0] || is_started(p->out, name))
		return;
	config_problem(p, line, "%s = %s: no domain of that name is started", key, name);
	name[0] = '\0';
}

/* Rights over a domain that is not started, or over dom0, are dropped (docs/policy.md). */
static void check_rights(struct parser *p, struct domain_config *d)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < d->nrights; i++) {
		struct right_config *r = &d->rights[i];
		if (!is_started(p->out, r->target))
			config_problem(p, r->line, "rights: domain '%s' is given rights over '%s': no domain of that "
				"name is started", d->name, r->target);
		else if (strcmp(r->target, p->out->dom0) == 0)
			config_problem(p, r->line, "rights: domain '%s' is given rights over '%s': it is dom0, which "
				"no domain has rights over", d->name, r->target);
		else
			d->rights[kept++] = *r;
	}
	d->nrights = kept;
}

void config_check_domain_names(struct parser *p)
{
	check_domain_name(p, "serial_input", p->out->serial_input, p->out->serial_input_line);
	check_domain_name(p, "dom0", p->out->dom0, p->out->dom0_line);
	for (unsigned i = 0; i < p->out->ndomains; i++)
		check_rights(p, &p->out->domains[i]);
}
