#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "drivers/serial.h"
#include "drivers/tsc.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "vmm/domain.h"
#include "vmm/sched.h"

static const char *const source_names[CONSOLE_SOURCES] = {
	[CONSOLE_UART] = "uart",
	[CONSOLE_DEBUG_PORT] = "port 0xe9",
	[CONSOLE_HYPERCALL] = "hypercall",
};

/* A queued line: this header, then len bytes of text. A marker, source MARKER and no text,
 * stands where lines were dropped; source TERMINAL, bytes of a terminal's UART as written. */
struct record {
	uint64_t ended_ns; /* when the line was complete, in Keel's clock */
	uint8_t source, len;
} __attribute__((packed));

#define MARKER 0xff
#define TERMINAL 0xfe
/* A terminal's unfinished line waits for its newline at most this long of its domain's CPU
 * time: long enough for the rest of a line a guest prints at once, short enough for a
 * progress line. */
#define TERMINAL_LINE_WAIT_NS 50000000ull /* 50 ms */
/* The queue always keeps room for one marker. */
#define QUEUE_ROOM (CONSOLE_QUEUE_BYTES - sizeof(struct record))

int console_init(struct domain *d, unsigned kib)
{
	struct console *c = &d->console;
	*c = (struct console){ .ring_pages = ((uint64_t)kib * 1024 + PAGE_SIZE - 1) / PAGE_SIZE };
	c->ring_pa = page_alloc_contig(c->ring_pages, PAGE_SIZE);
	c->queue_pa = page_alloc_contig(CONSOLE_QUEUE_BYTES / PAGE_SIZE, PAGE_SIZE);
	if (!c->ring_pa || !c->queue_pa) {
		console_free(d);
		return -ENOMEM;
	}
	ring_init(&c->ring, phys_to_virt(c->ring_pa), (uint64_t)kib * 1024);
	ring_init(&c->queue, phys_to_virt(c->queue_pa), CONSOLE_QUEUE_BYTES);
	return 0;
}

void console_free(struct domain *d)
{
	struct console *c = &d->console;
	if (c->ring_pa)
		page_free(c->ring_pa, c->ring_pages);
	if (c->queue_pa)
		page_free(c->queue_pa, CONSOLE_QUEUE_BYTES / PAGE_SIZE);
	c->ring_pa = c->queue_pa = 0;
	ring_init(&c->ring, NULL, 0);
	ring_init(&c->queue, NULL, 0);
	c->sent = c->dropping = 0;
	c->marker_queued = false;
}

/* size bytes of output (a line's text and its newline, or a terminal's bytes), len of them
 * text, into the queue if it has room, else counted as dropped. */
static void queue(struct console *c, uint8_t source, const char *text, uint8_t len, uint64_t size)
{
	c->stats.written += size;
	if (!c->marker_queued && c->queue.written - c->sent + sizeof(struct record) + len <= QUEUE_ROOM) {
		struct record r = { .ended_ns = tsc_now_ns(), .source = source, .len = len };
		ring_write(&c->queue, &r, sizeof(r));
		ring_write(&c->queue, text, len);
		return;
	}
	if (!c->marker_queued) {
		struct record r = { .ended_ns = tsc_now_ns(), .source = MARKER };
		ring_write(&c->queue, &r, sizeof(r));
		c->marker_queued = true;
	}
	c->dropping += size;
	c->stats.dropped += size;
}

/* The line of src is complete (its text is in the history already). Not inlined: console_put's
 * loop then keeps fewer values live across it, and costs less per call. */
static __attribute__((noinline)) void end_line(struct console *c, struct console_line *l, enum console_source src)
{
	uint8_t len = (uint8_t)l->len;
	l->len = 0;
	queue(c, (uint8_t)src, l->text, len, len + 1u);
}

/* The history gets the text as written, control characters shown as '.', carriage returns
 * dropped, in pieces of HISTORY_PIECE bytes. Guest text must not drive the terminal, but
 * for the terminal it was given: in lines and the history, no escape sequences, no control
 * codes. */
#define HISTORY_PIECE 256

static char shown(char ch)
{
	return (ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\n' ? ch : '.';
}

/* Kept short per byte and per line: one console_write of 4096 newlines ends 4096 lines in
 * one exit. */
void console_put(struct domain *d, enum console_source src, const char *text, size_t len)
{
	struct console *c = &d->console;
	struct console_line *l = &c->lines[src];
	char history[HISTORY_PIECE];
	size_t kept = 0;
	bool ended = false;
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (ch == '\r')
			continue;
		if (ch != '\n') {
			ch = shown(ch);
			l->text[l->len++] = ch;
		}
		history[kept++] = ch;
		if (kept == HISTORY_PIECE) {
			ring_write(&c->ring, history, kept);
			kept = 0;
		}
		if (ch == '\n' || l->len == CONSOLE_LINE_MAX) {
			end_line(c, l, src);
			ended = true;
		}
	}
	if (kept)
		ring_write(&c->ring, history, kept);
	if (ended)
		sched_end_run(&d->vcpu); /* Keel sends the lines once this exit is handled */
}

