/* Port 0x61 of the PIT model (vmm/dev/i8254.c): channel 2's gate, OUT2 as Linux's TSC
 * calibration polls it, the refresh toggle, and the bits that read back. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/i8254_fixture.h"

/* Port 0x61 bit 0 gates channel 2: low stops counting in mode 0, rising resumes it. */
static void gate2_low_stops_counting(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, PORT61, P61_GATE2);
	outb(&pit, COMMAND, CH2_MODE0);
	out_count(&pit, CH2, 100);
	at_tick(&w, T0, 10);
	assert_int_equal(latched_count(&pit, 2), 90);
	outb(&pit, PORT61, 0);
	uint64_t paused = w.fake.now;
	at_tick(&w, paused, 50);
	assert_int_equal(latched_count(&pit, 2), 90);
	assert_false(out2(&pit));
	outb(&pit, PORT61, P61_GATE2);
	uint64_t resumed = w.fake.now;
	at_tick(&w, resumed, 20);
	assert_int_equal(latched_count(&pit, 2), 70);
	before_tick(&w, resumed, 90);
	assert_false(out2(&pit));
	at_tick(&w, resumed, 90);
	assert_true(out2(&pit));
	assert_int_equal(latched_count(&pit, 2), 0);

	/* a count written while the gate is low is loaded and waits for it */
	outb(&pit, PORT61, 0);
	out_count(&pit, CH2, 30);
	assert_int_equal(status(&pit, 2), 0x30);
	at_tick(&w, resumed, 1000);
	assert_int_equal(latched_count(&pit, 2), 30);
	outb(&pit, PORT61, P61_GATE2);
	resumed = w.fake.now;
	before_tick(&w, resumed, 30);
	assert_false(out2(&pit));
	at_tick(&w, resumed, 30);
	assert_true(out2(&pit));
	EXPECT_NO_IRQ(&w);
	assert_int_equal(w.fake.deadline_calls, 0);
}

/* Modes 2 and 3: a low gate stops counting and forces OUT high; the rising edge reloads. */
static void gate2_low_forces_out_high_in_modes_2_and_3(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, PORT61, P61_GATE2);
	outb(&pit, COMMAND, CH2_MODE3);
	out_count(&pit, CH2, 100);
	at_tick(&w, T0, 60);
	assert_false(out2(&pit));
	assert_int_equal(latched_count(&pit, 2), 80);
	outb(&pit, PORT61, 0);
	assert_true(out2(&pit));
	at_tick(&w, T0, 1000);
	assert_true(out2(&pit));
	assert_int_equal(latched_count(&pit, 2), 80);
	outb(&pit, PORT61, P61_GATE2);
	uint64_t t = w.fake.now;
	assert_int_equal(latched_count(&pit, 2), 100);
	at_tick(&w, t, 50);
	assert_false(out2(&pit));

	outb(&pit, COMMAND, CH2_MODE2);
	out_count(&pit, CH2, 10);
	t = w.fake.now;
	at_tick(&w, t, 9);
	assert_false(out2(&pit));
	outb(&pit, PORT61, 0);
	assert_true(out2(&pit));
	at_tick(&w, t, 25);
	outb(&pit, PORT61, P61_GATE2);
	t = w.fake.now;
	assert_int_equal(latched_count(&pit, 2), 10);
	at_tick(&w, t, 9);
	assert_false(out2(&pit));
	at_tick(&w, t, 10);
	assert_true(out2(&pit));
}

/* Linux's PIT calibration of the TSC: gate 2 up, speaker off, channel 2 in mode 0 with
 * CAL_LATCH, then port 0x61 polled until OUT2 is set. */
static void linux_calibration(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	w.fake.now = 123456789;
	outb(&pit, PORT61, (uint8_t)((inb(&pit, PORT61) & ~P61_SPEAKER) | P61_GATE2));
	outb(&pit, COMMAND, CH2_MODE0);
	uint16_t cal_latch = 1193182 / (1000 / 10); /* 10 ms: 11931 */
	outb(&pit, CH2, cal_latch & 0xff);
	outb(&pit, CH2, cal_latch >> 8);
	uint64_t t = w.fake.now;
	assert_false(out2(&pit));
	w.fake.now = t + 9999312; /* 11931 ticks are 9,999,312.4 ns */
	assert_false(out2(&pit));
	w.fake.now = t + 9999313;
	assert_true(out2(&pit));
	assert_int_equal(inb(&pit, PORT61) & (P61_OUT2 | P61_GATE2 | P61_SPEAKER), P61_OUT2 | P61_GATE2);

	/* the quick calibration: count 0xffff, the MSB read (after the LSB) as it drops */
	outb(&pit, COMMAND, CH2_MODE0);
	outb(&pit, CH2, 0xff);
	outb(&pit, CH2, 0xff);
	t = w.fake.now;
	inb(&pit, CH2);
	assert_int_equal(inb(&pit, CH2), 0xff);
	before_tick(&w, t, 256);
	inb(&pit, CH2);
	assert_int_equal(inb(&pit, CH2), 0xff);
	at_tick(&w, t, 256);
	inb(&pit, CH2);
	assert_int_equal(inb(&pit, CH2), 0xfe);
	before_tick(&w, t, 0xffff);
	assert_false(out2(&pit));
	at_tick(&w, t, 0xffff);
	assert_true(out2(&pit));
	EXPECT_NO_IRQ(&w);
}

static void refresh_toggle(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	static const struct { uint64_t now; uint8_t bit; } points[] = {
		{ 1000, 0 }, { 15084, 0 }, { 15085, P61_REFRESH }, { 30169, P61_REFRESH },
		{ 30170, 0 }, { 15085 * 1001, P61_REFRESH }, { 15085 * 1002 + 7, 0 },
	};
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		w.fake.now = points[i].now;
		assert_int_equal(inb(&pit, PORT61), points[i].bit);
	}
}

/* Port 0x61: bits 0-3 read back, 4-7 are not written. */
static void port61_bits(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, PORT61, 0xfe);
	assert_int_equal(inb(&pit, PORT61), 0x0e);
	outb(&pit, PORT61, 0x05);
	assert_int_equal(inb(&pit, PORT61), 0x05);
	w.fake.now = 15085;
	outb(&pit, COMMAND, CH2_MODE2); /* OUT2 high */
	assert_int_equal(inb(&pit, PORT61), 0x35);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gate2_low_stops_counting),
		cmocka_unit_test(gate2_low_forces_out_high_in_modes_2_and_3),
		cmocka_unit_test(linux_calibration),
		cmocka_unit_test(refresh_toggle),
		cmocka_unit_test(port61_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
