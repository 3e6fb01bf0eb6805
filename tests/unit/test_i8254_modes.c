/* The PIT's counting modes (vmm/dev/i8254.c) on the fake clock: modes 0, 2 and 3 with
 * channel 0's interrupt and deadlines (late calls, new counts), modes 1, 4 and 5, modes 6
 * and 7 as aliases, and counts that stay exact for years. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/i8254_fixture.h"

/* Mode 0: OUT0 low from the control word, high at terminal count N ticks after the count
 * is written, and staying high while the count wraps and goes on. */
static void mode0_interrupt_on_terminal_count(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE0);
	outb(&pit, CH0, 0xa9);
	EXPECT_NO_IRQ(&w);
	assert_int_equal(w.fake.deadline_calls, 0);
	outb(&pit, CH0, 0x04); /* 1193 */
	EXPECT_NO_IRQ(&w);
	/* 1193 ticks of 838.1 ns: 999,847.4 ns, rounded up */
	expect_deadline(&w, T0 + 999848, 1);
	assert_int_equal(status(&pit, 0), 0x30); /* OUT low, loaded */

	assert_int_equal(in_count(&pit, CH0), 1193);
	w.fake.now = T0 + 838;
	assert_int_equal(in_count(&pit, CH0), 1193);
	w.fake.now = T0 + 839;
	assert_int_equal(in_count(&pit, CH0), 1192);
	w.fake.now = T0 + 999847;
	assert_int_equal(in_count(&pit, CH0), 1);
	assert_int_equal(status(&pit, 0), 0x30);
	EXPECT_NO_IRQ(&w);

	w.fake.now = T0 + 999848;
	i8254_timer(&pit);
	EXPECT_IRQ(&w, true);
	expect_deadline(&w, NEVER, 2);
	assert_int_equal(in_count(&pit, CH0), 0);
	assert_int_equal(status(&pit, 0), STATUS_OUT | 0x30);
	at_tick(&w, T0, 1194);
	assert_int_equal(in_count(&pit, CH0), 0xffff);
	at_tick(&w, T0, 1193 + 65536);
	assert_int_equal(in_count(&pit, CH0), 0);
	assert_int_equal(status(&pit, 0), STATUS_OUT | 0x30);
	EXPECT_NO_IRQ(&w);
	assert_int_equal(w.fake.deadline_calls, 2);

	/* a new count: the first byte sets OUT low and stops counting, the second restarts */
	uint64_t t = w.fake.now = 5000000000;
	outb(&pit, CH0, 10);
	EXPECT_IRQ(&w, false);
	w.fake.now += 100000;
	assert_int_equal(latched_count(&pit, 0), 0xfc55); /* held: 1193 - 5965908 ticks, mod 65536 */
	w.fake.now += 100000;
	outb(&pit, CH0, 0);
	expect_deadline(&w, t + 200000 + 8381, 3);
	at_tick(&w, t + 200000, 10);
	i8254_timer(&pit);
	EXPECT_IRQ(&w, true);
	expect_deadline(&w, NEVER, 4);
}

/* The platform is late: the first access after the rising edge gives it. */
static void mode0_edge_given_by_a_late_access(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE0);
	out_count(&pit, CH0, 100);
	expect_deadline(&w, T0 + 83810, 1);
	w.fake.now = T0 + 200000;
	assert_int_equal(in_count(&pit, CH0), 0x10000 - 138); /* 238 ticks */
	EXPECT_IRQ(&w, true);
	expect_deadline(&w, NEVER, 2);
	i8254_timer(&pit); /* the stale deadline's call: nothing more */
	EXPECT_NO_IRQ(&w);
	expect_deadline(&w, NEVER, 3);
}

