#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fake_platform.h"

#include "vmm/dev/i8254.h"
#include "vmm/dev/pc.h"

/* Ports as a PC has them; control words spelled out here rather than shared with the
 * model: SC (bits 7-6) channel, RW (5-4) 1 LSB, 2 MSB, 3 LSB then MSB, M (3-1), BCD (0). */
#define CH0 PC_PIT
#define CH1 (PC_PIT + 1)
#define CH2 (PC_PIT + 2)
#define COMMAND (PC_PIT + 3)
#define PORT61 PC_PORT_61

enum {
	CH0_MODE0 = 0x30, CH0_MODE0_BCD = 0x31, CH0_MODE2 = 0x34, CH0_MODE3 = 0x36,
	CH0_MODE4 = 0x38, CH0_MODE2_BCD = 0x35, CH0_MODE6 = 0x3c, CH0_MODE0_LSB = 0x10,
	CH0_MODE0_MSB = 0x20, CH0_LATCH = 0x00,
	CH1_MODE2_LSB = 0x54, CH1_LATCH = 0x40,
	CH2_MODE0 = 0xb0, CH2_MODE1 = 0xb2, CH2_MODE2 = 0xb4, CH2_MODE3 = 0xb6,
	CH2_MODE4 = 0xb8, CH2_MODE5 = 0xba, CH2_LATCH = 0x80,
	READ_BACK = 0xc0, RB_NO_COUNT = 0x20, RB_NO_STATUS = 0x10,
	RB_CH0 = 0x02, RB_CH1 = 0x04, RB_CH2 = 0x08,
	STATUS_OUT = 0x80, STATUS_NULL = 0x40,
	P61_GATE2 = 0x01, P61_SPEAKER = 0x02, P61_REFRESH = 0x10, P61_OUT2 = 0x20,
};

#define NEVER DEVICE_NO_DEADLINE
#define T0 1000 /* the test clock's start, ns */

/* What the PIT did to the world around it. */
struct world {
	struct fake_platform fake; /* first: the callbacks' context is the world */

};




static void expect_irq(struct world *w, size_t count, const bool *levels)
{
	assert_int_equal(w->fake.irq_calls, count);
	for (size_t i = 0; i < count; i++)
		assert_int_equal(w->fake.levels[i], levels[i]);
	w->fake.irq_calls = 0;
}

#define EXPECT_IRQ(w, ...)                                                            \
	do {                                                                          \
		static const bool levels_[] = { __VA_ARGS__ };                        \
		expect_irq(w, sizeof(levels_) / sizeof(levels_[0]), levels_);         \
	} while (0)
#define EXPECT_NO_IRQ(w) assert_int_equal((w)->fake.irq_calls, 0)

static void start(struct i8254 *pit, struct world *w)
{
	*w = (struct world){ .fake = { .now = T0, .deadline = NEVER } };
	const struct device_env env = { .ctx = w, .now_ns = fake_now,
					.set_deadline = fake_set_deadline, .set_irq = fake_set_irq };
	i8254_init(pit, &env);
}

/* The first ns at which `ticks` ticks of 1,193,182 Hz have passed since 0. */
static uint64_t tick_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * 1000000000u + 1193181) / 1193182);
}

/* The clock at tick `ticks` of a count loaded at `load` (ns). */
static void at_tick(struct world *w, uint64_t load, uint64_t ticks)
{
	w->fake.now = load + tick_ns(ticks);
}

/* The last ns before tick `ticks`. */
static void before_tick(struct world *w, uint64_t load, uint64_t ticks)
{
	w->fake.now = load + tick_ns(ticks) - 1;
}

static void outb(struct i8254 *pit, unsigned port, uint8_t value)
{
	if (port >= PC_PIT && port < PC_PIT + I8254_PORTS)
		i8254_write(pit, port - PC_PIT, 1, value);
	else if (port == PC_PORT_61)
		i8254_port61_write(pit, 0, 1, value);
	else
		fail();
}

