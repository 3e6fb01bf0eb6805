/* deadline: every kind of deadline a guest can give Keel's clock. First a sweep of deadlines
 * that come: long past, just past, now, 1 ns, 1 us, 1 ms and 16 ms ahead, each waited for
 * with the block hypercall, or with hlt on the command line with set_timer and HLT
 * (interrupts on); with count=<n> (and seed=<s>), n more at random: past or up to 64 ms
 * ahead, and timers set beyond the clock's reach, then cancelled by a wait that ends on a
 * deadline of its own. Each wait must end at or after its deadline. It prints
 * "deadline: <n> waits, none early" (or each early one), then, with final=<which>, waits
 * on a deadline Keel's clock cannot express, which Keel takes as none, so that the domain
 * waits for good:
 *   2^63, 2^63+1, 2^64-1  those values;
 *   tsc                   1 s past the moment the TSC, at Keel's rate from Keel's start,
 *                         passes 2^64, where that comes before 2^63 ns (a TSC of more than
 *                         about 2 GHz); else 2^63 + 1 s.
 * Before the final wait it prints "deadline: final <which> = <ns>". */
#include "guests/lib/guest.h"
#include "lib/string.h"

#define NS_PER_S 1000000000ull

static bool halt;
static struct xorshift64 rng;

/* Waits for deadline with the chosen mechanism; the hypercall's result. */
static long wait_until(uint64_t deadline)
{
	if (!halt)
		return hc_block(deadline);
	long r = hc_set_timer(deadline);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	return r;
}

/* Waits for deadline and checks the wait ended no earlier; 1 if it did end early. */
static unsigned check_wait(uint64_t deadline)
{
	long r = wait_until(deadline);
	uint64_t woke = guest_now_ns();
	if (r == 0 && woke >= deadline)
		return 0;
	guest_printf("deadline: the wait for %lu returned %ld at %lu ns\n", deadline, r, woke);
	return 1;
}

/* The first ns at which Keel's TSC passes 2^64: its start is the TSC less the ns since
 * then, in ticks (Keel gives guests the TSC unchanged). 0 if not before 2^63 ns. */
static uint64_t tsc_overflow_ns(void)
{
	struct keel_time t;
	hc_time(&t);
	uint64_t ticks_since = t.now_ns / NS_PER_S * t.tsc_hz + t.now_ns % NS_PER_S * t.tsc_hz / NS_PER_S;
	uint64_t left = 0 - (rdtsc() - ticks_since); /* 2^64 - start */
	uint64_t seconds = left / t.tsc_hz;
	if (seconds >= (1ull << 63) / NS_PER_S)
		return 0;
	return seconds * NS_PER_S + left % t.tsc_hz * NS_PER_S / t.tsc_hz;
}

static bool final_deadline(const char *which, uint64_t *ns)
{
	if (!strcmp(which, "2^63"))
		*ns = 1ull << 63;
	else if (!strcmp(which, "2^63+1"))
		*ns = (1ull << 63) + 1;
	else if (!strcmp(which, "2^64-1"))
		*ns = ~0ull;
	else if (!strcmp(which, "tsc"))
		*ns = (tsc_overflow_ns() ?: 1ull << 63) + NS_PER_S;
	else
		return false;
	return true;
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t count = 0, seed = 1, waits = 0;
	unsigned early = 0;
	char which[16] = "";
	halt = cmdline_has_word(boot->cmdline, "hlt");
	cmdline_u64(boot->cmdline, "count", &count);
	cmdline_u64(boot->cmdline, "seed", &seed);
	xorshift64_seed(&rng, seed);

	const uint64_t ahead[] = { 0, 1, 1000, 1000000, 16000000 };
	early += check_wait(1);
	early += check_wait(guest_now_ns() - 1);
	waits += 2;
	for (unsigned i = 0; i < sizeof(ahead) / sizeof(ahead[0]); i++, waits++)
		early += check_wait(guest_now_ns() + ahead[i]);
	for (uint64_t i = 0; i < count; i++, waits++) {
		uint64_t r = xorshift64_next(&rng), now = guest_now_ns();
		switch (r % 4) {
		case 0: /* in the past (0 would be no deadline at all) */
			early += check_wait(1 + (r >> 8) % now);
			break;
		case 1: /* a timer beyond the clock's reach, then a wait that ends on its own deadline */
			hc_set_timer((1ull << 63) + (r >> 2));
			early += check_wait(now + (r >> 8) % 4000000);
			break;
		default: /* ahead by up to 2^26 ns (67 ms), every magnitude alike */
			early += check_wait(now + ((r >> 8) >> (30 + (r >> 2) % 26)));
			break;
		}
	}
	guest_printf("deadline: %lu waits, %s\n", waits, early ? "some early" : "none early");
	if (cmdline_value(boot->cmdline, "final", which, sizeof(which)) < 0)
		return (int)early;
	uint64_t ns;
	if (!final_deadline(which, &ns)) {
		guest_printf("deadline: final=%s is not one this guest knows\n", which);
		return 1;
	}
	guest_printf("deadline: final %s = %lu\n", which, ns);
	wait_until(ns);
	guest_printf("deadline: the wait for %lu ended at %lu ns\n", ns, guest_now_ns());
	return 1;
}
