#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "drivers/tsc.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "vmm/domain.h"
#include "vmm/sched.h"

static const char *const source_names[CONSOLE_SOURCES] = {
	[CONSOLE_UART] = "uart",
	[CONSOLE_DEBUG_PORT] = "port 0xe9",
	[CONSOLE_HYPERCALL] = "hypercall",
};

/* A queued line: this header, then len bytes of text. A marker, source MARKER and no text,
 * stands where lines were dropped. */
struct record {
	uint64_t ended_ns; /* when the line was complete, in Keel's clock */
	uint8_t source, len;
} __attribute__((packed));

#define MARKER 0xff
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

/* The line of src is complete (its text is in the history already): into the queue if it
 * has room, else counted as dropped. */
static void end_line(struct console *c, struct console_line *l, enum console_source src)
{
	uint64_t n = l->len + 1;
	l->len = 0;
	c->stats.written += n;
	if (!c->marker_queued && c->queue.written - c->sent + sizeof(struct record) + n - 1 <= QUEUE_ROOM) {
		struct record r = { .ended_ns = tsc_now_ns(), .source = (uint8_t)src, .len = (uint8_t)(n - 1) };
		ring_write(&c->queue, &r, sizeof(r));
		ring_write(&c->queue, l->text, n - 1);
		return;
	}
	if (!c->marker_queued) {
		struct record r = { .ended_ns = tsc_now_ns(), .source = MARKER };
		ring_write(&c->queue, &r, sizeof(r));
		c->marker_queued = true;
	}
	c->dropping += n;
	c->stats.dropped += n;
}

/* Kept short per byte and per line: one console_write of 4096 newlines ends 4096 lines in
 * one exit. The history gets the text as written, control characters shown as '.',
 * carriage returns dropped, in pieces of HISTORY_PIECE bytes. */
#define HISTORY_PIECE 256

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
			/* Guest text must not drive the terminal: no escape sequences, no control codes. */
			ch = (ch >= 0x20 && ch < 0x7f) || ch == '\t' ? ch : '.';
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

void console_flush(struct domain *d)
{
	for (unsigned src = 0; src < CONSOLE_SOURCES; src++)
		if (d->console.lines[src].len)
			console_put(d, src, "\n", 1);
}

/* Sends the record at the head of the queue. */
static void send_one(struct domain *d)
{
	struct console *c = &d->console;
	struct record r;
	char text[CONSOLE_LINE_MAX];
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
	kprintf("dom%u %s (%s): %.*s\n", d->id, d->config.name, source_names[r.source], (int)r.len, text);
	c->stats.shown += r.len + 1u;
}

bool console_drain(struct domain *d, uint64_t until_tsc)
{
	struct console *c = &d->console;
	while (console_pending(c) && rdtsc() < until_tsc)
		send_one(d);
	return !console_pending(c);
}