static uint8_t inb(struct i8254 *pit, unsigned port)
{
	uint64_t value = ~0ull;
	if (port >= PC_PIT && port < PC_PIT + I8254_PORTS)
		value = i8254_read(pit, port - PC_PIT, 1);
	else if (port == PC_PORT_61)
		value = i8254_port61_read(pit, 0, 1);
	else
		fail();
	assert_true(value <= 0xff);
	return (uint8_t)value;
}

/* A count in an LSB-then-MSB channel: written, and read unlatched. */
static void out_count(struct i8254 *pit, unsigned port, uint16_t count)
{
	outb(pit, port, (uint8_t)count);
	outb(pit, port, (uint8_t)(count >> 8));
}

static uint16_t in_count(struct i8254 *pit, unsigned port)
{
	uint8_t lsb = inb(pit, port);
	return (uint16_t)(lsb | inb(pit, port) << 8);
}

/* The count through the counter latch command. */
static uint16_t latched_count(struct i8254 *pit, unsigned channel)
{
	outb(pit, COMMAND, (uint8_t)(channel << 6));
	return in_count(pit, CH0 + channel);
}

static uint8_t status(struct i8254 *pit, unsigned channel)
{
	outb(pit, COMMAND, READ_BACK | RB_NO_COUNT | (2u << channel));
	return inb(pit, CH0 + channel);
}

static bool out2(struct i8254 *pit)
{
	return inb(pit, PORT61) & P61_OUT2;
}

static void expect_deadline(struct world *w, uint64_t deadline, unsigned calls)
{
	assert_int_equal(w->fake.deadline, deadline);
	assert_int_equal(w->fake.deadline_calls, calls);
}

/* ------------------------------------------------------------------------------------- */

static void power_on_state(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	EXPECT_NO_IRQ(&w);
	assert_int_equal(w.fake.deadline_calls, 0);

	/* every channel as after control word 0x30 with no count: mode 0, OUT low, null count */
	for (unsigned c = 0; c < 3; c++) {
		assert_int_equal(status(&pit, c), STATUS_NULL | 0x30);
		assert_int_equal(in_count(&pit, CH0 + c), 0);
	}
	assert_int_equal(inb(&pit, COMMAND), 0xff);
	assert_int_equal(inb(&pit, PORT61), 0x00); /* gate 2 low, OUT2 low, refresh 0 at 1000 ns */
	w.fake.now = 1000000000;
	assert_int_equal(in_count(&pit, CH0), 0); /* nothing counts */
	EXPECT_NO_IRQ(&w);
	assert_int_equal(w.fake.deadline_calls, 0);

	/* a timer call with nothing to come: no edge, no deadline */
	i8254_timer(&pit);
	EXPECT_NO_IRQ(&w);
	expect_deadline(&w, NEVER, 1);
}

static void init_without_irq_callback(void **state)
{
	(void)state;
	struct world w = { .fake = { .now = T0, .deadline = NEVER } };
	const struct device_env env = { .ctx = &w, .now_ns = fake_now, .set_deadline = fake_set_deadline };
	struct i8254 pit;
	i8254_init(&pit, &env);
	outb(&pit, COMMAND, CH0_MODE2);
	out_count(&pit, CH0, 1193);
	expect_deadline(&w, T0 + 999848, 1);
	w.fake.now = w.fake.deadline;
	i8254_timer(&pit);
	expect_deadline(&w, T0 + 1999695, 2);
}

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

/* Reads: LSB then MSB with the read flip-flop; the latch command freezes the count until
 * both bytes are read; a second latch before then is ignored; LSB-only and MSB-only. */