/* Mode 2: a deadline a period, one edge a call; OUT low for the tick at count 1. */
static void mode2_rate_generator(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE2);
	EXPECT_IRQ(&w, true); /* OUT0 low (power-on mode 0) to high: an edge, as on the chip */
	assert_int_equal(w.fake.deadline_calls, 0);
	out_count(&pit, CH0, 1193); /* Linux's LATCH for HZ = 1000 */
	expect_deadline(&w, T0 + 999848, 1);

	static const uint64_t deadlines[] = { 999848, 1999695, 2999543, 3999390, 4999238 };
	for (unsigned k = 0; k < 4; k++) {
		w.fake.now = T0 + deadlines[k];
		i8254_timer(&pit);
		EXPECT_IRQ(&w, false, true);
		expect_deadline(&w, T0 + deadlines[k + 1], k + 2);
	}

	/* counts N down to 1, OUT low for the tick at 1 */
	at_tick(&w, T0, 4 * 1193);
	assert_int_equal(latched_count(&pit, 0), 1193);
	at_tick(&w, T0, 4 * 1193 + 1);
	assert_int_equal(latched_count(&pit, 0), 1192);
	at_tick(&w, T0, 5 * 1193 - 2);
	assert_int_equal(latched_count(&pit, 0), 2);
	assert_int_equal(status(&pit, 0), STATUS_OUT | 0x34);
	EXPECT_NO_IRQ(&w);
	at_tick(&w, T0, 5 * 1193 - 1);
	assert_int_equal(latched_count(&pit, 0), 1);
	EXPECT_IRQ(&w, false); /* the fall, seen by an access */
	assert_int_equal(status(&pit, 0), 0x34);
	w.fake.now = T0 + 4999238;
	i8254_timer(&pit);
	EXPECT_IRQ(&w, true);
	expect_deadline(&w, T0 + 5999085, 6);
	assert_int_equal(latched_count(&pit, 0), 1193);
	assert_int_equal(w.fake.deadline_calls, 6);
}

/* A late timer call: one edge for the periods missed, the next deadline the next period's
 * end still to come. */
static void mode2_late_timer_gives_one_edge(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE2);
	out_count(&pit, CH0, 1193);
	w.fake.irq_calls = 0;
	expect_deadline(&w, T0 + 999848, 1);

	w.fake.now = T0 + 3500000; /* 3.5 periods: edges at 1, 2 and 3 periods missed */
	i8254_timer(&pit);
	EXPECT_IRQ(&w, false, true);
	expect_deadline(&w, T0 + 3999390, 2); /* 4 periods, on the grid */

	w.fake.now = T0 + 3999390 - 1; /* an early call, in the tick at count 1: OUT0 falls */
	i8254_timer(&pit);
	EXPECT_IRQ(&w, false);
	expect_deadline(&w, T0 + 3999390, 3);

	/* late by most of two periods (tick 6562, after 4772 and 5965): one edge */
	w.fake.now = T0 + 5500000;
	i8254_timer(&pit);
	EXPECT_IRQ(&w, true);
	expect_deadline(&w, T0 + 5999085, 4); /* tick 7158 */
}

/* Mode 2: a count written while counting is loaded as the period ends; null count until
 * then. */
static void mode2_new_count_at_end_of_period(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE2);
	out_count(&pit, CH0, 1000);
	w.fake.irq_calls = 0;
	expect_deadline(&w, T0 + 838096, 1);
	at_tick(&w, T0, 300);
	out_count(&pit, CH0, 100);
	assert_int_equal(status(&pit, 0), STATUS_OUT | STATUS_NULL | 0x34);
	assert_int_equal(latched_count(&pit, 0), 700);
	expect_deadline(&w, T0 + 838096, 1); /* the period goes on */
	before_tick(&w, T0, 1000);
	assert_int_equal(latched_count(&pit, 0), 1);
	EXPECT_IRQ(&w, false);
	at_tick(&w, T0, 1000);
	i8254_timer(&pit);
	EXPECT_IRQ(&w, true);
	assert_int_equal(status(&pit, 0), STATUS_OUT | 0x34);
	assert_int_equal(latched_count(&pit, 0), 100);
	/* the new period: 100 ticks from tick 1000 */
	expect_deadline(&w, T0 + 921905, 2);
	assert_int_equal(tick_ns(1100), 921905);
}

/* Mode 3 on channel 0: counting down by two each tick, OUT0 high for the first half,
 * low for the second; one interrupt a period. */
