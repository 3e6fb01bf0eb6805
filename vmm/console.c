#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "vmm/domain.h"

static const char *const source_names[CONSOLE_SOURCES] = {
	[CONSOLE_UART] = "uart",
	[CONSOLE_DEBUG_PORT] = "port 0xe9",
	[CONSOLE_HYPERCALL] = "hypercall",
};

int console_init(struct domain *d, unsigned kib)
{
	struct console *c = &d->console;
	*c = (struct console){ .ring_pages = ((uint64_t)kib * 1024 + PAGE_SIZE - 1) / PAGE_SIZE };
	c->ring_pa = page_alloc_contig(c->ring_pages, PAGE_SIZE);
	if (!c->ring_pa)
		return -ENOMEM;
	ring_init(&c->ring, phys_to_virt(c->ring_pa), (uint64_t)kib * 1024);
	return 0;
}

void console_free(struct domain *d)
{
	struct console *c = &d->console;
	if (c->ring_pa)
		page_free(c->ring_pa, c->ring_pages);
	c->ring_pa = 0;
	ring_init(&c->ring, NULL, 0);
}

static void emit(struct domain *d, enum console_source src)
{
	struct console_line *l = &d->console.lines[src];
	kprintf("dom%u %s (%s): %.*s\n", d->id, d->config.name, source_names[src], (int)l->len, l->text);
	ring_write(&d->console.ring, l->text, l->len);
	ring_write(&d->console.ring, "\n", 1);
	l->len = 0;
}

void console_put(struct domain *d, enum console_source src, const char *text, size_t len)
{
	struct console_line *l = &d->console.lines[src];
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n') {
			emit(d, src);
			continue;
		}
		if (c == '\r')
			continue;
		/* Guest text must not drive the terminal: no escape sequences, no control codes. */
		l->text[l->len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '.';
		if (l->len == CONSOLE_LINE_MAX)
			emit(d, src);
	}
}

void console_flush(struct domain *d)
{
	for (unsigned src = 0; src < CONSOLE_SOURCES; src++)
		if (d->console.lines[src].len)
			emit(d, src);
}
