#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fake_platform.h"

#include "vmm/dev/mc146818.h"
#include "vmm/dev/pc.h"

/* Ports and CMOS bytes as a PC has them, spelled out here rather than shared with the
 * model. */
#define INDEX PC_RTC
#define DATA (PC_RTC + 1)

enum {
	SEC = 0x00, ALARM_SEC = 0x01, MIN = 0x02, ALARM_MIN = 0x03, HOUR = 0x04,
	ALARM_HOUR = 0x05, WDAY = 0x06, MDAY = 0x07, MON = 0x08, YEAR = 0x09,
	REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, CENTURY = 0x32,
};

/* Register B settings. */
enum {
	B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_BINARY = 0x04, B_24H = 0x02,
};

#define NEVER DEVICE_NO_DEADLINE
#define MS 1000000ull
#define S 1000000000ull

/* 2026-12-06 07:08:25 UTC, a Sunday. */
#define SUNDAY_MORNING 1796540905ull

/* What the model did to the world around it. */
struct world {
	struct fake_platform fake; /* first: the callbacks' context is the world */

};




static void start(struct mc146818 *rtc, struct world *w, uint64_t epoch_seconds)
{
	*w = (struct world){ .fake = { .deadline = NEVER } };
	const struct device_env env = {
		.ctx = w, .now_ns = fake_now, .set_deadline = fake_set_deadline, .set_irq = fake_set_irq,
	};
	mc146818_init(rtc, &env, epoch_seconds);
}

static void outb(struct mc146818 *rtc, unsigned port, uint8_t value)
{
	assert_true(port >= PC_RTC && port < PC_RTC + MC146818_PORTS);
	mc146818_write(rtc, port - PC_RTC, 1, value);
}

static uint8_t inb(struct mc146818 *rtc, unsigned port)
{
	assert_true(port >= PC_RTC && port < PC_RTC + MC146818_PORTS);
	uint64_t value = mc146818_read(rtc, port - PC_RTC, 1);
	assert_true(value <= 0xff);
	return (uint8_t)value;
}

static uint8_t cmos(struct mc146818 *rtc, uint8_t index)
{
	outb(rtc, INDEX, index);
	return inb(rtc, DATA);
}

static void set_cmos(struct mc146818 *rtc, uint8_t index, uint8_t value)
{
	outb(rtc, INDEX, index);
	outb(rtc, DATA, value);
}

/* The clock's registers, in the order of struct expected_time. */
struct expected_time {
	uint8_t sec, min, hour, wday, mday, mon, year, century;
};

static void expect_time(struct mc146818 *rtc, struct expected_time t)
{
	assert_int_equal(cmos(rtc, SEC), t.sec);
	assert_int_equal(cmos(rtc, MIN), t.min);
	assert_int_equal(cmos(rtc, HOUR), t.hour);
	assert_int_equal(cmos(rtc, WDAY), t.wday);
	assert_int_equal(cmos(rtc, MDAY), t.mday);
	assert_int_equal(cmos(rtc, MON), t.mon);
	assert_int_equal(cmos(rtc, YEAR), t.year);
	assert_int_equal(cmos(rtc, CENTURY), t.century);
}

#define EXPECT_TIME(rtc, ...) expect_time(rtc, (struct expected_time){ __VA_ARGS__ })

/* Writes a time (already in the register format) with SET, as Linux does. */
static void set_time(struct mc146818 *rtc, struct expected_time t)
{
	uint8_t b = cmos(rtc, REG_B);
	set_cmos(rtc, REG_B, b | B_SET);
	set_cmos(rtc, YEAR, t.year);
	set_cmos(rtc, MON, t.mon);
	set_cmos(rtc, MDAY, t.mday);
	set_cmos(rtc, HOUR, t.hour);
	set_cmos(rtc, MIN, t.min);
	set_cmos(rtc, SEC, t.sec);
	set_cmos(rtc, CENTURY, t.century);
	set_cmos(rtc, REG_B, b & ~B_SET);
}