static void mode3_counts_down_by_two(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE3);
	EXPECT_IRQ(&w, true);
	out_count(&pit, CH0, 1000);
	expect_deadline(&w, T0 + 838096, 1);

	/* unlatched reads: each byte from the count as it is */
	assert_int_equal(in_count(&pit, CH0), 1000);
	at_tick(&w, T0, 1);
	assert_int_equal(in_count(&pit, CH0), 998);
	at_tick(&w, T0, 499);
	assert_int_equal(in_count(&pit, CH0), 2);
	assert_int_equal(status(&pit, 0), STATUS_OUT | 0x36);
	EXPECT_NO_IRQ(&w);
	at_tick(&w, T0, 500);
	assert_int_equal(in_count(&pit, CH0), 1000);
	EXPECT_IRQ(&w, false);
	assert_int_equal(status(&pit, 0), 0x36);
	at_tick(&w, T0, 501);
	assert_int_equal(in_count(&pit, CH0), 998);
	at_tick(&w, T0, 999);
	assert_int_equal(in_count(&pit, CH0), 2);
	w.fake.now = T0 + 838096;
	i8254_timer(&pit);
	EXPECT_IRQ(&w, true);
	expect_deadline(&w, T0 + 1676191, 2); /* 2000 ticks: 1,676,191.1 ns */
	assert_int_equal(in_count(&pit, CH0), 1000);

	/* the LSB and MSB of an unlatched count are read at their own times */
	at_tick(&w, T0, 1000 + 1);
	assert_int_equal(inb(&pit, CH0), 998 & 0xff);
	at_tick(&w, T0, 1000 + 200);
	assert_int_equal(inb(&pit, CH0), 600 >> 8);
}

/* Mode 3 with an odd count: N - 1 down by two, high one tick more (at 0) than low. */
static void mode3_odd_count(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, PORT61, P61_GATE2);
	outb(&pit, COMMAND, CH2_MODE3);
	outb(&pit, CH2, 5);
	outb(&pit, CH2, 0);
	static const uint16_t counts[] = { 4, 2, 0, 4, 2, 4, 2, 0, 4, 2 };
	static const bool outs[] = { 1, 1, 1, 0, 0, 1, 1, 1, 0, 0 };
	for (unsigned t = 0; t < 10; t++) {
		at_tick(&w, T0, t);
		assert_int_equal(latched_count(&pit, 2), counts[t]);
		assert_int_equal(out2(&pit), outs[t]);
	}
	/* channel 2 has no interrupt and asks for no timer */
	EXPECT_NO_IRQ(&w);
	assert_int_equal(w.fake.deadline_calls, 0);
}

/* OUT2 through port 0x61 bit 5, at points in the period: high 500 ticks, low 500. */
static void mode3_out2_square_wave(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, PORT61, P61_GATE2 | P61_SPEAKER);
	outb(&pit, COMMAND, CH2_MODE3);
	assert_true(out2(&pit));
	out_count(&pit, CH2, 1000);
	static const struct { uint64_t tick; bool out; } points[] = {
		{ 0, 1 }, { 250, 1 }, { 499, 1 }, { 500, 0 }, { 750, 0 }, { 999, 0 },
		{ 1000, 1 }, { 1499, 1 }, { 1500, 0 }, { 100000, 1 }, { 100500, 0 },
	};
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		at_tick(&w, T0, points[i].tick);
		uint8_t value = inb(&pit, PORT61);
		assert_int_equal(value & ~P61_REFRESH, (points[i].out ? P61_OUT2 : 0) | P61_GATE2 | P61_SPEAKER);
		before_tick(&w, T0, points[i].tick + 1);
		assert_int_equal(out2(&pit), points[i].out);
	}
	EXPECT_NO_IRQ(&w);
	assert_int_equal(w.fake.deadline_calls, 0);
}

/* Mode 3: a count written in a high half is loaded as that half ends, the new count's
 * low half following; the interrupt comes as it ends. */
