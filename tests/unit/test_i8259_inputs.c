/* The PIC pair's inputs and output (vmm/dev/i8259.c): edge and level triggering and the
 * ELCRs, the slave's IRQs through the cascade, spurious IRQ 7 and 15, the INT output's
 * calls, and the lines that do not exist. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/i8259_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(level_input_requests_while_high),
		cmocka_unit_test(edge_input_needs_a_low_first),
		cmocka_unit_test(edge_pulse_stays_latched),
		cmocka_unit_test(elcr_switches_trigger),
		cmocka_unit_test(elcr_fixed_edge_bits),
		cmocka_unit_test(slave_cascade_vectors),
		cmocka_unit_test(spurious_irq7),
		cmocka_unit_test(spurious_irq15),
		cmocka_unit_test(intr_output_calls),
		cmocka_unit_test(irq2_and_out_of_range_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
