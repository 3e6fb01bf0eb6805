#include "lib/log.h"
#include "vmm/domain.h"

static const char *const source_names[CONSOLE_SOURCES] = {
	[CONSOLE_HYPERCALL] = "console",
	[CONSOLE_DEBUG_PORT] = "port 0xe9",
};

static void emit(struct domain *d, enum console_source src)
{
	struct console_line *l = &d->console.lines[src];
	kprintf("dom%u %s (%s): %.*s\n", d->id, d->config.name, source_names[src], (int)l->len, l->text);
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