static void count_reads_and_latch(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE2);
	out_count(&pit, CH0, 0x1234);

	at_tick(&w, T0, 0x34);
	outb(&pit, COMMAND, CH0_LATCH);
	at_tick(&w, T0, 0x200);
	outb(&pit, COMMAND, CH0_LATCH); /* ignored: the first is not read yet */
	assert_int_equal(inb(&pit, CH0), 0x00);
	at_tick(&w, T0, 0x300);
	assert_int_equal(inb(&pit, CH0), 0x12);
	/* released: reads follow the count again */
	assert_int_equal(in_count(&pit, CH0), 0x1234 - 0x300);

	/* a latch after the LSB of an unlatched read: the flip-flop points at the MSB */
	assert_int_equal(inb(&pit, CH0), 0x34);
	outb(&pit, COMMAND, CH0_LATCH);
	at_tick(&w, T0, 0x400);
	assert_int_equal(inb(&pit, CH0), 0x0f);
	/* one byte of the latch is left: the LSB; then reads follow the count, the one
	 * flip-flop still out of step (MSB first) */
	assert_int_equal(inb(&pit, CH0), 0x34);
	assert_int_equal(inb(&pit, CH0), (0x1234 - 0x400) >> 8);
	assert_int_equal(inb(&pit, CH0), 0x34);
	assert_int_equal(inb(&pit, CH0), (0x1234 - 0x400) >> 8);

	/* a control word forgets the latch and resets the flip-flops */
	outb(&pit, COMMAND, CH0_LATCH);
	assert_int_equal(inb(&pit, CH0), 0x34);
	outb(&pit, COMMAND, CH0_MODE2);
	assert_int_equal(in_count(&pit, CH0), 0x1234 - 0x400); /* held, not counting */

	/* LSB only: each read the LSB, writes clear the MSB */
	outb(&pit, COMMAND, CH0_MODE0_LSB);
	uint64_t t = w.fake.now;
	outb(&pit, CH0, 0x80);
	expect_deadline(&w, t + tick_ns(0x80), 3);
	assert_int_equal(inb(&pit, CH0), 0x80);
	at_tick(&w, t, 0x10);
	assert_int_equal(inb(&pit, CH0), 0x70);
	assert_int_equal(inb(&pit, CH0), 0x70);
	outb(&pit, COMMAND, CH0_LATCH);
	at_tick(&w, t, 0x20);
	assert_int_equal(inb(&pit, CH0), 0x70);
	assert_int_equal(inb(&pit, CH0), 0x60);
	assert_int_equal(status(&pit, 0), 0x10);

	/* MSB only: the count is value << 8 */
	outb(&pit, COMMAND, CH0_MODE0_MSB);
	t = w.fake.now;
	outb(&pit, CH0, 0x02);
	expect_deadline(&w, t + tick_ns(0x200), 5);
	at_tick(&w, t, 0x100);
	assert_int_equal(inb(&pit, CH0), 0x01);
	at_tick(&w, t, 0x101);
	assert_int_equal(inb(&pit, CH0), 0x00);
	assert_int_equal(inb(&pit, CH0), 0x00);
}

/* The read-back command: status and count of any channels, status read first; a second
 * latch of either before it is read is ignored. */
