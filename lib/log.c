#include "log.h"

#include <stdarg.h>

#include "printf.h"

/* Longest line handed to the sink, newline included; longer messages are cut. Lines are
 * built on the caller's stack so that several CPUs can log at once. */
#define LOG_LINE_MAX 511

static log_sink_fn current_sink;
static enum log_level current_level = LOG_INFO;
/* One machine's log: a later issue that runs Keel on every CPU gives it a lock, as the sink. */
static uint8_t history_bytes[LOG_HISTORY_BYTES];
static struct ring history = { .buf = history_bytes, .size = LOG_HISTORY_BYTES };

const struct ring *log_history(void)
{
	return &history;
}

/* To the sink and into the history. */
static void emit(log_sink_fn sink, const char *text, size_t len)
{
	ring_write(&history, text, len);
	sink(text, len);
}

void log_set_sink(log_sink_fn sink)
{
	current_sink = sink;
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

const char *log_level_name(enum log_level level)
{
	static const char *const names[] = {
		[LOG_ERROR] = "error",
		[LOG_WARN] = "warn",
		[LOG_INFO] = "info",
		[LOG_DEBUG] = "debug",
	};

	if ((unsigned)level >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[level];
}

/* Length of what kvsnprintf stored, given its return value and the buffer size. */
static size_t stored(int n, size_t size)
{
	return (size_t)n < size ? (size_t)n : size - 1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	log_sink_fn sink = current_sink;
	char line[LOG_LINE_MAX + 1];
	va_list ap;

	if (!sink || level > current_level)
		return;
	/* The level names are short: the prefix always fits. */
	size_t len = (size_t)ksnprintf(line, sizeof(line), "[%s] ", log_level_name(level));
	/* One byte is kept back for the newline, which replaces the NUL kvsnprintf writes. */
	size_t room = sizeof(line) - 1 - len;
	va_start(ap, fmt);
	len += stored(kvsnprintf(line + len, room, fmt, ap), room);
	va_end(ap);
	line[len++] = '\n';
	line[len] = '\0';
	emit(sink, line, len);
}

void kprintf(const char *fmt, ...)
{
	log_sink_fn sink = current_sink;
	char text[LOG_LINE_MAX + 1];
	va_list ap;

	if (!sink)
		return;
	va_start(ap, fmt);
	size_t len = stored(kvsnprintf(text, sizeof(text), fmt, ap), sizeof(text));
	va_end(ap);
	emit(sink, text, len);
}
