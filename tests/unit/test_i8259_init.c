/* The PIC pair (vmm/dev/i8259.c) from power-on through initialization: the state a BIOS
 * finds, the ICW sequences with and without ICW4, single mode, and what ICW1 resets. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/i8259_fixture.h"

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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
