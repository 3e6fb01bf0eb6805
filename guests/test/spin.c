/* spin: burns CPU without exiting, to be preempted. Counts loop rounds for ms=<n> (default
 * 1000) of Keel's clock from its start, reading only the TSC on the way (no exit), then
 * prints "spin: <n> rounds" and ends with exit status 0. With cli on the command line it spins
 * with interrupts disabled, as a hostile guest would (guests start so; the word makes it
 * explicit); with sti, with them enabled, as an operating system runs. With key, it first
 * waits for a byte on its COM1 (Keel's serial input), looking every 50 ms, and
 * prints "spin: go" when one came: a test starts it when another domain is ready. */
#include "guests/lib/guest.h"

#define ROUND 4096 /* loop iterations between two reads of the TSC */

int guest_main(const struct guest_boot *boot)
{
	uint64_t ms = 1000;
	cmdline_u64(boot->cmdline, "ms", &ms);
	if (cmdline_has_word(boot->cmdline, "cli"))
		__asm__ volatile("cli");
	if (cmdline_has_word(boot->cmdline, "sti"))
		__asm__ volatile("sti"); /* no interrupt is delivered to it: IF only says it would take one */

	if (cmdline_has_word(boot->cmdline, "key")) {
		while (!(inb(UART_BASE + UART_LSR) & UART_LSR_DR))
			hc_block(guest_now_ns() + 50000000);
		guest_printf("spin: go\n");
	}

	struct keel_time t;
	hc_time(&t);
	uint64_t end = rdtsc() + ms * (t.tsc_hz / 1000); /* TSC ticks in ms milliseconds */

	uint64_t rounds = 0;
	while (rdtsc() < end) {
		for (unsigned i = 0; i < ROUND; i++)
			__asm__ volatile("" ::: "memory"); /* a loop the compiler keeps */
		rounds++;
	}
	guest_printf("spin: %lu rounds\n", rounds);
	return 0;
}
