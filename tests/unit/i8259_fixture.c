/* The fixture of the PIC tests: i8259_fixture.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/i8259_fixture.h"

static void record_irq(void *ctx, unsigned line, bool level)
{
	struct output *out = ctx;
	assert_true(out->count < sizeof(out->calls) / sizeof(out->calls[0]));
	out->calls[out->count].line = line;
	out->calls[out->count].level = level;
	out->count++;
}

void expect_calls(struct output *out, size_t count, const bool *levels)
{
	assert_int_equal(out->count, count);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(out->calls[i].line, 0);
		assert_int_equal(out->calls[i].level, levels[i]);
	}
	out->count = 0;
}

void start(struct i8259 *pic, struct output *out)
{
	*out = (struct output){ 0 };
	const struct device_env env = { .ctx = out, .set_irq = record_irq };
	i8259_init(pic, &env);
}

void outb(struct i8259 *pic, unsigned port, uint8_t value)
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

uint8_t inb(struct i8259 *pic, unsigned port)
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
uint8_t irr(struct i8259 *pic, unsigned cmd_port)
{
	outb(pic, cmd_port, READ_IRR);
	return inb(pic, cmd_port);
}

uint8_t isr(struct i8259 *pic, unsigned cmd_port)
{
	outb(pic, cmd_port, READ_ISR);
	uint8_t value = inb(pic, cmd_port);
	outb(pic, cmd_port, READ_IRR);
	return value;
}

/* The sequence Linux writes: ICW1 0x11, ICW2 the base, ICW3 cascade on IR2 / ID 2, ICW4
 * 8086 mode (with icw4 extra bits), then the masks. */
void program(struct i8259 *pic, uint8_t master_base, uint8_t slave_base, uint8_t master_icw4,
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
void program_open(struct i8259 *pic, struct output *out)
{
	program(pic, 0x20, 0x28, 0x01, 0x01, 0x00, 0x00);
	out->count = 0;
}

void pulse(struct i8259 *pic, unsigned irq)
{
	i8259_set_irq(pic, irq, true);
	i8259_set_irq(pic, irq, false);
}
