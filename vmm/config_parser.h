/* What the two halves of the keel.cfg parser share: vmm/config.c reads the text (lines,
 * values, lists, sections), vmm/config_keys.c knows the keys (their values' rules and where
 * each goes). Not for other users: vmm/config.h is the interface. */
#ifndef KEEL_VMM_CONFIG_PARSER_H
#define KEEL_VMM_CONFIG_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include "vmm/config.h"

#define STR_(x) #x
#define STR(x) STR_(x)

enum { KEY_LOGLEVEL, KEY_EXIT_PORT, KEY_SHUTDOWN_PORT, KEY_TIMESLICE, KEY_WATCHDOG, KEY_SERIAL_INPUT, KEY_DOM0, KEY_NAME, KEY_KERNEL, KEY_TYPE, KEY_CMDLINE,
       KEY_RAMDISK, KEY_MODULE, KEY_MEMORY, KEY_MMIO_HOLE, KEY_VCPUS, KEY_WEIGHT, KEY_CAP, KEY_CPU_LIMIT, KEY_UNBACKED, KEY_ON_POWEROFF,
       KEY_ON_REBOOT, KEY_ON_CRASH, KEY_DEBUG_EXIT, KEY_CONSOLE_RING, KEY_RIGHTS, NKEYS };

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
	bool one_domain;   /* config_parse_domain: one [domain] section, no global setting */
	unsigned sections; /* [domain] headers read */
	struct domain_config *dom; /* the slot being filled: out->domains[out->ndomains] */
	int seen_line[NKEYS]; /* per key: line where the current section set it, 0 if not yet */
	struct {
		bool open;          /* inside [ ... ] of key `key` */
		bool broken;        /* an error was reported: skip to the closing bracket */
		bool want_item;     /* an item may come next (else ',' or ']') */
		int key, line;      /* line: where '[' was */
	} list;
};

/* Reports a problem at line (1-based); one in a [domain] section drops that domain. */
void config_problem(struct parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline bool config_is_space(char c)
{
	return c == ' ' || c == '\t';
}

typedef void (*config_set_fn)(struct parser *p, const char *key, const struct value *v);

struct config_key {
	const char *name;
	bool global;
	bool list;  /* takes [ ... ] (or a single value): set is called once per item */
	config_set_fn set;
};
extern const struct config_key config_keys[NKEYS];

/* Once every section is read: serial_input, dom0 and each domain's rights must name a
 * domain that is started, and rights may not name dom0. */
void config_check_domain_names(struct parser *p);

#endif
