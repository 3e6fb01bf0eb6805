#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

static void record_irq(void *ctx, unsigned line, bool level)
{
	struct output *out = ctx;
	assert_true(out->count < sizeof(out->calls) / sizeof(out->calls[0]));
	out->calls[out->count].line = line;
	out->calls[out->count].level = level;
	out->count++;
}

static void expect_calls(struct output *out, size_t count, const bool *levels)
{
	assert_int_equal(out->count, count);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(out->calls[i].line, 0);
		assert_int_equal(out->calls[i].level, levels[i]);
	}
	out->count = 0;
}

#define EXPECT_CALLS(out, ...)                                                        \
	do {                                                                          \
		static const bool levels_[] = { __VA_ARGS__ };                        \
		expect_calls(out, sizeof(levels_) / sizeof(levels_[0]), levels_);     \
	} while (0)
#define EXPECT_NO_CALL(out) assert_int_equal((out)->count, 0)

static void start(struct i8259 *pic, struct output *out)
{
	*out = (struct output){ 0 };
	const struct device_env env = { .ctx = out, .set_irq = record_irq };
	i8259_init(pic, &env);
}

static void outb(struct i8259 *pic, unsigned port, uint8_t value)
{
	if (port >= PC_PIC_MASTER && port < PC_PIC_MASTER + I8259_PORTS)
		i8259_master_write(pic, port - PC_PIC_MASTER, 1, value);
	else if (port >= PC_PIC_SLAVE && port < PC_PIC_SLAVE + I8259_PORTS)
		i8259_slave_write(pic, port - PC_PIC_SLAVE, 1, value);
	else if (port >= PC_ELCR && port < PC_ELCR + I8259_PORTS)
		i8259_elcr_write(pic, port - PC_ELCR, 1, value);
	else
		fail();
}

static uint8_t inb(struct i8259 *pic, unsigned port)
{
	uint64_t value = ~0ull;
	if (port >= PC_PIC_MASTER && port < PC_PIC_MASTER + I8259_PORTS)
		value = i8259_master_read(pic, port - PC_PIC_MASTER, 1);
	else if (port >= PC_PIC_SLAVE && port < PC_PIC_SLAVE + I8259_PORTS)
		value = i8259_slave_read(pic, port - PC_PIC_SLAVE, 1);
	else if (port >= PC_ELCR && port < PC_ELCR + I8259_PORTS)
		value = i8259_elcr_read(pic, port - PC_ELCR, 1);
	else
		fail();
	assert_true(value <= 0xff);
	return (uint8_t)value;
}

/* IRR and ISR through OCW3; the read register is left at IRR. */
static uint8_t irr(struct i8259 *pic, unsigned cmd_port)
{
	outb(pic, cmd_port, READ_IRR);
	return inb(pic, cmd_port);
}

static uint8_t isr(struct i8259 *pic, unsigned cmd_port)
{
	outb(pic, cmd_port, READ_ISR);
	uint8_t value = inb(pic, cmd_port);
	outb(pic, cmd_port, READ_IRR);
	return value;
}

/* The sequence Linux writes: ICW1 0x11, ICW2 the base, ICW3 cascade on IR2 / ID 2, ICW4
 * 8086 mode (with icw4 extra bits), then the masks. */
static void program(struct i8259 *pic, uint8_t master_base, uint8_t slave_base, uint8_t master_icw4,
		    uint8_t slave_icw4, uint8_t master_imr, uint8_t slave_imr)
{
	outb(pic, MASTER_CMD, 0x11);
	outb(pic, MASTER_DATA, master_base);
	outb(pic, MASTER_DATA, 0x04);
	outb(pic, MASTER_DATA, master_icw4);
	outb(pic, SLAVE_CMD, 0x11);
	outb(pic, SLAVE_DATA, slave_base);
	outb(pic, SLAVE_DATA, 0x02);
	outb(pic, SLAVE_DATA, slave_icw4);
	outb(pic, MASTER_DATA, master_imr);
	outb(pic, SLAVE_DATA, slave_imr);
}

/* Bases 0x20 / 0x28, normal EOI, everything unmasked. */
static void program_open(struct i8259 *pic, struct output *out)
{
	program(pic, 0x20, 0x28, 0x01, 0x01, 0x00, 0x00);
	out->count = 0;
}

static void pulse(struct i8259 *pic, unsigned irq)
{
	i8259_set_irq(pic, irq, true);
	i8259_set_irq(pic, irq, false);
}

