/* A domain's console: what its guest writes through the UART, the debug port 0xe9 and the
 * console_write hypercall. Each source collects whole lines; every complete line goes to
 * Keel's serial line as "domN name (source): text" and into the domain's console ring,
 * its history (console_ring KiB). Lines are printed whole, one call each, so the lines of
 * different domains never interleave. */
#ifndef KEEL_VMM_CONSOLE_H
#define KEEL_VMM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include "lib/ring.h"

#define CONSOLE_LINE_MAX 160

enum console_source {
	CONSOLE_UART,       /* the emulated 16550 at 0x3f8 */
	CONSOLE_DEBUG_PORT, /* the debug port 0xe9 */
	CONSOLE_HYPERCALL,  /* the console_write hypercall */
	CONSOLE_SOURCES
};

struct console_line {
	size_t len;
	char text[CONSOLE_LINE_MAX];
};

struct console {
	struct console_line lines[CONSOLE_SOURCES];
	struct ring ring;
	uint64_t ring_pa;
	uint64_t ring_pages;
};

struct domain;

/* Allocates the ring (kib KiB). Returns 0 or -ENOMEM. */
int console_init(struct domain *d, unsigned kib);
void console_free(struct domain *d);
/* Appends guest text; every complete line (or a full line buffer) is emitted. Control
 * characters are shown as '.', carriage returns dropped. */
void console_put(struct domain *d, enum console_source src, const char *text, size_t len);
/* Emits what is left of unfinished lines. */
void console_flush(struct domain *d);

#endif
