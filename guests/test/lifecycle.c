/* lifecycle: does what its command line says for the boot it is on, to exercise Keel's
 * on_poweroff / on_reboot / on_crash policies and the ways a domain can end.
 * cmdline: actions=<a0>,<a1>,...; boot k (domain_info.restarts) does action min(k, last).
 * Boot 0 leaves a canary in .bss; later boots check that their memory is fresh. */
#include "guests/lib/guest.h"
#include "lib/string.h"

#define CANARY 0x4b45454c4b45454cull
#define ACTIONS_MAX 256
#define ACTION_MAX 64

/* A fixed spot in .bss: zero on every fresh boot. */
static volatile uint64_t canary_spot;

/* Element k of a comma-separated list, or its last one if it is shorter. */
static void pick_action(const char *list, unsigned k, char *out, size_t size)
{
	const char *start = list;
	for (unsigned i = 0; i < k; i++) {
		const char *comma = start;
		while (*comma && *comma != ',')
			comma++;
		if (!*comma)
			break; /* start is the last element */
		start = comma + 1;
	}
	size_t len = 0;
	while (start[len] && start[len] != ',')
		len++;
	if (len >= size)
		len = size - 1;
	memcpy(out, start, len);
	out[len] = '\0';
}

/* name:<number>; false if action is not name followed by a colon and a number. */
static bool action_arg(const char *action, const char *name, uint64_t *arg)
{
	size_t n = strlen(name);
	return strncmp(action, name, n) == 0 && action[n] == ':' &&
	       parse_u64(action + n + 1, strlen(action + n + 1), arg);
}

static int shutdown(uint64_t reason, uint64_t status)
{
	long r = hc_shutdown(reason, status);
	guest_printf("lifecycle: FAILED: shutdown(%lu, %lu) returned %ld\n", reason, status, r);
	return 1;
}

static int sleep_ms(uint64_t ms)
{
	struct keel_time before, after;

	if (hc_time(&before) != (long)sizeof(before)) {
		guest_printf("lifecycle: FAILED: time failed\n");
		return 1;
	}
	uint64_t deadline = before.now_ns + ms * 1000000;
	long r = hc_block(deadline);
	if (r != 0 || hc_time(&after) != (long)sizeof(after)) {
		guest_printf("lifecycle: FAILED: block returned %ld\n", r);
		return 1;
	}
	if (after.now_ns >= deadline)
		guest_printf("lifecycle: woke after %lu ms\n", ms);
	else
		guest_printf("lifecycle: FAILED: woke early\n");
	return shutdown(KEEL_SHUTDOWN_POWEROFF, 0);
}

static int act(const char *action)
{
	uint64_t n;

	if (action_arg(action, "poweroff", &n))
		return shutdown(KEEL_SHUTDOWN_POWEROFF, n);
	if (action_arg(action, "reboot", &n))
		return shutdown(KEEL_SHUTDOWN_REBOOT, n);
	if (action_arg(action, "crash", &n))
		return shutdown(KEEL_SHUTDOWN_CRASH, n);
	if (action_arg(action, "exit", &n) && n <= 0xffffffffu)
		guest_exit((uint32_t)n);
	if (action_arg(action, "sleep", &n) && n <= UINT64_MAX / 1000000)
		return sleep_ms(n);
	if (action_arg(action, "crash-after", &n) && n <= UINT64_MAX / 1000000) {
		hc_block(guest_now_ns() + n * 1000000);
		return shutdown(KEEL_SHUTDOWN_CRASH, 1);
	}
	if (strcmp(action, "halt") == 0)
		guest_halt();
	if (strcmp(action, "wait") == 0) {
		for (;;)
			__asm__ volatile("sti; hlt"); /* no interrupt is ever delivered */
	}
	if (strcmp(action, "block") == 0) {
		long r = hc_block(0);
		guest_printf("lifecycle: FAILED: block without a deadline returned %ld\n", r);
		return 1;
	}
	guest_printf("lifecycle: FAILED: unknown action '%s'\n", action);
	return 2;
}

int guest_main(const struct guest_boot *boot)
{
	struct keel_domain_info info;
	char actions[ACTIONS_MAX], action[ACTION_MAX];
	bool fresh = canary_spot == 0; /* read before anything else could write it */

	long r = hc_domain_info(&info);
	if (r != (long)sizeof(info)) {
		guest_printf("lifecycle: FAILED: domain_info returned %ld\n", r);
		return 1;
	}
	long len = cmdline_value(boot->cmdline, "actions", actions, sizeof(actions));
	if (len <= 0 || len >= (long)sizeof(actions)) {
		guest_printf("lifecycle: FAILED: no actions=<a0>,<a1>,... (of at most %zu bytes) in the cmdline\n",
			     sizeof(actions) - 1);
		return 1;
	}
	pick_action(actions, info.restarts, action, sizeof(action));
	guest_printf("lifecycle: boot %u: %s\n", info.restarts, action);
	if (info.restarts >= 1) {
		if (fresh)
			guest_printf("lifecycle: memory is fresh\n");
		else
			guest_printf("lifecycle: FAILED: memory kept the canary\n");
	}
	canary_spot = CANARY; /* on every boot: the next one must not find it */
	return act(action);
}