static void power_on_state(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	EXPECT_NO_CALL(&out);
	assert_false(i8259_intr(&pic));
	assert_int_equal(inb(&pic, MASTER_DATA), 0xfb);
	assert_int_equal(inb(&pic, SLAVE_DATA), 0xff);
	assert_int_equal(inb(&pic, MASTER_CMD), 0x00); /* IRR */
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	assert_int_equal(isr(&pic, SLAVE_CMD), 0x00);
	assert_int_equal(inb(&pic, ELCR1), 0x00);
	assert_int_equal(inb(&pic, ELCR2), 0x00);

	/* a masked request is latched in IRR but raises nothing */
	pulse(&pic, 0);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x01);
	assert_false(i8259_intr(&pic));
	EXPECT_NO_CALL(&out);

	/* the vectors a PC BIOS sets up: 0x08 + IRQ, 0x70 + IRQ - 8 */
	outb(&pic, MASTER_DATA, 0xfa);
	EXPECT_CALLS(&out, true);
	assert_int_equal(i8259_ack(&pic), 0x08);
	EXPECT_CALLS(&out, false);
	outb(&pic, MASTER_CMD, EOI);
	outb(&pic, SLAVE_DATA, 0xfe);
	pulse(&pic, 8);
	EXPECT_CALLS(&out, true);
	assert_int_equal(i8259_ack(&pic), 0x70);
	EXPECT_CALLS(&out, false);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x04);
	assert_int_equal(isr(&pic, SLAVE_CMD), 0x01);
}

static void init_resets_a_used_pair(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, ELCR1, 0x20);
	pulse(&pic, 3);
	i8259_ack(&pic);
	i8259_set_irq(&pic, 5, true);
	const struct device_env quiet = { 0 };
	i8259_init(&pic, &quiet);
	assert_false(i8259_intr(&pic));
	assert_int_equal(inb(&pic, MASTER_DATA), 0xfb);
	assert_int_equal(inb(&pic, ELCR1), 0x00);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x00);
	/* the lines are low again: IRQ 5 rising is an edge */
	outb(&pic, MASTER_DATA, 0x00);
	i8259_set_irq(&pic, 5, true);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x0d);
	EXPECT_CALLS(&out, true, false); /* from before the second init */
}

static void init_with_icw4_and_cascade(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	outb(&pic, MASTER_CMD, 0x11);
	assert_int_equal(inb(&pic, MASTER_DATA), 0x00); /* ICW1 clears IMR */
	outb(&pic, MASTER_DATA, 0x30);
	outb(&pic, MASTER_DATA, 0x04);
	outb(&pic, MASTER_DATA, 0x01);
	outb(&pic, SLAVE_CMD, 0x11);
	outb(&pic, SLAVE_DATA, 0x3f); /* bits 2-0 of ICW2 are not the base's */
	outb(&pic, SLAVE_DATA, 0x02);
	outb(&pic, SLAVE_DATA, 0x01);
	/* the next writes to A0 = 1 are OCW1 */
	outb(&pic, MASTER_DATA, 0x12);
	outb(&pic, SLAVE_DATA, 0x34);
	assert_int_equal(inb(&pic, MASTER_DATA), 0x12);
	assert_int_equal(inb(&pic, SLAVE_DATA), 0x34);
	outb(&pic, MASTER_DATA, 0x00);
	outb(&pic, SLAVE_DATA, 0x00);
	EXPECT_NO_CALL(&out);

	pulse(&pic, 1);
	assert_int_equal(i8259_ack(&pic), 0x31);
	pulse(&pic, 12);
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(i8259_ack(&pic), 0x3c);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x04);
	assert_int_equal(isr(&pic, SLAVE_CMD), 0x10);
	EXPECT_CALLS(&out, true, false, true, false);
}

static void init_without_icw4(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	/* cascade, no ICW4: ICW2, ICW3, then OCW1 */
	outb(&pic, MASTER_CMD, 0x10);
	outb(&pic, MASTER_DATA, 0x48);
	outb(&pic, MASTER_DATA, 0x04);
	outb(&pic, MASTER_DATA, 0xf7);
	assert_int_equal(inb(&pic, MASTER_DATA), 0xf7);
	pulse(&pic, 3);
	assert_int_equal(i8259_ack(&pic), 0x4b);
	/* no ICW4: normal EOI, the ISR bit stays */
	assert_int_equal(isr(&pic, MASTER_CMD), 0x08);

	/* single, no ICW4: ICW2, then OCW1 */
	outb(&pic, MASTER_CMD, 0x12);
	outb(&pic, MASTER_DATA, 0x50);
	outb(&pic, MASTER_DATA, 0xfe);
	assert_int_equal(inb(&pic, MASTER_DATA), 0xfe);
	pulse(&pic, 0);
	assert_int_equal(i8259_ack(&pic), 0x50);
}

static void single_mode_has_no_cascade(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	/* single with ICW4: ICW2, ICW4, then OCW1 */
	outb(&pic, MASTER_CMD, 0x13);
	outb(&pic, MASTER_DATA, 0x20);
	outb(&pic, MASTER_DATA, 0x01);
	outb(&pic, MASTER_DATA, 0x00);
	assert_int_equal(inb(&pic, MASTER_DATA), 0x00);
	outb(&pic, SLAVE_DATA, 0x00);
	/* the slave's output still reaches IR2, but the master gives the vector itself */
	pulse(&pic, 9);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x22);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x04);
	assert_int_equal(isr(&pic, SLAVE_CMD), 0x00);
	assert_int_equal(irr(&pic, SLAVE_CMD), 0x02);
}

