/* The PIC tests' fixture (test_i8259_init.c, test_i8259_priority.c, test_i8259_inputs.c,
 * test_i8259_reads.c): the pair's output recorded call by call, port access as a guest
 * makes it, and the programming Linux does. */
#ifndef KEEL_TESTS_UNIT_I8259_FIXTURE_H
#define KEEL_TESTS_UNIT_I8259_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/dev/i8259.h"
#include "vmm/dev/pc.h"

/* Ports as a PC has them; command bytes spelled out here rather than shared with the
 * model. */
#define MASTER_CMD PC_PIC_MASTER
#define MASTER_DATA (PC_PIC_MASTER + 1)
#define SLAVE_CMD PC_PIC_SLAVE
#define SLAVE_DATA (PC_PIC_SLAVE + 1)
#define ELCR1 PC_ELCR
#define ELCR2 (PC_ELCR + 1)

enum {
	READ_IRR = 0x0a,
	READ_ISR = 0x0b,
	POLL = 0x0c,
	SMM_ON = 0x68,
	SMM_OFF = 0x48,
	EOI = 0x20,
	SPECIFIC_EOI = 0x60,
	ROTATE_EOI = 0xa0,
	ROTATE_SPECIFIC_EOI = 0xe0,
	SET_PRIORITY = 0xc0,
	ROTATE_AEOI_SET = 0x80,
	ROTATE_AEOI_CLEAR = 0x00,
	OCW2_NOP = 0x40,
};

/* What the PICs did with their output, call by call. */
struct output {
	struct {
		unsigned line;
		bool level;
	} calls[64];
	size_t count;
};

/* Checks the calls recorded since the last check (all on line 0), and forgets them. */
void expect_calls(struct output *out, size_t count, const bool *levels);
#define EXPECT_CALLS(out, ...)                                                        \
	do {                                                                          \
		static const bool levels_[] = { __VA_ARGS__ };                        \
		expect_calls(out, sizeof(levels_) / sizeof(levels_[0]), levels_);     \
	} while (0)
#define EXPECT_NO_CALL(out) assert_int_equal((out)->count, 0)

void start(struct i8259 *pic, struct output *out); /* power-on, the output recorded in out */
void outb(struct i8259 *pic, unsigned port, uint8_t value);
uint8_t inb(struct i8259 *pic, unsigned port);
/* IRR and ISR through OCW3; the read register is left at IRR. */
uint8_t irr(struct i8259 *pic, unsigned cmd_port);
uint8_t isr(struct i8259 *pic, unsigned cmd_port);
/* The sequence Linux writes: ICW1 0x11, ICW2 the base, ICW3 cascade on IR2 / ID 2, ICW4
 * 8086 mode (with icw4 extra bits), then the masks. */
void program(struct i8259 *pic, uint8_t master_base, uint8_t slave_base, uint8_t master_icw4,
	     uint8_t slave_icw4, uint8_t master_imr, uint8_t slave_imr);
/* Bases 0x20 / 0x28, normal EOI, everything unmasked. */
void program_open(struct i8259 *pic, struct output *out);
void pulse(struct i8259 *pic, unsigned irq); /* the line up, then down */

#endif