static void mode3_new_count_at_end_of_half_cycle(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE3);
	out_count(&pit, CH0, 1000);
	w.fake.irq_calls = 0;
	at_tick(&w, T0, 100);
	out_count(&pit, CH0, 300);
	/* the edge now comes 150 ticks (300's low half) after tick 500 */
	expect_deadline(&w, T0 + tick_ns(650), 2);
	assert_int_equal(tick_ns(650), 544762);
	at_tick(&w, T0, 499);
	assert_int_equal(latched_count(&pit, 0), 2);
	assert_int_equal(status(&pit, 0), STATUS_OUT | STATUS_NULL | 0x36);
	at_tick(&w, T0, 500);
	assert_int_equal(latched_count(&pit, 0), 300);
	assert_int_equal(status(&pit, 0), 0x36);
	EXPECT_IRQ(&w, false);
	at_tick(&w, T0, 649);
	assert_int_equal(latched_count(&pit, 0), 2);
	at_tick(&w, T0, 650);
	i8254_timer(&pit);
	EXPECT_IRQ(&w, true);
	expect_deadline(&w, T0 + tick_ns(950), 3);
	assert_int_equal(latched_count(&pit, 0), 300);

	/* written in a low half: loaded as it ends, with a high half */
	at_tick(&w, T0, 800);
	out_count(&pit, CH0, 0x1000);
	EXPECT_IRQ(&w, false);
	expect_deadline(&w, T0 + tick_ns(950), 3);
	at_tick(&w, T0, 950);
	i8254_timer(&pit);
	EXPECT_IRQ(&w, true);
	expect_deadline(&w, T0 + tick_ns(950 + 0x1000), 4);
	at_tick(&w, T0, 950 + 0x800 - 1);
	assert_int_equal(latched_count(&pit, 0), 2);
	assert_int_equal(status(&pit, 0), STATUS_OUT | 0x36);
}

/* Mode 1 on channel 2: the gate's rising edge triggers a one-shot, retriggerable. */
static void mode1_one_shot(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH2_MODE1);
	assert_true(out2(&pit));
	out_count(&pit, CH2, 10);
	assert_int_equal(status(&pit, 2), STATUS_OUT | STATUS_NULL | 0x32);
	w.fake.now += 5000;
	assert_true(out2(&pit)); /* no trigger yet */
	outb(&pit, PORT61, P61_GATE2);
	uint64_t t = w.fake.now;
	assert_false(out2(&pit));
	assert_int_equal(status(&pit, 2), 0x32);
	before_tick(&w, t, 10);
	assert_false(out2(&pit));
	assert_int_equal(latched_count(&pit, 2), 1);
	at_tick(&w, t, 10);
	assert_true(out2(&pit));
	at_tick(&w, t, 12);
	assert_int_equal(latched_count(&pit, 2), 0xfffe);

	/* retriggered during the pulse: 10 ticks from the new edge; a new count waits for it */
	outb(&pit, PORT61, 0);
	outb(&pit, PORT61, P61_GATE2);
	t = w.fake.now;
	out_count(&pit, CH2, 20);
	at_tick(&w, t, 5);
	outb(&pit, PORT61, 0);
	outb(&pit, PORT61, P61_GATE2);
	t = w.fake.now;
	before_tick(&w, t, 20);
	assert_false(out2(&pit));
	at_tick(&w, t, 20);
	assert_true(out2(&pit));
}

/* Mode 4 (software triggered) and mode 5 (gate triggered): OUT low for one tick at
 * terminal count. */
