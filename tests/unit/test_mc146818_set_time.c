/* Setting the CMOS RTC's clock (vmm/dev/mc146818.c): SET and the divider reset as Linux
 * uses them, writes while it runs, out-of-range values, and changes of format. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/mc146818_fixture.h"

static void set_stops_the_clock_and_it_runs_on_from_the_time_written(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, 1769903999); /* 2026-01-31 23:59:59 */

	w.fake.now = 300 * MS;
	set_cmos(&rtc, REG_B, B_SET | B_UIE | B_24H);
	assert_int_equal(cmos(&rtc, REG_B), B_SET | B_24H); /* SET clears UIE */
	/* The order Linux writes: year, month, day... 31 February is never seen. */
	set_cmos(&rtc, YEAR, 0x27);
	set_cmos(&rtc, MON, 0x02);
	set_cmos(&rtc, MDAY, 0x15);
	set_cmos(&rtc, HOUR, 0x12);
	set_cmos(&rtc, MIN, 0x30);
	set_cmos(&rtc, SEC, 0x00);
	w.fake.now = 5 * S;
	EXPECT_TIME(&rtc, .sec = 0x00, .min = 0x30, .hour = 0x12, .wday = 7, .mday = 0x15,
		    .mon = 0x02, .year = 0x27, .century = 0x20);
	assert_int_equal(cmos(&rtc, REG_C), 0x40); /* PF only: no update while SET */
	/* Cleared at 5.2 s: the next update is the divider's, at 6 s. */
	w.fake.now = 5200 * MS;
	set_cmos(&rtc, REG_B, B_24H);
	w.fake.now = 6 * S - 1;
	EXPECT_TIME(&rtc, .sec = 0x00, .min = 0x30, .hour = 0x12, .wday = 2, .mday = 0x15,
		    .mon = 0x02, .year = 0x27, .century = 0x20);
	w.fake.now = 6 * S;
	assert_int_equal(cmos(&rtc, SEC), 0x01);
	w.fake.now = 66 * S;
	assert_int_equal(cmos(&rtc, SEC), 0x01);
	assert_int_equal(cmos(&rtc, MIN), 0x31);
}

/* Linux's mc146818_set_time: SET, then the divider into reset (0x70), the registers, B,
 * then A back to 0x26: the first update half a second after A. */
static void divider_reset_restarts_half_a_second_later(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	w.fake.now = 200 * MS;
	set_cmos(&rtc, REG_B, B_SET | B_24H);
	set_cmos(&rtc, REG_A, 0x70);
	set_cmos(&rtc, SEC, 0x00);
	set_cmos(&rtc, MIN, 0x00);
	set_cmos(&rtc, HOUR, 0x10);
	w.fake.now = 10 * S;
	assert_int_equal(cmos(&rtc, REG_C), 0x40); /* the periods before the reset */
	set_cmos(&rtc, REG_B, B_24H | B_PIE);
	assert_int_equal(w.fake.deadline, NEVER); /* the chain is in reset: no periodic interrupt */
	assert_int_equal(cmos(&rtc, SEC), 0x00);
	assert_int_equal(cmos(&rtc, REG_A), 0x70);
	assert_int_equal(cmos(&rtc, REG_C), 0x00);
	w.fake.now = 10700 * MS;
	set_cmos(&rtc, REG_A, 0x26);
	assert_int_equal(w.fake.deadline, 10700 * MS + 976563);
	w.fake.now = 11200 * MS - 244000;
	assert_int_equal(cmos(&rtc, REG_A), 0xa6);
	assert_int_equal(cmos(&rtc, SEC), 0x00);
	w.fake.now = 11200 * MS;
	assert_int_equal(cmos(&rtc, SEC), 0x01);
	assert_int_equal(cmos(&rtc, HOUR), 0x10);
	w.fake.now = 12200 * MS;
	assert_int_equal(cmos(&rtc, SEC), 0x02);
}

