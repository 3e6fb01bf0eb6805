/* Which request the PIC pair (vmm/dev/i8259.c) gives: masks, fixed and rotating
 * priorities, the kinds of EOI, automatic EOI, special mask and special fully nested mode. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/i8259_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(imr_masks_and_unmasks),
		cmocka_unit_test(fixed_priority_and_nesting),
		cmocka_unit_test(priority_rotation),
		cmocka_unit_test(eoi_kinds),
		cmocka_unit_test(rotated_non_specific_eoi),
		cmocka_unit_test(automatic_eoi),
		cmocka_unit_test(special_mask_mode),
		cmocka_unit_test(special_fully_nested_mode),
		cmocka_unit_test(automatic_eoi_slave_raises_ir2_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
