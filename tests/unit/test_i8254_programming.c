/* The PIT (vmm/dev/i8254.c) as a guest programs and reads it: power-on and init, count
 * reads and the counter latch, the read-back command, BCD counts, count 0 as 65536, and
 * accesses wider than a byte. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/i8254_fixture.h"

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
		cmocka_unit_test(count_reads_and_latch),
		cmocka_unit_test(read_back_command),
		cmocka_unit_test(bcd_counting),
		cmocka_unit_test(count_zero_is_65536),
		cmocka_unit_test(multi_byte_accesses),
		cmocka_unit_test(init_resets_a_used_pit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