static void no_request_during_initialization(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, ELCR1, 0x20);
	i8259_set_irq(&pic, 5, true);
	EXPECT_CALLS(&out, true);
	outb(&pic, MASTER_CMD, 0x11);
	EXPECT_CALLS(&out, false);
	outb(&pic, MASTER_DATA, 0x20);
	outb(&pic, MASTER_DATA, 0x04);
	EXPECT_NO_CALL(&out);
	assert_int_equal(i8259_ack(&pic), 0x27); /* spurious: nothing to give yet */
	outb(&pic, MASTER_DATA, 0x01);
	/* initialized, IMR clear: the level input requests */
	EXPECT_CALLS(&out, true);
	assert_int_equal(i8259_ack(&pic), 0x25);
}

static void icw1_resets_state(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	i8259_set_irq(&pic, 6, true); /* edge, held high */
	pulse(&pic, 4);
	assert_int_equal(i8259_ack(&pic), 0x24);
	outb(&pic, MASTER_CMD, SET_PRIORITY | 3);
	outb(&pic, MASTER_CMD, SMM_ON);
	outb(&pic, MASTER_CMD, READ_ISR);
	outb(&pic, MASTER_DATA, 0x81);
	out.count = 0;

	outb(&pic, MASTER_CMD, 0x11);
	outb(&pic, MASTER_DATA, 0x20);
	outb(&pic, MASTER_DATA, 0x04);
	outb(&pic, MASTER_DATA, 0x01);
	EXPECT_NO_CALL(&out);
	assert_int_equal(inb(&pic, MASTER_DATA), 0x00);  /* IMR cleared */
	assert_int_equal(inb(&pic, MASTER_CMD), 0x00);   /* reads IRR: edge latch cleared */
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	assert_false(i8259_intr(&pic));

	/* IRQ 6 is still high: it must fall and rise again */
	i8259_set_irq(&pic, 6, true);
	assert_false(i8259_intr(&pic));
	i8259_set_irq(&pic, 6, false);
	/* fixed priority again: IRQ 1 before IRQ 6 (with IR3 lowest it would be 6) */
	pulse(&pic, 1);
	pulse(&pic, 6);
	assert_int_equal(i8259_ack(&pic), 0x21);
	/* special mask mode is off: IRQ 1 in service, masked, still holds IRQ 6 off */
	outb(&pic, MASTER_DATA, 0x02);
	assert_false(i8259_intr(&pic));
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(i8259_ack(&pic), 0x26);
}

static void imr_masks_and_unmasks(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, MASTER_DATA, 0x10);
	pulse(&pic, 4);
	assert_false(i8259_intr(&pic));
	assert_int_equal(irr(&pic, MASTER_CMD), 0x10);
	EXPECT_NO_CALL(&out);
	outb(&pic, MASTER_DATA, 0x00);
	EXPECT_CALLS(&out, true);
	outb(&pic, MASTER_DATA, 0x10);
	EXPECT_CALLS(&out, false);
	outb(&pic, MASTER_DATA, 0x00);
	EXPECT_CALLS(&out, true);
	assert_int_equal(i8259_ack(&pic), 0x24);
	EXPECT_CALLS(&out, false);

	/* the slave's mask, and the master's mask of the cascade */
	outb(&pic, MASTER_CMD, EOI);
	outb(&pic, SLAVE_DATA, 0x08);
	pulse(&pic, 11);
	EXPECT_NO_CALL(&out);
	outb(&pic, MASTER_DATA, 0x04);
	outb(&pic, SLAVE_DATA, 0x00);
	EXPECT_NO_CALL(&out);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x04);
	outb(&pic, MASTER_DATA, 0x00);
	EXPECT_CALLS(&out, true);
	assert_int_equal(i8259_ack(&pic), 0x2b);
}

static void fixed_priority_and_nesting(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	pulse(&pic, 5);
	pulse(&pic, 3);
	assert_int_equal(i8259_ack(&pic), 0x23);
	/* IRQ 5 is lower than IRQ 3 in service */
	assert_false(i8259_intr(&pic));
	/* IRQ 1 is higher: it nests */
	pulse(&pic, 1);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x21);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x0a);
	outb(&pic, MASTER_CMD, EOI); /* IRQ 1 */
	assert_false(i8259_intr(&pic));
	outb(&pic, MASTER_CMD, EOI); /* IRQ 3 */
	assert_int_equal(i8259_ack(&pic), 0x25);
	outb(&pic, MASTER_CMD, EOI);
	/* the slave's IRQs rank where IRQ 2 does: above 3-7, below 0-1 */
	pulse(&pic, 7);
	pulse(&pic, 15);
	pulse(&pic, 1);
	assert_int_equal(i8259_ack(&pic), 0x21);
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(i8259_ack(&pic), 0x2f);
	outb(&pic, SLAVE_CMD, EOI);
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(i8259_ack(&pic), 0x27);
	EXPECT_CALLS(&out, true, false, true, false, true, false, true, false, true, false, true, false);
}

