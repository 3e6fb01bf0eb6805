/* flood: a guest that floods its console, or one that prints a line now and then beside
 * such a guest.
 *
 * By default it writes a buffer of bytes=<n> bytes (default 4096, at most 4096) again and
 * again, for ms=<n> milliseconds of Keel's clock (default 2000), or count=<n> times if that
 * is given: lines of line=<n> 'x' characters (default 0: newlines only), with the
 * console_write hypercall, or with via=port through the debug port 0xe9, an OUT a byte.
 * Then "flood: <n> writes of <b> bytes" and exit status 0. Keel cannot send that much to its
 * serial line: it drops what does not fit the domain's queue and says so.
 *
 * With ticker it floods nothing: every period=<ms> (default 20) for ms=<n> it prints
 * "flood: tick <i>" through the UART, then "flood: <n> ticks". */
#include "guests/lib/guest.h"
#include "lib/string.h"

static char buffer[KEEL_CONSOLE_WRITE_MAX];

static int ticker(const char *cmdline, uint64_t ms)
{
	uint64_t period = 20, ticks = 0;
	cmdline_u64(cmdline, "period", &period);
	uint64_t start = guest_now_ns(), end = start + ms * 1000000;
	while (guest_now_ns() < end) {
		guest_printf("flood: tick %lu\n", ticks);
		ticks++;
		hc_block(start + ticks * period * 1000000);
	}
	guest_printf("flood: %lu ticks\n", ticks);
	return 0;
}

static void write_buffer(uint64_t bytes, bool via_port)
{
	if (!via_port) {
		hc_console_write(buffer, bytes);
		return;
	}
	for (uint64_t i = 0; i < bytes; i++)
		outb(DEBUG_PORT, (uint8_t)buffer[i]);
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t ms = 2000, bytes = sizeof(buffer), line = 0, count = 0, writes = 0;
	char via[8] = "";
	cmdline_u64(boot->cmdline, "ms", &ms);
	if (cmdline_has_word(boot->cmdline, "ticker"))
		return ticker(boot->cmdline, ms);
	cmdline_u64(boot->cmdline, "bytes", &bytes);
	cmdline_u64(boot->cmdline, "line", &line);
	bool counted = cmdline_u64(boot->cmdline, "count", &count);
	cmdline_value(boot->cmdline, "via", via, sizeof(via));
	if (bytes > sizeof(buffer))
		bytes = sizeof(buffer);
	for (uint64_t i = 0; i < bytes; i++)
		buffer[i] = i % (line + 1) == line ? '\n' : 'x';

	uint64_t end = guest_now_ns() + ms * 1000000;
	while (counted ? writes < count : guest_now_ns() < end) {
		write_buffer(bytes, !strcmp(via, "port"));
		writes++;
	}
	guest_printf("flood: %lu writes of %lu bytes\n", writes, bytes);
	return 0;
}