/* Power-on ------------------------------------------------------------------------- */

static void power_on_state(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(w.fake.deadline_calls, 0);
	assert_int_equal(cmos(&rtc, REG_A), 0x26);
	assert_int_equal(cmos(&rtc, REG_B), 0x02);
	assert_int_equal(cmos(&rtc, REG_C), 0x00);
	assert_int_equal(cmos(&rtc, REG_D), 0x80);
	for (unsigned i = 0x0e; i < MC146818_CMOS; i++)
		if (i != CENTURY)
			assert_int_equal(cmos(&rtc, (uint8_t)i), 0);
	assert_int_equal(cmos(&rtc, CENTURY), 0x20);
	assert_int_equal(cmos(&rtc, ALARM_SEC), 0);
	assert_int_equal(inb(&rtc, INDEX), 0xff);
	/* Reading changed nothing: no interrupt is enabled. */
	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(w.fake.deadline_calls, 0);
}

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

/* The periodic interrupt ----------------------------------------------------------- */

/* Rate 6 is 1024 Hz: period k ends at ceil(k * 976562.5) ns. */
static void periodic_interrupt_at_1024_hz(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	set_cmos(&rtc, REG_B, B_PIE | B_24H);
	assert_int_equal(w.fake.deadline, 976563);
	assert_false(w.fake.irq);

	w.fake.now = 976562; /* early: nothing yet, the same deadline given again */
	unsigned deadline_calls = w.fake.deadline_calls;
	mc146818_timer(&rtc);
	assert_false(w.fake.irq);
	assert_int_equal(w.fake.deadline, 976563);
	assert_int_equal(w.fake.deadline_calls, deadline_calls + 1);

	w.fake.now = 976563;
	mc146818_timer(&rtc);
	assert_true(w.fake.irq);
	assert_int_equal(w.fake.deadline, NEVER); /* asserted until register C is read */
	assert_int_equal(cmos(&rtc, REG_C), 0xc0);
	assert_false(w.fake.irq);
	assert_int_equal(w.fake.deadline, 1953125);
	assert_int_equal(cmos(&rtc, REG_C), 0x00);

	w.fake.now = 1953125;
	mc146818_timer(&rtc);
	assert_true(w.fake.irq);
	assert_int_equal(cmos(&rtc, REG_C), 0xc0);
	assert_int_equal(w.fake.deadline, 2929688);

	/* Late, by many periods: one interrupt, and the next period still on the grid
	 * (period 11 ends at 10742187.5 ns). */
	unsigned calls = w.fake.irq_calls;
	w.fake.now = 10 * MS;
	mc146818_timer(&rtc);
	assert_true(w.fake.irq);
	assert_int_equal(w.fake.irq_calls, calls + 1);
	assert_int_equal(cmos(&rtc, REG_C), 0xc0);
	assert_int_equal(w.fake.deadline, 10742188);
}

static void periodic_rates(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	static const struct {
		uint8_t rate;
		uint64_t first_ns;
	} cases[] = {
		{ 1, 3906250 },   /* as rate 8: 256 Hz */
		{ 2, 7812500 },   /* as rate 9: 128 Hz */
		{ 3, 122071 },    /* 8192 Hz: 122070.3125 ns */
		{ 6, 976563 },
		{ 7, 1953125 },
		{ 8, 3906250 },
		{ 9, 7812500 },
		{ 15, 500000000 }, /* 2 Hz */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		start(&rtc, &w, SUNDAY_MORNING);
		set_cmos(&rtc, REG_A, 0x20 | cases[i].rate);
		set_cmos(&rtc, REG_B, B_PIE | B_24H);
		assert_int_equal(w.fake.deadline, cases[i].first_ns);
	}

	start(&rtc, &w, SUNDAY_MORNING);
	set_cmos(&rtc, REG_A, 0x20); /* rate 0: none */
	set_cmos(&rtc, REG_B, B_PIE | B_24H);
	assert_int_equal(w.fake.deadline, NEVER);
	w.fake.now = 10 * S;
	assert_int_equal(cmos(&rtc, REG_C) & 0x40, 0);
}