static void priority_rotation(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);

	/* set priority: IR4 lowest, so 5, 6, 7, 0, 1, 2, 3, 4 */
	outb(&pic, MASTER_CMD, SET_PRIORITY | 4);
	pulse(&pic, 3);
	pulse(&pic, 6);
	pulse(&pic, 0);
	assert_int_equal(i8259_ack(&pic), 0x26);
	/* IRQ 0 and 3 rank below 6 now: held off */
	assert_false(i8259_intr(&pic));

	/* rotate on non-specific EOI: 6 becomes the lowest, 7 the highest */
	outb(&pic, MASTER_CMD, ROTATE_EOI);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	pulse(&pic, 7);
	assert_int_equal(i8259_ack(&pic), 0x27);
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(i8259_ack(&pic), 0x20);
	/* rotate on specific EOI: 0 lowest, so 3 before a new 0 */
	outb(&pic, MASTER_CMD, ROTATE_SPECIFIC_EOI | 0);
	pulse(&pic, 0);
	assert_int_equal(i8259_ack(&pic), 0x23);
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(i8259_ack(&pic), 0x20);
}

static void eoi_kinds(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	pulse(&pic, 5);
	assert_int_equal(i8259_ack(&pic), 0x25);
	pulse(&pic, 3);
	assert_int_equal(i8259_ack(&pic), 0x23);
	pulse(&pic, 1);
	assert_int_equal(i8259_ack(&pic), 0x21);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x2a);
	outb(&pic, MASTER_CMD, OCW2_NOP);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x2a);
	outb(&pic, MASTER_CMD, SPECIFIC_EOI | 3);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x22);
	outb(&pic, MASTER_CMD, EOI); /* the highest: 1 */
	assert_int_equal(isr(&pic, MASTER_CMD), 0x20);
	outb(&pic, MASTER_CMD, SPECIFIC_EOI | 7); /* not in service: no change */
	assert_int_equal(isr(&pic, MASTER_CMD), 0x20);
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	outb(&pic, MASTER_CMD, EOI); /* nothing in service: nothing happens */
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	assert_false(i8259_intr(&pic));
	/* a rotating EOI with nothing in service leaves the priorities alone */
	outb(&pic, MASTER_CMD, ROTATE_EOI);
	pulse(&pic, 7);
	pulse(&pic, 0);
	assert_int_equal(i8259_ack(&pic), 0x20);
}

static void rotated_non_specific_eoi(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	pulse(&pic, 6);
	assert_int_equal(i8259_ack(&pic), 0x26);
	pulse(&pic, 1);
	assert_int_equal(i8259_ack(&pic), 0x21);
	/* IR4 lowest: 6 now ranks above 1 */
	outb(&pic, MASTER_CMD, SET_PRIORITY | 4);
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x02);
}

static void automatic_eoi(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program(&pic, 0x20, 0x28, 0x03, 0x01, 0x00, 0x00);
	out.count = 0;
	pulse(&pic, 4);
	pulse(&pic, 6);
	assert_int_equal(i8259_ack(&pic), 0x24);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	/* nothing in service: IRQ 6 follows at once */
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x26);
	EXPECT_CALLS(&out, true, false);

	/* rotate in AEOI mode: the IR acknowledged becomes the lowest */
	outb(&pic, MASTER_CMD, ROTATE_AEOI_SET);
	pulse(&pic, 0);
	pulse(&pic, 3);
	assert_int_equal(i8259_ack(&pic), 0x20);
	pulse(&pic, 0);
	assert_int_equal(i8259_ack(&pic), 0x23); /* 0 is the lowest now */
	assert_int_equal(i8259_ack(&pic), 0x20);
	/* ...and stops with the clear command: 0 stays the lowest */
	outb(&pic, MASTER_CMD, ROTATE_AEOI_CLEAR);
	pulse(&pic, 1);
	assert_int_equal(i8259_ack(&pic), 0x21);
	pulse(&pic, 0);
	pulse(&pic, 1);
	assert_int_equal(i8259_ack(&pic), 0x21); /* with 1 the lowest it would be 0 */
	assert_int_equal(i8259_ack(&pic), 0x20);
}

