/* The input-switch sequence (vmm/switch_keys.c): three Ctrl-As in a row switch; fewer are
 * passed on, late but in order, before the byte that ended them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/switch_keys.h"

/* Feeds typed[] and collects what is passed on in out (a '|' where a switch happened). */
static void feed(const char *typed, char *out)
{
	struct switch_keys k = { 0 };
	size_t len = 0;
	for (const char *p = typed; *p; p++) {
		uint8_t pass[SWITCH_KEYS_OUT];
		unsigned n = 99;
		if (switch_keys_feed(&k, (uint8_t)*p, pass, &n)) {
			assert_int_equal(n, 0);
			out[len++] = '|';
		}
		for (unsigned i = 0; i < n; i++)
			out[len++] = (char)pass[i];
	}
	out[len] = '\0';
}

static void plain_bytes_pass_at_once(void **state)
{
	(void)state;
	char out[32];
	feed("ls\r", out);
	assert_string_equal(out, "ls\r");
}

static void three_in_a_row_switch_and_are_not_passed_on(void **state)
{
	(void)state;
	char out[32];
	feed("a\001\001\001b", out);
	assert_string_equal(out, "a|b");
	feed("\001\001\001\001\001\001", out);
	assert_string_equal(out, "||");
}

static void fewer_are_passed_on_before_the_next_byte(void **state)
{
	(void)state;
	char out[32];
	feed("\001x\001\001y", out);
	assert_string_equal(out, "\001x\001\001y");
}

static void a_held_ctrl_a_waits_for_the_next_byte(void **state)
{
	(void)state;
	struct switch_keys k = { 0 };
	uint8_t pass[SWITCH_KEYS_OUT];
	unsigned n;
	assert_false(switch_keys_feed(&k, SWITCH_KEY, pass, &n));
	assert_int_equal(n, 0);
	assert_false(switch_keys_feed(&k, SWITCH_KEY, pass, &n));
	assert_int_equal(n, 0);
	assert_false(switch_keys_feed(&k, 'q', pass, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(pass, "\001\001q", 3);
}

/* Four in a row: the first three switch, the fourth starts a new run. */
static void a_fourth_starts_over(void **state)
{
	(void)state;
	char out[32];
	feed("\001\001\001\001z", out);
	assert_string_equal(out, "|\001z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_bytes_pass_at_once),
		cmocka_unit_test(three_in_a_row_switch_and_are_not_passed_on),
		cmocka_unit_test(fewer_are_passed_on_before_the_next_byte),
		cmocka_unit_test(a_held_ctrl_a_waits_for_the_next_byte),
		cmocka_unit_test(a_fourth_starts_over),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