/* A terminal's bytes go as written, into the history as shown; its vCPU runs on (Keel reads
 * the terminal's keys at least every SERIAL_INPUT_POLL_NS, and sends them then). */
void console_put_uart(struct domain *d, char ch)
{
	struct console *c = &d->console;
	if (!c->terminal) {
		console_put(d, CONSOLE_UART, &ch, 1);
		return;
	}
	if (ch != '\r') {
		char kept = shown(ch);
		ring_write(&c->ring, &kept, 1);
	}
	if (!c->line_open) {
		c->line_open = true;
		c->line_started_ns = d->cpu_ns;
	}
	queue(c, TERMINAL, &ch, 1, 1);
	if (ch == '\n') { /* the newline ends what is queued */
		c->line_open = false;
		c->line_end = c->queue.written;
	}
}

void console_set_terminal(struct domain *d, bool on)
{
	struct console *c = &d->console;
	if (on && c->lines[CONSOLE_UART].len)
		end_line(c, &c->lines[CONSOLE_UART], CONSOLE_UART); /* what it wrote before, as a line */
	c->terminal = on;
	c->line_open = false; /* an unfinished line waits no longer */
	c->line_end = c->queue.written;
}

void console_flush(struct domain *d)
{
	d->console.line_open = false; /* a terminal's unfinished line waits no longer */
	d->console.line_end = d->console.queue.written;
	for (unsigned src = 0; src < CONSOLE_SOURCES; src++)
		if (d->console.lines[src].len)
			console_put(d, src, "\n", 1);
}

/* Sends the record at the head of the queue. */
static void send_one(struct domain *d)
{
	struct console *c = &d->console;
	struct record r;
	char text[UINT8_MAX];
	ring_read(&c->queue, &c->sent, &r, sizeof(r), NULL);
	if (r.source == MARKER) {
		log_warn("dom%u %s: %llu bytes of console output dropped: it wrote faster than its share of the "
			 "serial line", d->id, d->config.name, (unsigned long long)c->dropping);
		c->dropping = 0;
		c->marker_queued = false;
		return;
	}
	ring_read(&c->queue, &c->sent, text, r.len, NULL);
	uint64_t delay = tsc_now_ns() - r.ended_ns;
	if (delay > c->stats.max_delay_ns)
		c->stats.max_delay_ns = delay;
	if (r.source == TERMINAL) {
		serial_write_raw(text, r.len);
		c->stats.shown += r.len;
		c->raw_column = r.len && text[r.len - 1] == '\n' ? 0 : c->raw_column + r.len;
		return;
	}
	c->raw_column = 0; /* Keel's serial driver starts the line on a line of its own */
	/* Straight to the serial line, past Keel's log: a guest's lines are not Keel's (keel_log). */
	char line[CONSOLE_LINE_MAX + CONFIG_NAME_MAX + 32];
	int n = ksnprintf(line, sizeof(line), "dom%u %s (%s): %.*s\n", d->id, d->config.name, source_names[r.source],
			  (int)r.len, text);
	serial_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	c->stats.shown += r.len + 1u;
}

/* The next record is the start of a terminal's unfinished line that is to wait: so that
 * other lines do not split a line its guest prints, it goes once its newline is queued,
 * once the guest waits (a prompt: the rest comes with what is typed), or once it has
 * waited TERMINAL_LINE_WAIT_NS of the domain's CPU time. */
static bool line_waits(const struct domain *d)
{
	const struct console *c = &d->console;
	return c->line_open && c->sent >= c->line_end && d->vcpu.state != VCPU_BLOCKED &&
	       d->cpu_ns - c->line_started_ns < TERMINAL_LINE_WAIT_NS;
}

/* The terminal's line is part sent and its rest, if queued, goes with it: so that no other
 * line comes between, however late, as a prefixed line of up to CONSOLE_LINE_MAX bytes
 * goes whole. */
static bool mid_line(const struct console *c)
{
	return c->raw_column && c->raw_column < CONSOLE_LINE_MAX;
}

bool console_drain(struct domain *d, uint64_t until_tsc)
{
	struct console *c = &d->console;
	while (console_pending(c) && (rdtsc() < until_tsc || mid_line(c)) && !line_waits(d))
		send_one(d);
	return !console_pending(c);
}