static void level_input_requests_while_high(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, ELCR1, 0x20);
	i8259_set_irq(&pic, 5, true);
	EXPECT_CALLS(&out, true);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x20);
	assert_int_equal(i8259_ack(&pic), 0x25);
	EXPECT_CALLS(&out, false);
	/* IRR follows the input, the ISR bit holds it off */
	assert_int_equal(irr(&pic, MASTER_CMD), 0x20);
	/* still high at EOI: requested again */
	outb(&pic, MASTER_CMD, EOI);
	EXPECT_CALLS(&out, true);
	assert_int_equal(i8259_ack(&pic), 0x25);
	EXPECT_CALLS(&out, false);
	i8259_set_irq(&pic, 5, false);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x00);
	outb(&pic, MASTER_CMD, EOI);
	EXPECT_NO_CALL(&out);
	assert_false(i8259_intr(&pic));

	/* a level input on the slave */
	outb(&pic, ELCR2, 0x08);
	i8259_set_irq(&pic, 11, true);
	assert_int_equal(i8259_ack(&pic), 0x2b);
	outb(&pic, SLAVE_CMD, EOI);
	outb(&pic, MASTER_CMD, EOI);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x2b);
	i8259_set_irq(&pic, 11, false);
	outb(&pic, SLAVE_CMD, EOI);
	outb(&pic, MASTER_CMD, EOI);
	assert_false(i8259_intr(&pic));
}

static void edge_input_needs_a_low_first(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	i8259_set_irq(&pic, 4, true);
	assert_int_equal(i8259_ack(&pic), 0x24);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x00);
	outb(&pic, MASTER_CMD, EOI);
	i8259_set_irq(&pic, 4, true); /* still high: no edge */
	assert_false(i8259_intr(&pic));
	i8259_set_irq(&pic, 4, false);
	assert_false(i8259_intr(&pic));
	i8259_set_irq(&pic, 4, true);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x24);
	EXPECT_CALLS(&out, true, false, true, false);
}

static void edge_pulse_stays_latched(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	pulse(&pic, 6);
	assert_true(i8259_intr(&pic));
	assert_int_equal(irr(&pic, MASTER_CMD), 0x40);
	/* while in service, another pulse is latched and waits for the EOI */
	assert_int_equal(i8259_ack(&pic), 0x26);
	pulse(&pic, 6);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x40);
	assert_false(i8259_intr(&pic));
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(i8259_ack(&pic), 0x26);
	EXPECT_CALLS(&out, true, false, true, false);
}

static void elcr_switches_trigger(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, MASTER_DATA, 0x08);
	pulse(&pic, 3); /* latched as an edge */
	/* turned to level: the latch goes, the input (low) decides */
	outb(&pic, ELCR1, 0x08);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x00);
	i8259_set_irq(&pic, 3, true);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x08);
	/* turned to edge while high: no edge yet */
	outb(&pic, ELCR1, 0x00);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x00);
	i8259_set_irq(&pic, 3, false);
	i8259_set_irq(&pic, 3, true);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x08);
	/* turned to level while high and unmasked: requests */
	outb(&pic, MASTER_DATA, 0x00);
	assert_int_equal(i8259_ack(&pic), 0x23);
	outb(&pic, MASTER_CMD, EOI);
	assert_false(i8259_intr(&pic));
	outb(&pic, ELCR1, 0x08);
	assert_true(i8259_intr(&pic));
	EXPECT_CALLS(&out, true, false, true);
}

static void elcr_fixed_edge_bits(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, ELCR1, 0xff);
	outb(&pic, ELCR2, 0xff);
	assert_int_equal(inb(&pic, ELCR1), 0xf8); /* IRQ 0, 1, 2 */
	assert_int_equal(inb(&pic, ELCR2), 0xde); /* IRQ 8, 13 */
	outb(&pic, ELCR1, 0x07);
	outb(&pic, ELCR2, 0x21);
	assert_int_equal(inb(&pic, ELCR1), 0x00);
	assert_int_equal(inb(&pic, ELCR2), 0x00);

	/* IRQ 0 stays edge-triggered: held high, it requests once */
	outb(&pic, ELCR1, 0xff);
	outb(&pic, ELCR2, 0xff);
	i8259_set_irq(&pic, 0, true);
	assert_int_equal(i8259_ack(&pic), 0x20);
	outb(&pic, MASTER_CMD, EOI);
	assert_false(i8259_intr(&pic));
	/* so does IRQ 13 */
	i8259_set_irq(&pic, 13, true);
	assert_int_equal(i8259_ack(&pic), 0x2d);
	outb(&pic, SLAVE_CMD, EOI);
	outb(&pic, MASTER_CMD, EOI);
	assert_false(i8259_intr(&pic));
	/* IRQ 9 is level-triggered here */
	i8259_set_irq(&pic, 9, true);
	assert_int_equal(i8259_ack(&pic), 0x29);
	outb(&pic, SLAVE_CMD, EOI);
	outb(&pic, MASTER_CMD, EOI);
	assert_true(i8259_intr(&pic));
}