static void modes_4_and_5_strobe(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, PORT61, P61_GATE2);
	outb(&pit, COMMAND, CH2_MODE4);
	out_count(&pit, CH2, 10);
	before_tick(&w, T0, 10);
	assert_true(out2(&pit));
	at_tick(&w, T0, 10);
	assert_false(out2(&pit));
	assert_int_equal(latched_count(&pit, 2), 0);
	at_tick(&w, T0, 11);
	assert_true(out2(&pit));
	assert_int_equal(latched_count(&pit, 2), 0xffff);
	at_tick(&w, T0, 10 + 65536);
	assert_true(out2(&pit)); /* once only */

	outb(&pit, COMMAND, CH2_MODE5);
	out_count(&pit, CH2, 3);
	uint64_t t = w.fake.now;
	at_tick(&w, t, 3);
	assert_true(out2(&pit)); /* waiting for the gate */
	outb(&pit, PORT61, 0);
	outb(&pit, PORT61, P61_GATE2);
	t = w.fake.now;
	at_tick(&w, t, 2);
	assert_true(out2(&pit));
	at_tick(&w, t, 3);
	assert_false(out2(&pit));
	at_tick(&w, t, 4);
	assert_true(out2(&pit));

	/* mode 4 on channel 0: the interrupt is OUT0's rise after the strobe */
	outb(&pit, COMMAND, CH0_MODE4);
	EXPECT_IRQ(&w, true);
	t = w.fake.now;
	out_count(&pit, CH0, 10);
	expect_deadline(&w, t + 9220, 1); /* 11 ticks */
	at_tick(&w, t, 10);
	assert_int_equal(status(&pit, 0), 0x38);
	EXPECT_IRQ(&w, false);
	w.fake.now = t + 9220;
	i8254_timer(&pit);
	EXPECT_IRQ(&w, true);
	expect_deadline(&w, NEVER, 2);
}

/* Modes 6 and 7 are 2 and 3; the status shows the bits as written. */
static void modes_6_and_7_alias(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE6);
	EXPECT_IRQ(&w, true);
	out_count(&pit, CH0, 1193);
	expect_deadline(&w, T0 + 999848, 1);
	assert_int_equal(status(&pit, 0), STATUS_OUT | 0x3c);
	at_tick(&w, T0, 1192);
	assert_int_equal(latched_count(&pit, 0), 1);

	outb(&pit, PORT61, P61_GATE2);
	outb(&pit, COMMAND, 0xbe); /* channel 2, mode 7 */
	uint64_t t = w.fake.now;
	out_count(&pit, CH2, 8);
	at_tick(&w, t, 1);
	assert_int_equal(latched_count(&pit, 2), 6);
	assert_true(out2(&pit));
	at_tick(&w, t, 4);
	assert_false(out2(&pit));
}

/* A count of 1 in mode 2 runs as 2. */
static void mode2_count_of_one(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE2);
	out_count(&pit, CH0, 1);
	expect_deadline(&w, T0 + 1677, 1);
	assert_int_equal(latched_count(&pit, 0), 2);
}

/* Counts and deadlines stay exact far from the load: 11.6 days and 146 years of mode 2. */
static void long_running_stays_exact(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE2);
	out_count(&pit, CH0, 1193);
	w.fake.irq_calls = 0;
	w.fake.now = T0 + 1000000000012345ull; /* tick 1,193,182,000,014 */
	i8254_timer(&pit);
	EXPECT_IRQ(&w, false, true);
	expect_deadline(&w, T0 + 1000000000419886ull, 2); /* tick 1,193,182,000,501 */
	assert_int_equal(latched_count(&pit, 0), 487);
	w.fake.now = T0 + (1ull << 62); /* tick 5,502,580,746,839,227 */
	i8254_timer(&pit);
	EXPECT_IRQ(&w, false, true);
	expect_deadline(&w, T0 + 4611686018427762907ull, 3);
	assert_int_equal(latched_count(&pit, 0), 448);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mode0_interrupt_on_terminal_count),
		cmocka_unit_test(mode0_edge_given_by_a_late_access),
		cmocka_unit_test(mode2_rate_generator),
		cmocka_unit_test(mode2_late_timer_gives_one_edge),
		cmocka_unit_test(mode2_new_count_at_end_of_period),
		cmocka_unit_test(mode3_counts_down_by_two),
		cmocka_unit_test(mode3_odd_count),
		cmocka_unit_test(mode3_out2_square_wave),
		cmocka_unit_test(mode3_new_count_at_end_of_half_cycle),
		cmocka_unit_test(mode1_one_shot),
		cmocka_unit_test(modes_4_and_5_strobe),
		cmocka_unit_test(modes_6_and_7_alias),
		cmocka_unit_test(mode2_count_of_one),
		cmocka_unit_test(long_running_stays_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
