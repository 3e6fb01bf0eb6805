/* The CMOS RTC's clock (vmm/dev/mc146818.c) as a guest reads it: the time of day in BCD,
 * binary and 12-hour form, running with the fake clock over month, year and century ends
 * and leap days, every day from 1970 to 2199, and UIP. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/mc146818_fixture.h"

/* The time of day ------------------------------------------------------------------ */

static void time_of_day_in_bcd(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	EXPECT_TIME(&rtc, .sec = 0x25, .min = 0x08, .hour = 0x07, .wday = 1, .mday = 0x06,
		    .mon = 0x12, .year = 0x26, .century = 0x20);
}

static void time_of_day_in_binary(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	set_cmos(&rtc, REG_B, B_BINARY | B_24H);
	EXPECT_TIME(&rtc, .sec = 25, .min = 8, .hour = 7, .wday = 1, .mday = 6, .mon = 12,
		    .year = 26, .century = 20);
}

/* Hours 1-12, bit 7 for PM; midnight is 12 AM, noon 12 PM. */
static void twelve_hour_mode(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	const uint64_t midnight = SUNDAY_MORNING - (7 * 3600 + 8 * 60 + 25);
	static const struct {
		unsigned hour;
		uint8_t bcd, binary;
	} cases[] = {
		{ 0, 0x12, 0x0c }, { 1, 0x01, 0x01 }, { 7, 0x07, 0x07 }, { 11, 0x11, 0x0b },
		{ 12, 0x92, 0x8c }, { 13, 0x81, 0x81 }, { 19, 0x87, 0x87 }, { 23, 0x91, 0x8b },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		start(&rtc, &w, midnight + cases[i].hour * 3600);
		set_cmos(&rtc, REG_B, 0);
		assert_int_equal(cmos(&rtc, HOUR), cases[i].bcd);
		set_cmos(&rtc, REG_B, B_BINARY);
		assert_int_equal(cmos(&rtc, HOUR), cases[i].binary);
		set_cmos(&rtc, REG_B, B_24H);
		assert_int_equal(cmos(&rtc, HOUR), cases[i].hour / 10 << 4 | cases[i].hour % 10);
	}
}

static void time_runs_with_the_clock(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	w.fake.now = 34 * S + 999999999;
	assert_int_equal(cmos(&rtc, SEC), 0x59);
	assert_int_equal(cmos(&rtc, MIN), 0x08);
	w.fake.now = 35 * S;
	assert_int_equal(cmos(&rtc, SEC), 0x00);
	assert_int_equal(cmos(&rtc, MIN), 0x09);
	/* A day and an hour later: Monday 7 December, 08:09:00. */
	w.fake.now += (24 + 1) * 3600 * S;
	EXPECT_TIME(&rtc, .sec = 0x00, .min = 0x09, .hour = 0x08, .wday = 2, .mday = 0x07,
		    .mon = 0x12, .year = 0x26, .century = 0x20);
}

static void month_and_year_ends(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;

	start(&rtc, &w, 1769903999); /* 2026-01-31 23:59:59, a Saturday */
	EXPECT_TIME(&rtc, .sec = 0x59, .min = 0x59, .hour = 0x23, .wday = 7, .mday = 0x31,
		    .mon = 0x01, .year = 0x26, .century = 0x20);
	w.fake.now = 1 * S;
	EXPECT_TIME(&rtc, .sec = 0x00, .min = 0x00, .hour = 0x00, .wday = 1, .mday = 0x01,
		    .mon = 0x02, .year = 0x26, .century = 0x20);

	start(&rtc, &w, 1798761599); /* 2026-12-31 23:59:59, a Thursday */
	w.fake.now = 1 * S;
	EXPECT_TIME(&rtc, .sec = 0x00, .min = 0x00, .hour = 0x00, .wday = 6, .mday = 0x01,
		    .mon = 0x01, .year = 0x27, .century = 0x20);

	start(&rtc, &w, 946684799); /* 1999-12-31 23:59:59: the century byte follows */
	assert_int_equal(cmos(&rtc, CENTURY), 0x19);
	assert_int_equal(cmos(&rtc, YEAR), 0x99);
	w.fake.now = 1 * S;
	assert_int_equal(cmos(&rtc, CENTURY), 0x20);
	assert_int_equal(cmos(&rtc, YEAR), 0x00);

	start(&rtc, &w, 4102444799); /* 2099-12-31 23:59:59 */
	w.fake.now = 1 * S;
	EXPECT_TIME(&rtc, .sec = 0x00, .min = 0x00, .hour = 0x00, .wday = 6, .mday = 0x01,
		    .mon = 0x01, .year = 0x00, .century = 0x21);
}