/* The divider in reset also stops a clock that SET does not. */
static void divider_reset_stops_the_clock(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	w.fake.now = 1500 * MS;
	set_cmos(&rtc, REG_A, 0x66); /* 110: reset */
	w.fake.now = 100 * S;
	assert_int_equal(cmos(&rtc, SEC), 0x26);
	assert_int_equal(cmos(&rtc, REG_A), 0x66);
	assert_int_equal(cmos(&rtc, REG_C), 0x50); /* what came before the reset */
	w.fake.now = 200 * S;
	assert_int_equal(cmos(&rtc, REG_C), 0x00);
	set_cmos(&rtc, REG_A, 0x26);
	w.fake.now = 200 * S + S / 2;
	assert_int_equal(cmos(&rtc, SEC), 0x27);
}

/* A write while the clock runs takes at once; the seconds keep their boundaries. */
static void write_while_running(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	w.fake.now = 500 * MS;
	set_cmos(&rtc, MIN, 0x30);
	EXPECT_TIME(&rtc, .sec = 0x25, .min = 0x30, .hour = 0x07, .wday = 1, .mday = 0x06,
		    .mon = 0x12, .year = 0x26, .century = 0x20);
	w.fake.now = 1 * S;
	assert_int_equal(cmos(&rtc, SEC), 0x26);
	set_cmos(&rtc, CENTURY, 0x21);
	assert_int_equal(cmos(&rtc, YEAR), 0x26);
	assert_int_equal(cmos(&rtc, CENTURY), 0x21);
	assert_int_equal(cmos(&rtc, WDAY), 6); /* 2126-12-06 is a Friday */
}

static void set_time_in_binary(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	set_cmos(&rtc, REG_B, B_BINARY | B_24H);
	set_time(&rtc, (struct expected_time){ .sec = 59, .min = 59, .hour = 23, .mday = 31,
		 .mon = 12, .year = 99, .century = 20 });
	w.fake.now = 1 * S;
	EXPECT_TIME(&rtc, .sec = 0, .min = 0, .hour = 0, .wday = 6, .mday = 1, .mon = 1,
		    .year = 0, .century = 21);
}

/* Values written to a stopped clock read back; out-of-range ones carry when it starts. */
static void out_of_range_values_carry(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	set_cmos(&rtc, REG_B, B_SET | B_24H);
	set_cmos(&rtc, MON, 0x02);
	set_cmos(&rtc, MDAY, 0x31);
	set_cmos(&rtc, WDAY, 0x04);
	set_cmos(&rtc, SEC, 0x60);
	assert_int_equal(cmos(&rtc, MDAY), 0x31);
	assert_int_equal(cmos(&rtc, WDAY), 0x04);
	assert_int_equal(cmos(&rtc, SEC), 0x60);
	set_cmos(&rtc, REG_B, B_24H);
	/* 2026-02-31 07:08:60 is 2026-03-03 07:09:00, a Tuesday. */
	EXPECT_TIME(&rtc, .sec = 0x00, .min = 0x09, .hour = 0x07, .wday = 3, .mday = 0x03,
		    .mon = 0x03, .year = 0x26, .century = 0x20);
}

/* The registers are views of the clock: DM and 24/12 change the form at once. */
static void changing_the_format_keeps_the_time(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING + 12 * 3600);

	assert_int_equal(cmos(&rtc, HOUR), 0x19);
	set_cmos(&rtc, REG_B, B_BINARY);
	assert_int_equal(cmos(&rtc, HOUR), 0x87);
	assert_int_equal(cmos(&rtc, SEC), 25);
	set_cmos(&rtc, REG_B, B_SET | B_BINARY);
	set_cmos(&rtc, REG_B, B_SET | B_24H);
	assert_int_equal(cmos(&rtc, HOUR), 0x19);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_stops_the_clock_and_it_runs_on_from_the_time_written),
		cmocka_unit_test(divider_reset_restarts_half_a_second_later),
		cmocka_unit_test(divider_reset_stops_the_clock),
		cmocka_unit_test(write_while_running),
		cmocka_unit_test(set_time_in_binary),
		cmocka_unit_test(out_of_range_values_carry),
		cmocka_unit_test(changing_the_format_keeps_the_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
