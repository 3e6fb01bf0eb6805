/* The RTC tests' fixture (test_mc146818_cmos.c, test_mc146818_clock.c,
 * test_mc146818_interrupts.c, test_mc146818_set_time.c): the RTC on the fake platform, the
 * CMOS bytes through the index and data ports, and the clock's registers read and written
 * together. */
#ifndef KEEL_TESTS_UNIT_MC146818_FIXTURE_H
#define KEEL_TESTS_UNIT_MC146818_FIXTURE_H

#include <stdint.h>
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

/* Power-on at epoch_seconds, the test clock at 0. */
void start(struct mc146818 *rtc, struct world *w, uint64_t epoch_seconds);
void outb(struct mc146818 *rtc, unsigned port, uint8_t value);
uint8_t inb(struct mc146818 *rtc, unsigned port);
uint8_t cmos(struct mc146818 *rtc, uint8_t index);
void set_cmos(struct mc146818 *rtc, uint8_t index, uint8_t value);

/* The clock's registers, in the order of struct expected_time. */
struct expected_time {
	uint8_t sec, min, hour, wday, mday, mon, year, century;
};

void expect_time(struct mc146818 *rtc, struct expected_time t);
#define EXPECT_TIME(rtc, ...) expect_time(rtc, (struct expected_time){ __VA_ARGS__ })
/* Writes a time (already in the register format) with SET, as Linux does. */
void set_time(struct mc146818 *rtc, struct expected_time t);

#endif
