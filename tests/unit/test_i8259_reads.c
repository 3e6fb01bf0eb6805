/* What a guest reads from the PIC pair (vmm/dev/i8259.c): IRR and ISR through OCW3, the
 * poll command (also through the cascade), and accesses wider than a byte. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/i8259_fixture.h"

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
		cmocka_unit_test(irr_and_isr_reads),
		cmocka_unit_test(poll_command),
		cmocka_unit_test(poll_through_the_cascade),
		cmocka_unit_test(wide_accesses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
