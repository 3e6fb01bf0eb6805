/* The PIT tests' fixture (test_i8254_programming.c, test_i8254_modes.c,
 * test_i8254_port61.c): the PIT on the fake platform, port access as a guest makes it, and
 * the test clock put at a given tick of a count. */
#ifndef KEEL_TESTS_UNIT_I8254_FIXTURE_H
#define KEEL_TESTS_UNIT_I8254_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* Checks the levels given to the interrupt line since the last check, and forgets them. */
void expect_irq(struct world *w, size_t count, const bool *levels);
#define EXPECT_IRQ(w, ...)                                                            \
	do {                                                                          \
		static const bool levels_[] = { __VA_ARGS__ };                        \
		expect_irq(w, sizeof(levels_) / sizeof(levels_[0]), levels_);         \
	} while (0)
#define EXPECT_NO_IRQ(w) assert_int_equal((w)->fake.irq_calls, 0)

void start(struct i8254 *pit, struct world *w); /* power-on, the clock at T0 */
/* The first ns at which `ticks` ticks of 1,193,182 Hz have passed since 0. */
uint64_t tick_ns(uint64_t ticks);
/* The clock at tick `ticks` of a count loaded at `load` (ns). */
void at_tick(struct world *w, uint64_t load, uint64_t ticks);
/* The last ns before tick `ticks`. */
void before_tick(struct world *w, uint64_t load, uint64_t ticks);
void outb(struct i8254 *pit, unsigned port, uint8_t value);
uint8_t inb(struct i8254 *pit, unsigned port);
/* A count in an LSB-then-MSB channel: written, and read unlatched. */
void out_count(struct i8254 *pit, unsigned port, uint16_t count);
uint16_t in_count(struct i8254 *pit, unsigned port);
/* The count through the counter latch command. */
uint16_t latched_count(struct i8254 *pit, unsigned channel);
uint8_t status(struct i8254 *pit, unsigned channel); /* through the read-back command */
bool out2(struct i8254 *pit); /* port 0x61 bit 5 */
/* Checks the last deadline set, and the number of calls that set one. */
void expect_deadline(struct world *w, uint64_t deadline, unsigned calls);

#endif
