/* ports: IN and OUT of every one of the 65,536 ports, a byte, a word and a dword each
 * (OUT of a value from xorshift64 with seed=<n>, default 1), as a hostile guest would. Its
 * UART may end up misprogrammed, so it reports through the console hypercall: "ports:
 * <n> accesses" and powers off with the shutdown hypercall (give it debug_exit = 0, or the
 * sweep's OUT to that port ends it early). */
#include "guests/lib/guest.h"
#include "lib/printf.h"

int guest_main(const struct guest_boot *boot)
{
	uint64_t seed = 1, accesses = 0;
	cmdline_u64(boot->cmdline, "seed", &seed);
	struct xorshift64 r;
	xorshift64_seed(&r, seed);
	for (uint32_t port = 0; port < 0x10000; port++) {
		uint64_t v = xorshift64_next(&r);
		(void)inb((uint16_t)port);
		(void)inw((uint16_t)port);
		(void)inl((uint16_t)port);
		outb((uint16_t)port, (uint8_t)v);
		outw((uint16_t)port, (uint16_t)(v >> 8));
		outl((uint16_t)port, (uint32_t)(v >> 24));
		accesses += 6;
	}
	char line[64];
	ksnprintf(line, sizeof(line), "ports: %llu accesses\n", (unsigned long long)accesses);
	guest_console_puts(line);
	hc_shutdown(KEEL_SHUTDOWN_POWEROFF, 0);
	return 1; /* shutdown returned */
}
