/* keelctl's output lines: pure functions that turn what Keel answers (domain_list entries,
 * host_info, error codes) into the text xl, xentop and xl info users know. Each writes one
 * NUL-terminated line, without its newline, into buf (size bytes, cut short if too small),
 * unless it says otherwise. */
#ifndef KEELCTL_FORMAT_H
#define KEELCTL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "include/keel/hypercall.h"

#define FORMAT_LINE_MAX 256

/* The orders of the state letters: xl list's "rbpscd" and xentop's "dsbcpr". */
#define FORMAT_LIST_STATE_ORDER "rbpscd"
#define FORMAT_TOP_STATE_ORDER "dsbcpr"

/* The letter of a domain's state: 'r' running, 'b' blocked, 'p' paused (before blocked),
 * 's' shut down and preserved, 'c' crashed and preserved, 'd' dying (ending or restarting). */
char domain_state_letter(const struct keel_domain_status *d);

/* The 6-character state string (out has 7 bytes): the letter of d's state at its place in
 * order (one of the orders above), '-' elsewhere. */
void format_state(char out[7], const struct keel_domain_status *d, const char *order);

/* "EBUSY: the domain has ended" for a negative KEEL_E* result. */
void format_keel_error(char *buf, size_t size, int64_t result);

/* xl list. */
const char *format_list_header(void);
void format_list_line(char *buf, size_t size, const struct keel_domain_status *d);

/* xl sched-credit. */
const char *format_sched_header(void);
void format_sched_line(char *buf, size_t size, const struct keel_domain_status *d);

/* xl info: every "key                    : value" line, each ended by a newline. */
void format_info(char *buf, size_t size, const struct keel_host_info *h);

/* xentop's summary: three lines, each ended by a newline, for the time given as text (e.g.
 * "12:34:56"), the host and its n domains. */
void format_top_summary(char *buf, size_t size, const char *time_text, const struct keel_host_info *h,
			const struct keel_domain_status *doms, size_t n);
const char *format_top_header(void);
/* A domain's line; its CPU share and exits per second over the wall_ns nanoseconds since
 * prev, its entry at the last refresh (NULL for none: both 0). */
void format_top_line(char *buf, size_t size, const struct keel_domain_status *d,
		     const struct keel_domain_status *prev, uint64_t wall_ns);

#endif
