/* Leveled logging to one output sink (the serial console in the core), the newest
 * LOG_HISTORY_BYTES of it kept for dom0 to read (the keel_log hypercall).
 * log_* print "[level] message\n"; kprintf prints its text as is. */
#ifndef KEEL_LIB_LOG_H
#define KEEL_LIB_LOG_H

#include <stddef.h>
#include "lib/ring.h"

#define LOG_HISTORY_BYTES (64 * 1024)

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Gets each log line or kprintf text in one call, with text[len] a NUL. Longer output is cut
 * to 511 bytes; a cut log line still ends with its newline. */
typedef void (*log_sink_fn)(const char *text, size_t len);

void log_set_sink(log_sink_fn sink);
void log_set_level(enum log_level level); /* messages above this level are dropped */
enum log_level log_get_level(void);
const char *log_level_name(enum log_level level); /* "error", "warn", "info", "debug" */

/* What was logged and printed, as the sink got it (once a sink was set). */
const struct ring *log_history(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
