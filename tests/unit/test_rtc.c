/* drivers/rtc.c's reading of the machine's RTC registers, and lib/calendar.c under it:
 * BCD and binary, 24- and 12-hour clocks, the two-digit year's window, and registers that
 * no set clock would show; the expected seconds are Python's calendar.timegm. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/rtc.h"
#include "lib/calendar.h"
#include "lib/timescale.h"

struct timescale tsc_scale; /* drivers/tsc.h's, which rtc_init reads (not run here) */

#define BCD_24 0x02    /* register B: BCD, 24-hour */
#define BINARY_24 0x06 /* binary, 24-hour */
#define BCD_12 0x00

static uint64_t seconds_of(struct rtc_time_registers r)
{
	uint64_t s = 0;
	assert_true(rtc_seconds_of(&r, &s));
	return s;
}

static void bcd_and_binary(void **state)
{
	(void)state;
	assert_int_equal(seconds_of((struct rtc_time_registers){ 0x57, 0x05, 0x17, 0x06, 0x12, 0x26, BCD_24 }),
			 1796576757);
	assert_int_equal(seconds_of((struct rtc_time_registers){ 57, 5, 17, 6, 12, 26, BINARY_24 }), 1796576757);
	assert_int_equal(seconds_of((struct rtc_time_registers){ 0, 0, 0, 0x29, 0x02, 0x24, BCD_24 }), 1709164800);
	assert_int_equal(seconds_of((struct rtc_time_registers){ 0, 0, 0x12, 0x01, 0x03, 0x00, BCD_24 }), 951912000);
}

/* Years 70-99 are 1970-1999, 00-69 2000-2069. */
static void two_digit_years(void **state)
{
	(void)state;
	assert_int_equal(seconds_of((struct rtc_time_registers){ 0, 0, 0, 0x01, 0x01, 0x70, BCD_24 }), 0);
	assert_int_equal(seconds_of((struct rtc_time_registers){ 0x59, 0x59, 0x23, 0x31, 0x12, 0x69, BCD_24 }),
			 3155759999ull);
}

/* Bit 7 of the hours is PM; 12 AM is midnight and 12 PM noon. */
static void twelve_hour_clock(void **state)
{
	(void)state;
	assert_int_equal(seconds_of((struct rtc_time_registers){ 0x57, 0x05, 0x85, 0x06, 0x12, 0x26, BCD_12 }),
			 1796576757);
	assert_int_equal(seconds_of((struct rtc_time_registers){ 0, 0, 0x12, 0x01, 0x01, 0x70, BCD_12 }), 0);
	assert_int_equal(seconds_of((struct rtc_time_registers){ 0, 0, 0x92, 0x01, 0x01, 0x70, BCD_12 }), 12 * 3600);
}

static void registers_no_clock_shows(void **state)
{
	(void)state;
	uint64_t s = 42;
	const struct rtc_time_registers bad[] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, /* no RTC: the ports float high */
		{ 0x1a, 0, 0, 1, 1, 0, BCD_24 },              /* not BCD */
		{ 0x60, 0, 0, 1, 1, 0, BCD_24 },              /* second 60 */
		{ 0, 0, 0x24, 1, 1, 0, BCD_24 },              /* hour 24 */
		{ 0, 0, 0, 0, 1, 0, BCD_24 },                 /* day 0 */
		{ 0, 0, 0, 1, 0x13, 0, BCD_24 },              /* month 13 */
		{ 0, 0, 0, 1, 1, 100, BINARY_24 },            /* year 100 */
		{ 0, 0, 0x13, 1, 1, 0, BCD_12 },              /* 13 o'clock on a 12-hour clock */
		{ 0, 0, 0x00, 1, 1, 0, BCD_12 },              /* 0 o'clock on a 12-hour clock */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(rtc_seconds_of(&bad[i], &s));
	assert_int_equal(s, 42);
}

/* Day numbers to dates and back, across leap and century years on both sides of 1970. */
static void calendar_round_trip(void **state)
{
	(void)state;
	for (int64_t days = -800000; days <= 800000; days += 7) {
		int64_t y;
		unsigned m, d;
		calendar_civil_from_days(days, &y, &m, &d);
		assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		assert_int_equal(calendar_days_from_civil(y, m, d), days);
	}
	assert_true(calendar_leap_year(2000) && calendar_leap_year(2024) && !calendar_leap_year(1900) &&
		    !calendar_leap_year(2100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bcd_and_binary),
		cmocka_unit_test(two_digit_years),
		cmocka_unit_test(twelve_hour_clock),
		cmocka_unit_test(registers_no_clock_shows),
		cmocka_unit_test(calendar_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