/* The flags are set with the interrupts disabled: a guest polls them. */
static void flags_without_interrupts(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	w.fake.now = 976562;
	assert_int_equal(cmos(&rtc, REG_C), 0x00);
	w.fake.now = 976563;
	assert_int_equal(cmos(&rtc, REG_C), 0x40); /* PF, no IRQF */
	w.fake.now = 1 * S;
	assert_int_equal(cmos(&rtc, REG_C), 0x50); /* PF and UF */
	assert_int_equal(cmos(&rtc, REG_C), 0x00);
	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(w.fake.deadline_calls, 0);
}

/* An enable set while its flag is already set raises the output at once (IRQF is the
 * AND of each flag and its enable). */
static void enabling_a_set_flag_interrupts(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	w.fake.now = 2 * S;
	set_cmos(&rtc, REG_B, B_UIE | B_24H);
	assert_true(w.fake.irq);
	assert_int_equal(cmos(&rtc, REG_C), 0xd0); /* IRQF, PF, UF */
	assert_false(w.fake.irq);
	assert_int_equal(w.fake.deadline, 3 * S);
}

/* The update-ended interrupt ------------------------------------------------------- */

static void update_ended_interrupt(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	set_cmos(&rtc, REG_A, 0x20); /* no periodic flag, for clarity */
	set_cmos(&rtc, REG_B, B_UIE | B_24H);
	assert_int_equal(w.fake.deadline, 1 * S);
	w.fake.now = 1 * S;
	mc146818_timer(&rtc);
	assert_true(w.fake.irq);
	assert_int_equal(cmos(&rtc, SEC), 0x26);
	assert_int_equal(cmos(&rtc, REG_C), 0x90);
	assert_false(w.fake.irq);
	assert_int_equal(w.fake.deadline, 2 * S);

	/* Late by five and a half seconds: one interrupt. */
	w.fake.now = 7 * S + S / 2;
	mc146818_timer(&rtc);
	assert_true(w.fake.irq);
	assert_int_equal(w.fake.irq_calls, 3);
	assert_int_equal(cmos(&rtc, REG_C), 0x90);
	assert_int_equal(w.fake.irq_calls, 4);
	assert_int_equal(w.fake.deadline, 8 * S);

	/* Disabled: no deadline, the output stays low, UF is still set. */
	set_cmos(&rtc, REG_B, B_24H);
	assert_int_equal(w.fake.deadline, NEVER);
	w.fake.now = 9 * S;
	assert_int_equal(cmos(&rtc, REG_C), 0x10);
	assert_false(w.fake.irq);
}

/* The alarm ------------------------------------------------------------------------ */