static void slave_cascade_vectors(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program(&pic, 0x40, 0x98, 0x01, 0x01, 0x00, 0x00);
	out.count = 0;
	for (unsigned irq = 8; irq < 16; irq++) {
		pulse(&pic, irq);
		assert_true(i8259_intr(&pic));
		assert_int_equal(i8259_ack(&pic), 0x98 + irq - 8);
		assert_false(i8259_intr(&pic));
		assert_int_equal(isr(&pic, MASTER_CMD), 0x04);
		assert_int_equal(isr(&pic, SLAVE_CMD), 1u << (irq - 8));
		outb(&pic, SLAVE_CMD, EOI);
		outb(&pic, MASTER_CMD, EOI);
		EXPECT_CALLS(&out, true, false);
	}
	/* two slave requests: the second waits for both EOIs */
	pulse(&pic, 14);
	pulse(&pic, 10);
	assert_int_equal(i8259_ack(&pic), 0x9a);
	assert_false(i8259_intr(&pic));
	outb(&pic, SLAVE_CMD, EOI);
	assert_false(i8259_intr(&pic)); /* the master's IR2 is in service */
	outb(&pic, MASTER_CMD, EOI);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x9e);
}

static void spurious_irq7(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, ELCR1, 0x08);
	i8259_set_irq(&pic, 3, true);
	i8259_set_irq(&pic, 3, false);
	EXPECT_CALLS(&out, true, false);
	assert_int_equal(i8259_ack(&pic), 0x27);
	EXPECT_NO_CALL(&out);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	/* an edge request masked before the acknowledge: the same */
	pulse(&pic, 5);
	outb(&pic, MASTER_DATA, 0x20);
	assert_int_equal(i8259_ack(&pic), 0x27);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x20); /* still latched */
	/* an acknowledge with nothing ever requested */
	outb(&pic, MASTER_DATA, 0xff);
	assert_int_equal(i8259_ack(&pic), 0x27);
	EXPECT_CALLS(&out, true, false);
}

static void spurious_irq15(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, ELCR2, 0x04);
	i8259_set_irq(&pic, 10, true);
	i8259_set_irq(&pic, 10, false);
	/* the master's IR2 stays latched */
	EXPECT_CALLS(&out, true);
	assert_true(i8259_intr(&pic));
	assert_int_equal(irr(&pic, MASTER_CMD), 0x04);
	assert_int_equal(irr(&pic, SLAVE_CMD), 0x00);
	assert_int_equal(i8259_ack(&pic), 0x2f);
	EXPECT_CALLS(&out, false);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x04);
	assert_int_equal(isr(&pic, SLAVE_CMD), 0x00);
	/* only the master wants an EOI; then all is quiet */
	outb(&pic, MASTER_CMD, EOI);
	assert_false(i8259_intr(&pic));
	EXPECT_NO_CALL(&out);
}

static void irr_and_isr_reads(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, MASTER_DATA, 0x80);
	pulse(&pic, 7);
	pulse(&pic, 1);
	i8259_ack(&pic);
	outb(&pic, MASTER_CMD, READ_ISR);
	assert_int_equal(inb(&pic, MASTER_CMD), 0x02);
	assert_int_equal(inb(&pic, MASTER_CMD), 0x02); /* the selection stays */
	assert_int_equal(inb(&pic, MASTER_DATA), 0x80); /* A0 = 1 is IMR whatever */
	outb(&pic, MASTER_CMD, 0x08); /* OCW3 without RR: no change */
	assert_int_equal(inb(&pic, MASTER_CMD), 0x02);
	outb(&pic, MASTER_CMD, 0x09); /* RIS without RR: no change */
	assert_int_equal(inb(&pic, MASTER_CMD), 0x02);
	outb(&pic, MASTER_CMD, READ_IRR);
	assert_int_equal(inb(&pic, MASTER_CMD), 0x80); /* IRR shows masked requests too */
	/* each chip has its own selection */
	outb(&pic, SLAVE_CMD, READ_ISR);
	pulse(&pic, 12);
	assert_int_equal(inb(&pic, MASTER_CMD), 0x84);
	assert_int_equal(inb(&pic, SLAVE_CMD), 0x00);
	outb(&pic, SLAVE_CMD, READ_IRR);
	assert_int_equal(inb(&pic, SLAVE_CMD), 0x10);
}

static void poll_command(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	pulse(&pic, 6);
	pulse(&pic, 3);
	EXPECT_CALLS(&out, true);
	outb(&pic, MASTER_CMD, POLL);
	assert_int_equal(inb(&pic, MASTER_CMD), 0x83);
	EXPECT_CALLS(&out, false);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x08);
	/* the poll is for one read: then IRR again */
	assert_int_equal(inb(&pic, MASTER_CMD), 0x40);
	outb(&pic, MASTER_CMD, EOI);
	/* the data port answers a poll too; the poll overrides RR given with it */
	outb(&pic, MASTER_CMD, POLL | READ_ISR);
	assert_int_equal(inb(&pic, MASTER_DATA), 0x86);
	assert_int_equal(inb(&pic, MASTER_CMD), 0x00); /* IRR: the selection stayed */
	outb(&pic, MASTER_CMD, EOI);
	/* nothing to give: 0, nothing acknowledged */
	outb(&pic, MASTER_CMD, POLL);
	assert_int_equal(inb(&pic, MASTER_CMD), 0x00);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x00);
	EXPECT_CALLS(&out, true, false);
}

