/* Guest text on Keel's console: each domain's lines, prefixed with who wrote them. */
#ifndef KEEL_VMM_CONSOLE_H
#define KEEL_VMM_CONSOLE_H

#include <stddef.h>

#define CONSOLE_LINE_MAX 160

enum console_source {
	CONSOLE_HYPERCALL,  /* the console-write hypercall */
	CONSOLE_DEBUG_PORT, /* the debug port 0xe9 */
	CONSOLE_SOURCES
};

struct console_line {
	size_t len;
	char text[CONSOLE_LINE_MAX];
};

struct console {
	struct console_line lines[CONSOLE_SOURCES];
};

struct domain;

/* Appends guest text; every complete line (or a full buffer) is printed as
 * "domN name (source): text". Control characters are shown as '.'. */
void console_put(struct domain *d, enum console_source src, const char *text, size_t len);
/* Prints what is left of unfinished lines. */
void console_flush(struct domain *d);

#endif
