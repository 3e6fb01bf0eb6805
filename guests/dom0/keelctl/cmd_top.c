/* top (xl top, i.e. xentop): the domains' state, CPU time and share, memory and exits per
 * second, refreshed every few seconds until a key is pressed, or for -i refreshes. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "guests/dom0/keelctl/args.h"
#include "guests/dom0/keelctl/cli.h"
#include "guests/dom0/keelctl/dev.h"
#include "guests/dom0/keelctl/domains.h"
#include "guests/dom0/keelctl/format.h"
#include "guests/dom0/keelctl/keelctl.h"
#include "guests/dom0/keelctl/terminal.h"

#define DELAY_MAX_S 3600
#define CLEAR_SCREEN "\033[H\033[2J"

struct sample {
	struct domain_list domains;
	uint64_t taken_ns; /* CLOCK_MONOTONIC */
};

static uint64_t monotonic_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static const struct keel_domain_status *find_id(const struct domain_list *l, uint32_t id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].id == id)
			return &l->v[i];
	return NULL;
}

/* One screen: the summary, the header and a line per domain, with rates since prev (NULL
 * at the first). */
static void show(const struct sample *cur, const struct sample *prev, bool clear)
{
	struct keel_host_info h = { 0 };
	char text[1024], now[16];
	time_t t = time(NULL);
	struct tm tm;
	int64_t r = dev_call(KEEL_HC_HOST_INFO, dev_ptr(&h), sizeof(h), 0, 0);

	if (r < 0)
		keel_fail("top", r);
	if (!localtime_r(&t, &tm) || !strftime(now, sizeof(now), "%H:%M:%S", &tm))
		snprintf(now, sizeof(now), "?");
	if (clear)
		fputs(CLEAR_SCREEN, stdout);
	format_top_summary(text, sizeof(text), now, &h, cur->domains.v, cur->domains.n);
	fputs(text, stdout);
	puts(format_top_header());
	for (size_t i = 0; i < cur->domains.n; i++) {
		const struct keel_domain_status *d = &cur->domains.v[i];

		format_top_line(text, sizeof(text), d, prev ? find_id(&prev->domains, d->id) : NULL,
				prev ? cur->taken_ns - prev->taken_ns : 0);
		puts(text);
	}
	if (fflush(stdout) != 0)
		system_fail("top", "stdout");
}

/* Waits delay_s seconds; true if a key was pressed meanwhile (keys: stdin is watched). */
static bool wait_for_key(uint32_t delay_s, bool keys)
{
	struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
	uint64_t end = monotonic_ns() + (uint64_t)delay_s * 1000000000u;
	char key;

	for (uint64_t now = monotonic_ns(); now < end; now = monotonic_ns()) {
		int ms = (int)((end - now + 999999) / 1000000);

		if (!keys) {
			poll(NULL, 0, ms);
			continue;
		}
		if (poll(&in, 1, ms) > 0) {
			ssize_t n = read(STDIN_FILENO, &key, 1);
			if (n != 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN)))
				return true;
		}
	}
	return false;
}

int cmd_top(int argc, char **argv)
{
	static const struct option options[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t delay_s = 1, iterations = 0, done = 0;
	struct sample prev = { 0 }, cur;
	bool batch, keys;
	int opt;

	while ((opt = cli_option("top", argc, argv, "d:i:", options)) != -1) {
		if (opt == 'd' && !parse_decimal_u32(optarg, 1, DELAY_MAX_S, &delay_s))
			usage_fail("top", "delay '%s' is not a number of seconds from 1 to %u", optarg, DELAY_MAX_S);
		if (opt == 'i' && !parse_decimal_u32(optarg, 1, UINT32_MAX, &iterations))
			usage_fail("top", "iterations '%s' is not a number from 1 to %u", optarg, UINT32_MAX);
	}
	cli_expect_no_more("top", argc, argv);
	batch = iterations > 0;
	keys = !batch && terminal_raw();
	for (bool first = true;; first = false) {
		domains_fetch("top", &cur.domains);
		cur.taken_ns = monotonic_ns();
		show(&cur, first ? NULL : &prev, !batch);
		domains_free(&prev.domains);
		prev = cur;
		if (batch && ++done == iterations)
			break;
		if (wait_for_key(delay_s, keys))
			break;
	}
	domains_free(&prev.domains);
	terminal_restore();
	return 0;
}