static void alarm_interrupt(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING); /* 07:08:25 */

	set_cmos(&rtc, REG_A, 0x20);
	set_cmos(&rtc, ALARM_HOUR, 0x07);
	set_cmos(&rtc, ALARM_MIN, 0x08);
	set_cmos(&rtc, ALARM_SEC, 0x30);
	assert_int_equal(cmos(&rtc, ALARM_SEC), 0x30);
	set_cmos(&rtc, REG_B, B_AIE | B_24H);
	assert_int_equal(w.fake.deadline, 5 * S);
	w.fake.now = 5 * S;
	mc146818_timer(&rtc);
	assert_true(w.fake.irq);
	assert_int_equal(cmos(&rtc, SEC), 0x30);
	assert_int_equal(cmos(&rtc, REG_C), 0xb0); /* IRQF, AF, UF */
	/* Tomorrow at the same time. */
	assert_int_equal(w.fake.deadline, 5 * S + 24 * 3600 * S);

	/* Don't-care bytes (0xc0-0xff): any hour, minute 09, second 00: at 07:09:00. */
	set_cmos(&rtc, ALARM_HOUR, 0xc0);
	set_cmos(&rtc, ALARM_MIN, 0x09);
	set_cmos(&rtc, ALARM_SEC, 0x00);
	assert_int_equal(w.fake.deadline, 35 * S);
	/* Every hour at minute 08, any second: the next second. */
	set_cmos(&rtc, ALARM_MIN, 0x08);
	set_cmos(&rtc, ALARM_SEC, 0xff);
	assert_int_equal(w.fake.deadline, 6 * S);
	/* Every second. */
	set_cmos(&rtc, ALARM_HOUR, 0xff);
	set_cmos(&rtc, ALARM_MIN, 0xd5);
	assert_int_equal(w.fake.deadline, 6 * S);
	/* Any minute at second 25 of 08:xx: at 08:00:25. */
	set_cmos(&rtc, ALARM_HOUR, 0x08);
	set_cmos(&rtc, ALARM_MIN, 0xc0);
	set_cmos(&rtc, ALARM_SEC, 0x25);
	assert_int_equal(w.fake.deadline, (3600 - 8 * 60) * S);
	/* A second no register shows (0x60, or 0x1a, not BCD): never. */
	set_cmos(&rtc, ALARM_SEC, 0x60);
	assert_int_equal(w.fake.deadline, NEVER);
	set_cmos(&rtc, ALARM_SEC, 0x1a);
	assert_int_equal(w.fake.deadline, NEVER);
	w.fake.now = 3600 * S;
	assert_int_equal(cmos(&rtc, REG_C), 0x10);
}

static void alarm_flag_without_interrupt(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	set_cmos(&rtc, REG_A, 0x20);
	set_cmos(&rtc, ALARM_HOUR, 0x07);
	set_cmos(&rtc, ALARM_MIN, 0x08);
	set_cmos(&rtc, ALARM_SEC, 0x27);
	w.fake.now = 1 * S;
	assert_int_equal(cmos(&rtc, REG_C), 0x10);
	/* Passed between two reads: 07:08:26 -> 07:08:40. */
	w.fake.now = 15 * S;
	assert_int_equal(cmos(&rtc, REG_C), 0x30);
	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(w.fake.deadline_calls, 0);
}

/* In 12-hour mode the alarm's hour byte has the PM bit, as the hours byte. */
static void alarm_in_12_hour_mode(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	set_cmos(&rtc, REG_A, 0x20);
	set_cmos(&rtc, REG_B, 0); /* 12-hour, BCD */
	set_cmos(&rtc, ALARM_HOUR, 0x87); /* 7 PM */
	set_cmos(&rtc, ALARM_MIN, 0x08);
	set_cmos(&rtc, ALARM_SEC, 0x25);
	set_cmos(&rtc, REG_B, B_AIE);
	assert_int_equal(w.fake.deadline, 12 * 3600 * S);
	set_cmos(&rtc, ALARM_HOUR, 0x12); /* midnight */
	assert_int_equal(w.fake.deadline, (24 - 7) * 3600 * S);
	/* The same byte in 24-hour mode is 12 noon... */
	set_cmos(&rtc, REG_B, B_AIE | B_24H);
	assert_int_equal(w.fake.deadline, 5 * 3600 * S);
	/* ...and 0x87 none at all. */
	set_cmos(&rtc, ALARM_HOUR, 0x87);
	assert_int_equal(w.fake.deadline, NEVER);
}

/* Setting the time ----------------------------------------------------------------- */

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

/* NVRAM, the index port, access sizes ---------------------------------------------- */

static void nvram_is_kept(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	for (unsigned i = 0x0e; i < MC146818_CMOS; i++)
		if (i != CENTURY)
			set_cmos(&rtc, (uint8_t)i, (uint8_t)(i * 7 + 3));
	for (unsigned i = 0x0e; i < MC146818_CMOS; i++)
		if (i != CENTURY)
			assert_int_equal(cmos(&rtc, (uint8_t)i), (uint8_t)(i * 7 + 3));
	assert_int_equal(cmos(&rtc, CENTURY), 0x20);
	/* C and D are read-only. */
	set_cmos(&rtc, REG_C, 0xff);
	set_cmos(&rtc, REG_D, 0x00);
	assert_int_equal(cmos(&rtc, REG_C), 0x00);
	assert_int_equal(cmos(&rtc, REG_D), 0x80);
	assert_int_equal(w.fake.irq_calls, 0);
}