static void poll_through_the_cascade(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	pulse(&pic, 13);
	pulse(&pic, 9);
	outb(&pic, MASTER_CMD, POLL);
	assert_int_equal(inb(&pic, MASTER_CMD), 0x82);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x04);
	assert_int_equal(isr(&pic, SLAVE_CMD), 0x00);
	outb(&pic, SLAVE_CMD, POLL);
	assert_int_equal(inb(&pic, SLAVE_CMD), 0x81);
	assert_int_equal(isr(&pic, SLAVE_CMD), 0x02);
	outb(&pic, SLAVE_CMD, EOI);
	outb(&pic, MASTER_CMD, EOI);
	/* IRQ 13 is left: the slave's output rises again */
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x2d);
	outb(&pic, SLAVE_CMD, EOI);
	outb(&pic, MASTER_CMD, EOI);
	/* nothing left: no stale IR2 request */
	assert_false(i8259_intr(&pic));
	assert_int_equal(irr(&pic, MASTER_CMD), 0x00);
	EXPECT_CALLS(&out, true, false, true, false);
}

static void special_mask_mode(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	pulse(&pic, 3);
	assert_int_equal(i8259_ack(&pic), 0x23);
	pulse(&pic, 5);
	assert_false(i8259_intr(&pic));
	/* SMM without ESMM is no command */
	outb(&pic, MASTER_CMD, 0x28);
	outb(&pic, MASTER_DATA, 0x08);
	assert_false(i8259_intr(&pic));
	/* in SMM the masked level 3 no longer holds 5 off */
	outb(&pic, MASTER_CMD, SMM_ON);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x25);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x28);
	/* the unmasked level 5 in service does hold 6 off */
	pulse(&pic, 6);
	assert_false(i8259_intr(&pic));
	/* a non-specific EOI skips the masked level 3 */
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x08);
	assert_int_equal(i8259_ack(&pic), 0x26);
	outb(&pic, MASTER_CMD, EOI);
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(isr(&pic, MASTER_CMD), 0x08);
	/* out of SMM, level 3 in service holds 7 off again */
	outb(&pic, MASTER_CMD, SMM_OFF);
	outb(&pic, MASTER_DATA, 0x00);
	pulse(&pic, 7);
	assert_false(i8259_intr(&pic));
	outb(&pic, MASTER_CMD, SPECIFIC_EOI | 3);
	assert_int_equal(i8259_ack(&pic), 0x27);
	EXPECT_CALLS(&out, true, false, true, false, true, false, true, false);
}

static void special_fully_nested_mode(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program(&pic, 0x20, 0x28, 0x11, 0x01, 0x00, 0x00);
	out.count = 0;
	pulse(&pic, 12);
	assert_int_equal(i8259_ack(&pic), 0x2c);
	/* a higher slave request gets through the master's IR2 in service */
	pulse(&pic, 9);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x29);
	assert_int_equal(isr(&pic, SLAVE_CMD), 0x12);
	/* a lower one does not (the slave holds it off); nor a lower master input */
	pulse(&pic, 14);
	pulse(&pic, 5);
	assert_false(i8259_intr(&pic));
	EXPECT_CALLS(&out, true, false, true, false);

	/* without SFNM the higher slave request waits for the master's EOI */
	program(&pic, 0x20, 0x28, 0x01, 0x01, 0x00, 0x00);
	pulse(&pic, 12);
	assert_int_equal(i8259_ack(&pic), 0x2c);
	pulse(&pic, 9);
	assert_false(i8259_intr(&pic));
	outb(&pic, MASTER_CMD, EOI);
	assert_int_equal(i8259_ack(&pic), 0x29);
}

static void automatic_eoi_slave_raises_ir2_again(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program(&pic, 0x20, 0x28, 0x01, 0x03, 0x00, 0x00);
	out.count = 0;
	pulse(&pic, 9);
	pulse(&pic, 10);
	assert_int_equal(i8259_ack(&pic), 0x29);
	assert_int_equal(isr(&pic, SLAVE_CMD), 0x00);
	assert_int_equal(irr(&pic, MASTER_CMD), 0x04);
	assert_false(i8259_intr(&pic)); /* the master's IR2 is in service */
	outb(&pic, MASTER_CMD, EOI);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x2a);
	outb(&pic, MASTER_CMD, EOI);
	assert_false(i8259_intr(&pic));
	EXPECT_CALLS(&out, true, false, true, false);
}

