/* console (xl console): a domain's console history from its first byte, then what it
 * writes, on stdout; what is typed goes to its COM1. Ctrl-] leaves, as in xl. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guests/dom0/keelctl/cli.h"
#include "guests/dom0/keelctl/dev.h"
#include "guests/dom0/keelctl/domains.h"
#include "guests/dom0/keelctl/keelctl.h"
#include "guests/dom0/keelctl/terminal.h"

#define ESCAPE_KEY 0x1d  /* Ctrl-] */
#define INPUT_WAIT_MS 50 /* how long stdin is waited for between looks at the console */
#define RETRY_WAIT_MS 10 /* before typing again the bytes COM1 had no room for */

struct console {
	uint32_t id;
	uint64_t position;     /* in the domain's console stream */
	char last;             /* the last byte shown */
	bool stdin_open;
	bool leaving;          /* Ctrl-] was typed: leave once the bytes before it are typed */
	char typed[KEEL_CONSOLE_WRITE_MAX];
	size_t ntyped, sent;   /* typed[sent..ntyped) wait to be typed to COM1 */
};

static bool domain_has_ended(int64_t r)
{
	return r == -KEEL_ESRCH || r == -KEEL_EBUSY;
}

static void write_out(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			system_fail("console", "stdout");
		buf += n;
		len -= (size_t)n;
	}
}

/* Shows what the console has that was not shown yet: false once the domain has ended. */
static bool show_output(struct console *c)
{
	char buf[4096];

	for (;;) {
		int64_t r = dev_call(KEEL_HC_CONSOLE_READ, c->id, dev_ptr(buf), sizeof(buf), dev_ptr(&c->position));

		if (domain_has_ended(r))
			return false;
		if (r < 0)
			keel_fail("console", r);
		if (r == 0)
			return true;
		if ((uint64_t)r > sizeof(buf))
			r = sizeof(buf);
		write_out(buf, (size_t)r);
		c->last = buf[r - 1];
	}
}

/* Types to COM1 what waits, as much as it takes now: false once the domain has ended. */
static bool type_input(struct console *c)
{
	int64_t r = dev_call(KEEL_HC_CONSOLE_INPUT, c->id, dev_ptr(c->typed + c->sent), c->ntyped - c->sent, 0);

	if (domain_has_ended(r))
		return false;
	if (r < 0)
		keel_fail("console", r);
	c->sent += (uint64_t)r < c->ntyped - c->sent ? (size_t)r : c->ntyped - c->sent;
	if (c->sent == c->ntyped)
		c->ntyped = c->sent = 0;
	return true;
}

/* Waits a little for keys, and takes what was typed (up to Ctrl-]). */
static void read_input(struct console *c)
{
	struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
	bool want_input = c->stdin_open && !c->leaving && c->ntyped == 0;
	char *escape;
	ssize_t n;

	if (!want_input) {
		poll(NULL, 0, c->ntyped ? RETRY_WAIT_MS : INPUT_WAIT_MS);
		return;
	}
	if (poll(&in, 1, INPUT_WAIT_MS) <= 0)
		return;
	n = read(STDIN_FILENO, c->typed, sizeof(c->typed));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0)
		system_fail("console", "stdin");
	if (n == 0) { /* stdin has ended: follow the console on */
		c->stdin_open = false;
		return;
	}
	c->ntyped = (size_t)n;
	if ((escape = memchr(c->typed, ESCAPE_KEY, c->ntyped))) {
		c->ntyped = (size_t)(escape - c->typed);
		c->leaving = true;
	}
}

int cmd_console(int argc, char **argv)
{
	struct console c = { .last = '\n', .stdin_open = true };
	char name[KEEL_DOMAIN_NAME_MAX];
	struct domain_list l;
	const struct keel_domain_status *d;

	cli_expect_args("console", argc, argv, 1, 1, "no domain given");
	domains_check_arg("console", argv[1]);
	domains_fetch("console", &l);
	d = domains_resolve("console", &l, argv[1]);
	c.id = d->id;
	snprintf(name, sizeof(name), "%.*s", (int)strnlen(d->name, sizeof(d->name)), d->name);
	domains_free(&l);

	fprintf(stderr, "keelctl: console of dom%u %s; Ctrl-] leaves\n", c.id, name);
	terminal_raw();
	for (;;) {
		if (!show_output(&c))
			break;
		if (c.ntyped && !type_input(&c))
			break;
		if (c.leaving && c.ntyped == 0) {
			terminal_restore();
			return 0;
		}
		read_input(&c);
	}
	show_output(&c); /* what it wrote last, if it is still there */
	terminal_restore();
	fprintf(stderr, "%skeelctl: dom%u %s has ended\n", c.last == '\n' ? "" : "\n", c.id, name);
	return 0;
}
