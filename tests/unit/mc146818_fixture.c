/* The fixture of the RTC tests: mc146818_fixture.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/mc146818_fixture.h"

void start(struct mc146818 *rtc, struct world *w, uint64_t epoch_seconds)
{
	*w = (struct world){ .fake = { .deadline = NEVER } };
	const struct device_env env = {
		.ctx = w, .now_ns = fake_now, .set_deadline = fake_set_deadline, .set_irq = fake_set_irq,
	};
	mc146818_init(rtc, &env, epoch_seconds);
}

void outb(struct mc146818 *rtc, unsigned port, uint8_t value)
{
	assert_true(port >= PC_RTC && port < PC_RTC + MC146818_PORTS);
	mc146818_write(rtc, port - PC_RTC, 1, value);
}

uint8_t inb(struct mc146818 *rtc, unsigned port)
{
	assert_true(port >= PC_RTC && port < PC_RTC + MC146818_PORTS);
	uint64_t value = mc146818_read(rtc, port - PC_RTC, 1);
	assert_true(value <= 0xff);
	return (uint8_t)value;
}

uint8_t cmos(struct mc146818 *rtc, uint8_t index)
{
	outb(rtc, INDEX, index);
	return inb(rtc, DATA);
}

void set_cmos(struct mc146818 *rtc, uint8_t index, uint8_t value)
{
	outb(rtc, INDEX, index);
	outb(rtc, DATA, value);
}

void expect_time(struct mc146818 *rtc, struct expected_time t)
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

/* Writes a time (already in the register format) with SET, as Linux does. */
void set_time(struct mc146818 *rtc, struct expected_time t)
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