static void intr_output_calls(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	/* a second request while INT is high makes no call */
	pulse(&pic, 4);
	pulse(&pic, 1);
	EXPECT_CALLS(&out, true);
	/* the acknowledge of 1 leaves 4 held off: INT falls */
	assert_int_equal(i8259_ack(&pic), 0x21);
	EXPECT_CALLS(&out, false);
	/* EOI: 4 may go */
	outb(&pic, MASTER_CMD, EOI);
	EXPECT_CALLS(&out, true);
	/* commands that change nothing make no call */
	outb(&pic, MASTER_CMD, READ_ISR);
	outb(&pic, MASTER_DATA, 0x00);
	i8259_set_irq(&pic, 4, false);
	EXPECT_NO_CALL(&out);
	assert_int_equal(i8259_ack(&pic), 0x24);
	EXPECT_CALLS(&out, false);
	outb(&pic, MASTER_CMD, EOI);
	EXPECT_NO_CALL(&out);
	/* without a set_irq callback the model works the same */
	const struct device_env bare = { 0 };
	i8259_init(&pic, &bare);
	outb(&pic, MASTER_DATA, 0x00);
	pulse(&pic, 3);
	assert_true(i8259_intr(&pic));
	assert_int_equal(i8259_ack(&pic), 0x0b);
	assert_false(i8259_intr(&pic));
	EXPECT_NO_CALL(&out);
}

static void irq2_and_out_of_range_ignored(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	i8259_set_irq(&pic, 2, true);
	i8259_set_irq(&pic, 16, true);
	i8259_set_irq(&pic, 255, true);
	i8259_set_irq(&pic, ~0u, true);
	assert_false(i8259_intr(&pic));
	assert_int_equal(irr(&pic, MASTER_CMD), 0x00);
	assert_int_equal(irr(&pic, SLAVE_CMD), 0x00);
	EXPECT_NO_CALL(&out);
}

static void wide_accesses(void **state)
{
	(void)state;
	struct output out;
	struct i8259 pic;
	start(&pic, &out);
	program_open(&pic, &out);
	outb(&pic, MASTER_DATA, 0x5a);
	pulse(&pic, 0);
	/* a word at 0x20 reads IRR, then IMR; past the range, bytes of ones */
	assert_int_equal(i8259_master_read(&pic, 0, 2), 0x5a01);
	assert_int_equal(i8259_master_read(&pic, 1, 2), 0xff5a);
	assert_int_equal(i8259_master_read(&pic, 0, 4), 0xffff5a01);
	assert_int_equal(i8259_master_read(&pic, 0, 8), 0xffffffffffff5a01ull);
	assert_int_equal(i8259_master_read(&pic, 2, 1), 0xff);
	/* a word written to 0x4d0 sets both ELCRs */
	i8259_elcr_write(&pic, 0, 2, 0x0c20);
	assert_int_equal(i8259_elcr_read(&pic, 0, 2), 0x0c20);
	assert_int_equal(inb(&pic, ELCR2), 0x0c);
	/* a word to 0x21 writes IMR only; one to 0x20 is OCW3 then IMR */
	i8259_master_write(&pic, 1, 2, 0xee33);
	assert_int_equal(inb(&pic, MASTER_DATA), 0x33);
	i8259_master_write(&pic, 0, 2, 0x770b);
	assert_int_equal(i8259_master_read(&pic, 0, 2), 0x7700); /* ISR, IMR */
	i8259_slave_write(&pic, 1, 4, 0x11223344);
	assert_int_equal(inb(&pic, SLAVE_DATA), 0x44);
	i8259_slave_write(&pic, 2, 1, 0x00);
	assert_int_equal(inb(&pic, SLAVE_DATA), 0x44);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(power_on_state),
		cmocka_unit_test(init_resets_a_used_pair),
		cmocka_unit_test(init_with_icw4_and_cascade),
		cmocka_unit_test(init_without_icw4),
		cmocka_unit_test(single_mode_has_no_cascade),
		cmocka_unit_test(no_request_during_initialization),
		cmocka_unit_test(icw1_resets_state),
		cmocka_unit_test(imr_masks_and_unmasks),
		cmocka_unit_test(fixed_priority_and_nesting),
		cmocka_unit_test(priority_rotation),
		cmocka_unit_test(eoi_kinds),
		cmocka_unit_test(rotated_non_specific_eoi),
		cmocka_unit_test(automatic_eoi),
		cmocka_unit_test(level_input_requests_while_high),
		cmocka_unit_test(edge_input_needs_a_low_first),
		cmocka_unit_test(edge_pulse_stays_latched),
		cmocka_unit_test(elcr_switches_trigger),
		cmocka_unit_test(elcr_fixed_edge_bits),
		cmocka_unit_test(slave_cascade_vectors),
		cmocka_unit_test(spurious_irq7),
		cmocka_unit_test(spurious_irq15),
		cmocka_unit_test(irr_and_isr_reads),
		cmocka_unit_test(poll_command),
		cmocka_unit_test(poll_through_the_cascade),
		cmocka_unit_test(special_mask_mode),
		cmocka_unit_test(special_fully_nested_mode),
		cmocka_unit_test(automatic_eoi_slave_raises_ir2_again),
		cmocka_unit_test(intr_output_calls),
		cmocka_unit_test(irq2_and_out_of_range_ignored),
		cmocka_unit_test(wide_accesses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
