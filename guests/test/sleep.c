/* sleep: waits times=<n> times (default 5) for ms=<n> milliseconds (default 50) each, and
 * measures how late Keel's clock says it woke. With the block hypercall and a deadline, or
 * with hlt on the command line: set_timer for the deadline, then HLT with interrupts on,
 * which the timer event ends. Prints "sleep: <n> <how> of <ms> ms, none early, at most
 * <us> us late" (how: blocks or halts), or a line for each early wake-up, whose number is
 * its exit status. */
#include "guests/lib/guest.h"
#include "lib/string.h"

static long wait_until(uint64_t deadline, bool halt)
{
	if (!halt)
		return hc_block(deadline);
	long r = hc_set_timer(deadline);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	return r;
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t times = 5, ms = 50, latest = 0;
	unsigned early = 0;
	char word[8] = "";
	cmdline_u64(boot->cmdline, "times", &times);
	cmdline_u64(boot->cmdline, "ms", &ms);
	bool halt = cmdline_word(boot->cmdline, 0, word, sizeof(word)) >= 0 && !strcmp(word, "hlt");
	for (uint64_t i = 0; i < times; i++) {
		uint64_t deadline = guest_now_ns() + ms * 1000000;
		long r = wait_until(deadline, halt);
		uint64_t woke = guest_now_ns();
		if (r != 0 || woke < deadline) {
			guest_printf("sleep: wait %lu returned %ld at %lu ns, %lu ns before its deadline\n", i, r, woke,
				     woke < deadline ? deadline - woke : 0);
			early++;
		} else if (woke - deadline > latest) {
			latest = woke - deadline;
		}
	}
	guest_printf("sleep: %lu %s of %lu ms, %s, at most %lu us late\n", times, halt ? "halts" : "blocks", ms,
		     early ? "some early" : "none early", latest / 1000);
	return (int)early;
}
