#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/log.h"

/* The sink records every call separately. */
static char captured[8][1024];
static size_t captured_len[8];
static int calls;

static void capture(const char *text, size_t len)
{
	assert_true(calls < 8);
	assert_true(len < sizeof(captured[0]));
	assert_int_equal(text[len], '\0');
	memcpy(captured[calls], text, len + 1);
	captured_len[calls] = len;
	calls++;
}

static int reset(void **state)
{
	(void)state;
	calls = 0;
	log_set_sink(capture);
	log_set_level(LOG_INFO);
	return 0;
}

static void assert_call(int i, const char *want)
{
	assert_true(i < calls);
	assert_int_equal(captured_len[i], strlen(want));
	assert_string_equal(captured[i], want);
}

/* Runs first, before any test has installed a sink or changed the level. */
static void nothing_without_sink_and_info_by_default(void **state)
{
	(void)state;
	assert_int_equal(log_get_level(), LOG_INFO);
	log_error("lost %d", 1);
	kprintf("lost too\n");
	log_set_sink(capture);
	assert_int_equal(calls, 0);
	log_info("kept");
	assert_int_equal(calls, 1);
	assert_call(0, "[info] kept\n");
}

static void formats_one_line_per_call(void **state)
{
	(void)state;
	log_info("boot: %s", "ok");
	log_error("vcpu %d: exit %#x", 2, 0x7b);
	log_warn("%s", "");
	assert_int_equal(calls, 3);
	assert_call(0, "[info] boot: ok\n");
	assert_call(1, "[error] vcpu 2: exit 0x7b\n");
	assert_call(2, "[warn] \n");
}

static void level_names(void **state)
{
	(void)state;
	assert_string_equal(log_level_name(LOG_ERROR), "error");
	assert_string_equal(log_level_name(LOG_WARN), "warn");
	assert_string_equal(log_level_name(LOG_INFO), "info");
	assert_string_equal(log_level_name(LOG_DEBUG), "debug");
}

static void drops_messages_above_level(void **state)
{
	(void)state;
	log_debug("hidden");
	assert_int_equal(calls, 0);

	log_set_level(LOG_WARN);
	assert_int_equal(log_get_level(), LOG_WARN);
	log_info("hidden");
	log_warn("w");
	log_error("e");
	assert_int_equal(calls, 2);
	assert_call(0, "[warn] w\n");
	assert_call(1, "[error] e\n");

	log_set_level(LOG_ERROR);
	log_warn("hidden");
	assert_int_equal(calls, 2);

	log_set_level(LOG_DEBUG);
	log_debug("d=%u", 4u);
	assert_int_equal(calls, 3);
	assert_call(2, "[debug] d=4\n");
}

/* "[info] " is 7 bytes and the newline 1: a 503-byte message fills the 511-byte line. */
static void cuts_long_lines_and_keeps_newline(void **state)
{
	(void)state;
	char msg[1001], want[512];

	memset(msg, 'm', 1000);
	msg[1000] = '\0';

	memcpy(want, "[info] ", 7);
	memset(want + 7, 'm', 503);
	memcpy(want + 510, "\n", 2);

	msg[503] = '\0';
	log_info("%s", msg);
	assert_call(0, want);
	assert_int_equal(captured_len[0], 511);

	msg[503] = 'm';
	log_info("%s", msg);
	assert_call(1, want);

	log_info("%s%d", msg, 12345);
	assert_call(2, want);
	assert_int_equal(calls, 3);
}

static void kprintf_sends_text_as_is(void **state)
{
	(void)state;
	char msg[700], want[512];

	kprintf("x=%d y=%s", -5, "no newline");
	kprintf("\n");
	memset(msg, 'k', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	kprintf("%s", msg);
	assert_int_equal(calls, 3);
	assert_call(0, "x=-5 y=no newline");
	assert_call(1, "\n");
	memset(want, 'k', 511);
	want[511] = '\0';
	assert_call(2, want);
}

static void discard(const char *text, size_t len)
{
	(void)text;
	(void)len;
}

/* The history holds what the sink got, in order, and keeps the newest LOG_HISTORY_BYTES. */
static void history_keeps_what_the_sink_got(void **state)
{
	(void)state;
	const struct ring *h = log_history();
	uint64_t pos = h->written, lost = 0;
	char out[64];
	log_warn("disk %d", 7);
	kprintf("as is");
	log_debug("dropped");
	uint64_t n = ring_read(h, &pos, out, sizeof(out) - 1, &lost);
	out[n] = '\0';
	assert_string_equal(out, "[warn] disk 7\nas is");
	assert_int_equal(lost, 0);
	log_set_sink(discard);
	for (unsigned i = 0; i < LOG_HISTORY_BYTES / 8; i++)
		kprintf("%07u\n", i);
	pos = 0;
	n = ring_read(h, &pos, out, 8, &lost);
	out[n] = '\0';
	assert_int_equal(ring_oldest(h), h->written - LOG_HISTORY_BYTES);
	assert_string_equal(out, "0000000\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_without_sink_and_info_by_default),
		cmocka_unit_test_setup(formats_one_line_per_call, reset),
		cmocka_unit_test(level_names),
		cmocka_unit_test_setup(drops_messages_above_level, reset),
		cmocka_unit_test_setup(cuts_long_lines_and_keeps_newline, reset),
		cmocka_unit_test_setup(kprintf_sends_text_as_is, reset),
		cmocka_unit_test_setup(history_keeps_what_the_sink_got, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
