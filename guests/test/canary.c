/* canary: the domain a hostile one runs beside. It fills mib=<n> MiB of its RAM (default 1)
 * above its image with a pattern from xorshift64, then for ms=<n> milliseconds of Keel's
 * clock (default 2000) counts rounds: each checks a slice of the pattern and blocks for a
 * millisecond, so the other domain gets the CPU. At the end it checks the whole pattern:
 * "canary: <n> rounds, memory intact" (exit status 0), or "canary: <n> bytes changed"
 * (status 1). */
#include "guests/lib/guest.h"

#define AREA_GPA 0x400000ull /* above the image and its stack, below its RAM's end */
#define SLICE 4096

static struct xorshift64 r;

static uint64_t *area;
static uint64_t words;

static uint64_t pattern(uint64_t i)
{
	return i * 0x9e3779b97f4a7c15ull ^ r.state;
}

static uint64_t changed(uint64_t first, uint64_t count)
{
	uint64_t bad = 0;
	for (uint64_t i = first; i < first + count && i < words; i++)
		bad += area[i] != pattern(i);
	return bad;
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t mib = 1, ms = 2000;
	cmdline_u64(boot->cmdline, "mib", &mib);
	cmdline_u64(boot->cmdline, "ms", &ms);
	if (!guest_ram_contains(boot, AREA_GPA, mib << 20)) {
		guest_printf("canary: FAILED: %lu MiB at 0x%llx are not RAM\n", mib, AREA_GPA);
		return 1;
	}
	xorshift64_seed(&r, 0x4b45454c);
	area = (uint64_t *)(uintptr_t)AREA_GPA;
	words = (mib << 20) / sizeof(uint64_t);
	for (uint64_t i = 0; i < words; i++)
		area[i] = pattern(i);
	uint64_t end = guest_now_ns() + ms * 1000000, rounds = 0, next = 0;
	while (guest_now_ns() < end) {
		if (changed(next, SLICE / sizeof(uint64_t)))
			break;
		next = (next + SLICE / sizeof(uint64_t)) % words;
		rounds++;
		hc_block(guest_now_ns() + 1000000);
	}
	uint64_t bad = changed(0, words);
	if (bad) {
		guest_printf("canary: %lu bytes changed\n", bad * sizeof(uint64_t));
		return 1;
	}
	guest_printf("canary: %lu rounds, memory intact\n", rounds);
	return 0;
}