static void leap_days(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;

	start(&rtc, &w, 1835395199); /* 2028-02-28 23:59:59, a Monday */
	w.fake.now = 1 * S;
	EXPECT_TIME(&rtc, .sec = 0x00, .min = 0x00, .hour = 0x00, .wday = 3, .mday = 0x29,
		    .mon = 0x02, .year = 0x28, .century = 0x20);
	w.fake.now += 24 * 3600 * S;
	EXPECT_TIME(&rtc, .sec = 0x00, .min = 0x00, .hour = 0x00, .wday = 4, .mday = 0x01,
		    .mon = 0x03, .year = 0x28, .century = 0x20);

	start(&rtc, &w, 951782400 - 1); /* 2000 is a leap year: divisible by 400 */
	w.fake.now = 1 * S;
	assert_int_equal(cmos(&rtc, MDAY), 0x29);
	assert_int_equal(cmos(&rtc, MON), 0x02);

	start(&rtc, &w, 4107456000); /* 2100-02-28 00:00:00 is not: divisible by 100 */
	w.fake.now = 24 * 3600 * S;
	assert_int_equal(cmos(&rtc, MDAY), 0x01);
	assert_int_equal(cmos(&rtc, MON), 0x03);
	assert_int_equal(cmos(&rtc, WDAY), 2);
}

/* A calendar of the test's own: one day after the other. */
struct date {
	unsigned y, m, d, wday;
};

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return days[m - 1] + (m == 2 && leap ? 1 : 0);
}

static void next_day(struct date *d)
{
	d->wday = d->wday % 7 + 1;
	if (++d->d <= month_days(d->y, d->m))
		return;
	d->d = 1;
	if (++d->m <= 12)
		return;
	d->m = 1;
	d->y++;
}

/* Every day from 1970 to 2199, read at noon in binary; and set through SET on every
 * 13th day (and run a second on). */
static void every_day_of_the_calendar(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	struct date d = { 1970, 1, 1, 5 };

	for (uint64_t day = 0; d.y < 2200; day++, next_day(&d)) {
		start(&rtc, &w, day * 86400 + 12 * 3600);
		set_cmos(&rtc, REG_B, B_BINARY | B_24H);
		EXPECT_TIME(&rtc, .sec = 0, .min = 0, .hour = 12, .wday = (uint8_t)d.wday,
			    .mday = (uint8_t)d.d, .mon = (uint8_t)d.m, .year = (uint8_t)(d.y % 100),
			    .century = (uint8_t)(d.y / 100));
		if (day % 13)
			continue;
		start(&rtc, &w, 0);
		set_cmos(&rtc, REG_B, B_BINARY | B_24H);
		set_time(&rtc, (struct expected_time){ .sec = 59, .min = 59, .hour = 23,
			 .mday = (uint8_t)d.d, .mon = (uint8_t)d.m, .year = (uint8_t)(d.y % 100),
			 .century = (uint8_t)(d.y / 100) });
		w.fake.now = 1 * S;
		struct date next = d;
		next_day(&next);
		EXPECT_TIME(&rtc, .sec = 0, .min = 0, .hour = 0, .wday = (uint8_t)next.wday,
			    .mday = (uint8_t)next.d, .mon = (uint8_t)next.m,
			    .year = (uint8_t)(next.y % 100), .century = (uint8_t)(next.y / 100));
	}
}

static void epoch_past_9999_is_clamped(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, UINT64_MAX);

	EXPECT_TIME(&rtc, .sec = 0x59, .min = 0x59, .hour = 0x23, .wday = 6, .mday = 0x31,
		    .mon = 0x12, .year = 0x99, .century = 0x99);
}

/* UIP ------------------------------------------------------------------------------ */

static void uip_in_the_last_244_us(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	for (uint64_t second = 1; second <= 3; second++) {
		w.fake.now = second * S - 244000 - 1;
		assert_int_equal(cmos(&rtc, REG_A), 0x26);
		w.fake.now = second * S - 244000;
		assert_int_equal(cmos(&rtc, REG_A), 0xa6);
		w.fake.now = second * S - 1;
		assert_int_equal(cmos(&rtc, REG_A), 0xa6);
		/* The registers still hold the old time until the update. */
		assert_int_equal(cmos(&rtc, SEC), 0x25 + second - 1);
		w.fake.now = second * S;
		assert_int_equal(cmos(&rtc, REG_A), 0x26);
		assert_int_equal(cmos(&rtc, SEC), 0x25 + second);
	}

	/* SET clears UIP; writes to UIP are ignored. */
	w.fake.now = 4 * S - 1000;
	assert_int_equal(cmos(&rtc, REG_A), 0xa6);
	set_cmos(&rtc, REG_B, B_SET | B_24H);
	assert_int_equal(cmos(&rtc, REG_A), 0x26);
	set_cmos(&rtc, REG_A, 0xa6);
	assert_int_equal(cmos(&rtc, REG_A), 0x26);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_of_day_in_bcd),
		cmocka_unit_test(time_of_day_in_binary),
		cmocka_unit_test(twelve_hour_mode),
		cmocka_unit_test(time_runs_with_the_clock),
		cmocka_unit_test(month_and_year_ends),
		cmocka_unit_test(leap_days),
		cmocka_unit_test(every_day_of_the_calendar),
		cmocka_unit_test(epoch_past_9999_is_clamped),
		cmocka_unit_test(uip_in_the_last_244_us),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
