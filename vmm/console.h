/* A domain's console: what its guest writes through the UART, the debug port 0xe9 and the
 * console_write hypercall. Each source collects whole lines. A complete line goes, at the
 * speed of memory and from the exit handler that completed it, into the domain's console
 * ring, its history (console_ring KiB), and into its output queue. Keel sends queued lines
 * to its serial line outside any exit, in the scheduler, in time charged to the domain
 * (console_drain), each line whole, as "domN name (source): text". A line that finds the
 * queue full is dropped and counted; where the first such line would have been, one line
 * says how many bytes were dropped until it was sent.
 *
 * While the domain has Keel's serial input (vmm/serial_input.h), its UART is that
 * terminal's: what it writes there is queued and sent as written, escape sequences and
 * all, and no prefix, as a PC's serial console shows it. An unfinished line waits for its
 * newline, unless the guest waits (a prompt) or it has run 50 ms since the line began; once
 * sent in part, the rest that is queued goes with it. */
#ifndef KEEL_VMM_CONSOLE_H
#define KEEL_VMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ring.h"

#define CONSOLE_LINE_MAX 160
/* Bytes of lines a domain may have waiting for the serial line: at 115200 baud, about a
 * third of a second of it. */
#define CONSOLE_QUEUE_BYTES 4096

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

/* Over the domain's whole life, restarts included. A line's size is its text and the
 * newline that ends it, a terminal's bytes their number: written = shown + dropped + what
 * is still queued. */
struct console_stats {
	uint64_t written, shown, dropped; /* bytes */
	uint64_t max_delay_ns; /* the longest a line waited between its end and its sending */
};

struct console {
	struct console_line lines[CONSOLE_SOURCES];
	struct ring ring;   /* the history */
	uint64_t ring_pa, ring_pages;
	struct ring queue;  /* lines waiting for the serial line, as records */
	uint64_t queue_pa;
	uint64_t sent;      /* queue position of the next record to send */
	uint64_t dropping;  /* bytes dropped since the marker was queued */
	bool marker_queued; /* a marker waits in the queue for the dropped lines */
	bool terminal;      /* its UART writes to the terminal that types to it */
	bool line_open;     /* the terminal's bytes since its last newline wait in the queue */
	uint64_t line_end;  /* queue position after the terminal's last newline */
	uint64_t line_started_ns; /* the domain's cpu_ns when its unfinished line began */
	uint64_t raw_column;      /* bytes of the terminal's line sent since its last newline */
	struct console_stats stats;
};

struct domain;

/* Allocates the ring (kib KiB) and the queue. Returns 0 or -ENOMEM. */
int console_init(struct domain *d, unsigned kib);
void console_free(struct domain *d);
/* Appends guest text; every complete line (or a full line buffer) is queued, and the
 * domain's vCPU ends its run after this exit so that Keel can send it. Control characters
 * are shown as '.', carriage returns dropped. */
void console_put(struct domain *d, enum console_source src, const char *text, size_t len);
/* A byte its UART sends: to the terminal as written while the domain has it, else as
 * console_put's. */
void console_put_uart(struct domain *d, char ch);
/* Its UART's output goes to the terminal as written (on), or in lines again (off). An
 * unfinished UART line is ended first, as a newline would. */
void console_set_terminal(struct domain *d, bool on);
/* Ends unfinished lines, as a newline would. */
void console_flush(struct domain *d);
/* Lines wait to be sent. */
static inline bool console_pending(const struct console *c)
{
	return c->queue.written != c->sent;
}
/* Sends queued lines, each whole, while the TSC is below until_tsc: the last one may end
 * past it, by the time one line takes. True when the queue is empty. */
bool console_drain(struct domain *d, uint64_t until_tsc);

#endif