static void read_back_command(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE2);
	outb(&pit, COMMAND, CH1_MODE2_LSB);
	outb(&pit, COMMAND, CH2_MODE0);
	/* after the control words: OUT high in mode 2, low in mode 0; null count */
	outb(&pit, COMMAND, READ_BACK | RB_NO_COUNT | RB_CH0 | RB_CH1 | RB_CH2);
	assert_int_equal(inb(&pit, CH0), STATUS_OUT | STATUS_NULL | 0x34);
	assert_int_equal(inb(&pit, CH1), STATUS_OUT | STATUS_NULL | 0x14);
	assert_int_equal(inb(&pit, CH2), STATUS_NULL | 0x30);

	out_count(&pit, CH0, 1000);
	outb(&pit, CH1, 18);
	out_count(&pit, CH2, 500); /* gate 2 low: loaded, not counting */
	at_tick(&w, T0, 10);
	outb(&pit, COMMAND, READ_BACK | RB_CH0 | RB_CH2);
	at_tick(&w, T0, 20);
	outb(&pit, COMMAND, READ_BACK | RB_CH0 | RB_CH1); /* channel 0's latches are pending */
	assert_int_equal(inb(&pit, CH0), STATUS_OUT | 0x34);
	assert_int_equal(in_count(&pit, CH0), 990);
	assert_int_equal(inb(&pit, CH1), STATUS_OUT | 0x14);
	assert_int_equal(inb(&pit, CH1), 18 - 20 % 18);
	assert_int_equal(inb(&pit, CH1), 18 - 20 % 18); /* released: the count as it is */
	assert_int_equal(inb(&pit, CH2), 0x30);
	assert_int_equal(in_count(&pit, CH2), 500);

	/* count only, then status only: status is still read first */
	outb(&pit, COMMAND, READ_BACK | RB_NO_STATUS | RB_CH0);
	at_tick(&w, T0, 30);
	outb(&pit, COMMAND, READ_BACK | RB_NO_COUNT | RB_CH0);
	assert_int_equal(inb(&pit, CH0), STATUS_OUT | 0x34);
	assert_int_equal(in_count(&pit, CH0), 980);
	assert_int_equal(in_count(&pit, CH0), 970);

	/* a latched status survives until read */
	outb(&pit, COMMAND, READ_BACK | RB_NO_COUNT | RB_CH0);
	at_tick(&w, T0, 999);
	outb(&pit, COMMAND, READ_BACK | RB_NO_COUNT | RB_CH0);
	assert_int_equal(inb(&pit, CH0), STATUS_OUT | 0x34);
	assert_int_equal(status(&pit, 0), 0x34);
}

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

static void bcd_counting(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE0_BCD);
	out_count(&pit, CH0, 0x0100); /* 100 */
	expect_deadline(&w, T0 + 83810, 1);
	at_tick(&w, T0, 1);
	assert_int_equal(in_count(&pit, CH0), 0x0099);
	at_tick(&w, T0, 58);
	assert_int_equal(in_count(&pit, CH0), 0x0042);
	at_tick(&w, T0, 101);
	assert_int_equal(in_count(&pit, CH0), 0x9999); /* wraps to 9999 */
	assert_int_equal(status(&pit, 0), STATUS_OUT | 0x31);

	/* count 0 is 10000 in BCD */
	outb(&pit, COMMAND, CH0_MODE2_BCD);
	uint64_t t = w.fake.now;
	out_count(&pit, CH0, 0);
	expect_deadline(&w, t + 8380952, 3);
	at_tick(&w, t, 1);
	assert_int_equal(in_count(&pit, CH0), 0x9999);
	at_tick(&w, t, 1234);
	assert_int_equal(in_count(&pit, CH0), 0x8766);
	at_tick(&w, t, 10000);
	assert_int_equal(in_count(&pit, CH0), 0x0000);
}

static void count_zero_is_65536(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE0);
	out_count(&pit, CH0, 0);
	expect_deadline(&w, T0 + 54925402, 1);
	assert_int_equal(in_count(&pit, CH0), 0);
	at_tick(&w, T0, 1);
	assert_int_equal(in_count(&pit, CH0), 0xffff);

	/* mode 2: 65536 ticks a period (18.2 Hz) */
	outb(&pit, COMMAND, CH0_MODE2);
	uint64_t t = w.fake.now;
	out_count(&pit, CH0, 0);
	expect_deadline(&w, t + 54925402, 3);
	w.fake.now = w.fake.deadline;
	i8254_timer(&pit);
	expect_deadline(&w, t + 109850803, 4); /* 131072 ticks: 109,850,802.6 ns */
}

