/* The CMOS RTC's interrupts (vmm/dev/mc146818.c) on the fake clock: the periodic
 * interrupt and its rates, the flags polled without interrupts, the update-ended interrupt,
 * and the alarm with its don't-care bytes. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/mc146818_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(periodic_interrupt_at_1024_hz),
		cmocka_unit_test(periodic_rates),
		cmocka_unit_test(flags_without_interrupts),
		cmocka_unit_test(enabling_a_set_flag_interrupts),
		cmocka_unit_test(update_ended_interrupt),
		cmocka_unit_test(alarm_interrupt),
		cmocka_unit_test(alarm_flag_without_interrupt),
		cmocka_unit_test(alarm_in_12_hour_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
