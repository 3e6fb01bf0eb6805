/* ports: IN and OUT of every one of the 65,536 ports, a byte, a word and a dword each
 * (OUT of a value from xorshift64 with seed=<n>, default 1), as a hostile guest would. Its
 * UART may end up misprogrammed, so it reports through the console hypercall: "ports:
 * <n> accesses, <m> OUTs left out" and powers off with the shutdown hypercall (give it
 * debug_exit = 0, or the sweep's OUT to that port ends it early). The OUTs that would
 * reach its virtual PC's reset and power-off registers and its pvpanic device are left out, as a random value
 * there may end the domain by design (platform.elf checks that they do). */
#include "guests/lib/guest.h"
#include "lib/printf.h"

/* The ports whose writes may end the domain: the 8042's command port, the pvpanic device,
 * PM1a_CNT, 0xcf9. */
static const struct {
	uint16_t first, count;
} ending[] = { { 0x64, 1 }, { 0x505, 1 }, { 0x604, 2 }, { 0xcf9, 1 } };

static bool reaches_an_ending_port(uint32_t port, unsigned size)
{
	for (unsigned i = 0; i < sizeof(ending) / sizeof(ending[0]); i++)
		if (port < ending[i].first + ending[i].count && ending[i].first < port + size)
			return true;
	return false;
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t seed = 1, accesses = 0, left_out = 0;
	cmdline_u64(boot->cmdline, "seed", &seed);
	struct xorshift64 r;
	xorshift64_seed(&r, seed);
	for (uint32_t port = 0; port < 0x10000; port++) {
		uint64_t v = xorshift64_next(&r);
		(void)inb((uint16_t)port);
		(void)inw((uint16_t)port);
		(void)inl((uint16_t)port);
		accesses += 3;
		if (reaches_an_ending_port(port, 1))
			left_out++;
		else
			outb((uint16_t)port, (uint8_t)v), accesses++;
		if (reaches_an_ending_port(port, 2))
			left_out++;
		else
			outw((uint16_t)port, (uint16_t)(v >> 8)), accesses++;
		if (reaches_an_ending_port(port, 4))
			left_out++;
		else
			outl((uint16_t)port, (uint32_t)(v >> 24)), accesses++;
	}
	char line[80];
	ksnprintf(line, sizeof(line), "ports: %llu accesses, %llu OUTs left out\n", (unsigned long long)accesses,
		  (unsigned long long)left_out);
	guest_console_puts(line);
	hc_shutdown(KEEL_SHUTDOWN_POWEROFF, 0);
	return 1; /* shutdown returned */
}