/* Bit 7 of the index is NMI disable: kept, not part of the index. */
static void index_bit_7_is_nmi_disable(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	set_cmos(&rtc, 0x40, 0x5a);
	outb(&rtc, INDEX, 0x8a);
	assert_true(rtc.nmi_disabled);
	assert_int_equal(inb(&rtc, DATA), 0x26); /* register A */
	assert_int_equal(inb(&rtc, INDEX), 0xff);
	outb(&rtc, INDEX, 0xc0);
	assert_int_equal(inb(&rtc, DATA), 0x5a); /* 0x40 */
	outb(&rtc, INDEX, 0x40);
	assert_false(rtc.nmi_disabled);
	assert_int_equal(inb(&rtc, DATA), 0x5a);
}

static void multi_byte_accesses(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	/* A 16-bit write: the index, then the data. */
	mc146818_write(&rtc, 0, 2, 0x5540);
	assert_int_equal(cmos(&rtc, 0x40), 0x55);
	/* Reads: 0xff from the index port and past the range. */
	outb(&rtc, INDEX, 0x40);
	assert_int_equal(mc146818_read(&rtc, 0, 2), 0x55ff);
	assert_int_equal(mc146818_read(&rtc, 0, 4), 0xffff55ff);
	assert_int_equal(mc146818_read(&rtc, 1, 2), 0xff55);
	assert_int_equal(mc146818_read(&rtc, 1, 8), 0xffffffffffffff55ull);
	assert_int_equal(mc146818_read(&rtc, 2, 1), 0xff);
	/* Bytes past the range are dropped. */
	mc146818_write(&rtc, 1, 4, 0x11223366);
	assert_int_equal(cmos(&rtc, 0x40), 0x66);
	mc146818_write(&rtc, 2, 1, 0x0a);
	assert_int_equal(inb(&rtc, DATA), 0x66);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(power_on_state),
		cmocka_unit_test(time_of_day_in_bcd),
		cmocka_unit_test(time_of_day_in_binary),
		cmocka_unit_test(twelve_hour_mode),
		cmocka_unit_test(time_runs_with_the_clock),
		cmocka_unit_test(month_and_year_ends),
		cmocka_unit_test(leap_days),
		cmocka_unit_test(every_day_of_the_calendar),
		cmocka_unit_test(epoch_past_9999_is_clamped),
		cmocka_unit_test(uip_in_the_last_244_us),
		cmocka_unit_test(periodic_interrupt_at_1024_hz),
		cmocka_unit_test(periodic_rates),
		cmocka_unit_test(flags_without_interrupts),
		cmocka_unit_test(enabling_a_set_flag_interrupts),
		cmocka_unit_test(update_ended_interrupt),
		cmocka_unit_test(alarm_interrupt),
		cmocka_unit_test(alarm_flag_without_interrupt),
		cmocka_unit_test(alarm_in_12_hour_mode),
		cmocka_unit_test(set_stops_the_clock_and_it_runs_on_from_the_time_written),
		cmocka_unit_test(divider_reset_restarts_half_a_second_later),
		cmocka_unit_test(divider_reset_stops_the_clock),
		cmocka_unit_test(write_while_running),
		cmocka_unit_test(set_time_in_binary),
		cmocka_unit_test(out_of_range_values_carry),
		cmocka_unit_test(changing_the_format_keeps_the_time),
		cmocka_unit_test(nvram_is_kept),
		cmocka_unit_test(index_bit_7_is_nmi_disable),
		cmocka_unit_test(multi_byte_accesses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