/* Multi-byte accesses reach one port a byte, upward; past the range 0xff, writes dropped. */
static void multi_byte_accesses(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	/* control words for channels 0 and 1 in one access: 0x43 then nothing */
	i8254_write(&pit, 3, 2, 0x5410);
	i8254_write(&pit, 3, 1, 0x54);
	/* channel 0 LSB only (0x10), channel 1 LSB only mode 2 (0x54) */
	i8254_write(&pit, 0, 2, 0x2040); /* channel 0: 0x40, channel 1: 0x20 */
	at_tick(&w, T0, 4);
	assert_int_equal(i8254_read(&pit, 0, 2), 0x1c3c);
	/* 4 bytes from 0x40: ch0, ch1, ch2 (0 LSB of power-on count), 0x43 reads 0xff */
	assert_int_equal(i8254_read(&pit, 0, 4), 0xff001c3c);
	/* 8 bytes from 0x42: ch2 LSB, 0x43, then six past the range */
	assert_int_equal(i8254_read(&pit, 2, 8), 0xffffffffffffff00ull);
	/* channel 2 with a 2-byte write of its two count bytes is not possible: 0x42 then 0x43 */
	i8254_write(&pit, 2, 2, 0xb034); /* ch2 LSB 0x34, then control word 0xb0 */
	assert_int_equal(status(&pit, 2), STATUS_NULL | 0x30);
	assert_int_equal(i8254_read(&pit, 4, 1), 0xff);

	/* port 0x61 is a range of one */
	i8254_port61_write(&pit, 0, 2, 0xff03);
	w.fake.now = 15085 * 1000; /* refresh bit 0 */
	assert_int_equal(i8254_port61_read(&pit, 0, 2), 0xff03);
	assert_int_equal(i8254_port61_read(&pit, 0, 4), 0xffffff03);
	assert_int_equal(i8254_port61_read(&pit, 1, 1), 0xff);
	i8254_port61_write(&pit, 1, 1, 0x00);
	assert_int_equal(i8254_port61_read(&pit, 0, 1), 0x03);
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

/* Power-on again on a used PIT: back to nothing counting. */
static void init_resets_a_used_pit(void **state)
{
	(void)state;
	struct world w;
	struct i8254 pit;
	start(&pit, &w);
	outb(&pit, COMMAND, CH0_MODE2);
	out_count(&pit, CH0, 100);
	outb(&pit, PORT61, P61_GATE2);
	start(&pit, &w);
	assert_int_equal(inb(&pit, PORT61), 0);
	assert_int_equal(status(&pit, 0), STATUS_NULL | 0x30);
	w.fake.now += 1000000;
	assert_int_equal(in_count(&pit, CH0), 0);
	EXPECT_NO_IRQ(&w);
	assert_int_equal(w.fake.deadline_calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(power_on_state),
		cmocka_unit_test(init_without_irq_callback),
		cmocka_unit_test(mode0_interrupt_on_terminal_count),
		cmocka_unit_test(mode0_edge_given_by_a_late_access),
		cmocka_unit_test(mode2_rate_generator),
		cmocka_unit_test(mode2_late_timer_gives_one_edge),
		cmocka_unit_test(mode2_new_count_at_end_of_period),
		cmocka_unit_test(mode3_counts_down_by_two),
		cmocka_unit_test(mode3_odd_count),
		cmocka_unit_test(mode3_out2_square_wave),
		cmocka_unit_test(mode3_new_count_at_end_of_half_cycle),
		cmocka_unit_test(count_reads_and_latch),
		cmocka_unit_test(read_back_command),
		cmocka_unit_test(gate2_low_stops_counting),
		cmocka_unit_test(gate2_low_forces_out_high_in_modes_2_and_3),
		cmocka_unit_test(linux_calibration),
		cmocka_unit_test(refresh_toggle),
		cmocka_unit_test(port61_bits),
		cmocka_unit_test(bcd_counting),
		cmocka_unit_test(count_zero_is_65536),
		cmocka_unit_test(multi_byte_accesses),
		cmocka_unit_test(mode1_one_shot),
		cmocka_unit_test(modes_4_and_5_strobe),
		cmocka_unit_test(modes_6_and_7_alias),
		cmocka_unit_test(mode2_count_of_one),
		cmocka_unit_test(long_running_stays_exact),
		cmocka_unit_test(init_resets_a_used_pit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
