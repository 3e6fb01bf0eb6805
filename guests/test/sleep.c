/* sleep: blocks times=<n> (default 5) times for ms=<ms> (default 50) each with the block
 * hypercall and a deadline, and measures how late Keel's clock says it woke. Prints
 * "sleep: <n> blocks of <ms> ms, none early, at most <us> us late" (or what went wrong)
 * and ends with the number of early wake-ups as its exit status. */
#include "guests/lib/guest.h"

static uint64_t now_ns(void)
{
	struct keel_time t;
	hc_time(&t);
	return t.now_ns;
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t times = 5, ms = 50, latest = 0;
	unsigned early = 0;
	cmdline_u64(boot->cmdline, "times", &times);
	cmdline_u64(boot->cmdline, "ms", &ms);
	for (uint64_t i = 0; i < times; i++) {
		uint64_t deadline = now_ns() + ms * 1000000;
		long r = hc_block(deadline);
		uint64_t woke = now_ns();
		if (r != 0 || woke < deadline) {
			guest_printf("sleep: block %lu returned %ld at %lu ns, %lu ns before its deadline\n", i, r, woke,
				     woke < deadline ? deadline - woke : 0);
			early++;
		} else if (woke - deadline > latest) {
			latest = woke - deadline;
		}
	}
	guest_printf("sleep: %lu blocks of %lu ms, %s, at most %lu us late\n", times, ms,
		     early ? "some early" : "none early", latest / 1000);
	return (int)early;
}
