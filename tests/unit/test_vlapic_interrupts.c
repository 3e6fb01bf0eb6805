/* Interrupts in the local APIC (vmm/dev/vlapic_irq.c): what is offered against TPR and
 * what is in service, acceptance and EOI, illegal vectors and the ESR, the LINT0 and LINT1
 * pins, the interrupt output, TPR and CR8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/vlapic_fixture.h"

/* Priorities ------------------------------------------------------------------------------ */

static void pending_vector_against_tpr(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	assert_true(vlapic_set_irq(&l, 0x31, false));
	assert_true(vlapic_set_irq(&l, 0x45, false));
	assert_int_equal(vlapic_pending_vector(&l), 0x45);
	wr(&l, TPR, 0x3f); /* class 3: class 4 still gets through */
	assert_int_equal(rd(&l, PPR), 0x3f);
	assert_int_equal(vlapic_pending_vector(&l), 0x45);
	wr(&l, TPR, 0x40); /* class 4 masks its own class */
	assert_int_equal(rd(&l, PPR), 0x40);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	wr(&l, TPR, 0x30);
	assert_int_equal(vlapic_pending_vector(&l), 0x45);
	wr(&l, TPR, 0xf0);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	vlapic_set_irq(&l, 0xff, false); /* class 15 cannot beat TPR class 15 */
	assert_int_equal(vlapic_pending_vector(&l), -1);
	wr(&l, TPR, 0);
	assert_int_equal(vlapic_pending_vector(&l), 0xff);
}

static void in_service_blocks_its_class_and_below(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	vlapic_set_irq(&l, 0x45, false);
	vlapic_accept(&l, 0x45);
	assert_int_equal(rd(&l, PPR), 0x40);
	vlapic_set_irq(&l, 0x41, false); /* same class */
	vlapic_set_irq(&l, 0x4f, false); /* same class, higher vector */
	vlapic_set_irq(&l, 0x31, false); /* lower class */
	assert_int_equal(vlapic_pending_vector(&l), -1);
	vlapic_set_irq(&l, 0x50, false);
	assert_int_equal(vlapic_pending_vector(&l), 0x50);
	/* PPR: TPR when its class is at least ISRV's, else ISRV's class */
	wr(&l, TPR, 0x4a);
	assert_int_equal(rd(&l, PPR), 0x4a);
	wr(&l, TPR, 0x3f);
	assert_int_equal(rd(&l, PPR), 0x40);
	wr(&l, TPR, 0x5a);
	assert_int_equal(rd(&l, PPR), 0x5a);
	assert_int_equal(vlapic_pending_vector(&l), -1);
}

static void accept_and_eoi_nest(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	vlapic_set_irq(&l, 0x40, false);
	assert_int_equal(vlapic_pending_vector(&l), 0x40);
	vlapic_accept(&l, 0x40);
	assert_false(irr_has(&l, 0x40));
	assert_true(isr_has(&l, 0x40));
	assert_int_equal(vlapic_pending_vector(&l), -1);
	vlapic_set_irq(&l, 0x80, false);
	vlapic_set_irq(&l, 0x60, false);
	assert_int_equal(vlapic_pending_vector(&l), 0x80);
	vlapic_accept(&l, 0x80);
	assert_int_equal(rd(&l, PPR), 0x80);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_int_equal(rd(&l, ISR0 + 0x20), 0x1);
	assert_int_equal(rd(&l, ISR0 + 0x40), 0x1);
	wr(&l, EOI, 0); /* ends 0x80, the highest */
	assert_false(isr_has(&l, 0x80));
	assert_true(isr_has(&l, 0x40));
	assert_int_equal(rd(&l, PPR), 0x40);
	assert_int_equal(vlapic_pending_vector(&l), 0x60);
	vlapic_accept(&l, 0x60);
	wr(&l, EOI, 0); /* ends 0x60 */
	assert_true(isr_has(&l, 0x40));
	assert_false(isr_has(&l, 0x60));
	wr(&l, EOI, 0); /* ends 0x40 */
	assert_int_equal(rd(&l, PPR), 0);
	assert_false(isr_has(&l, 0x40));
	wr(&l, EOI, 0); /* nothing in service: nothing happens */
	assert_int_equal(w.eoi_count, 0);
	/* accepting a vector not requested changes nothing */
	vlapic_accept(&l, 0x70);
	assert_false(isr_has(&l, 0x70));
}

static void level_triggered_eoi_reaches_the_io_apic(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	assert_true(vlapic_set_irq(&l, 0x50, true));
	assert_int_equal(rd(&l, TMR0 + 0x20), 1u << 16);
	vlapic_set_irq(&l, 0x60, false);
	assert_false(tmr_has(&l, 0x60));
	service(&l, 0x60);
	assert_int_equal(w.eoi_count, 0); /* edge: no EOI message */
	service(&l, 0x50);
	assert_int_equal(w.eoi_count, 1);
	assert_int_equal(w.eois[0], 0x50);
	/* TMR follows the last acceptance */
	vlapic_set_irq(&l, 0x50, false);
	assert_false(tmr_has(&l, 0x50));
	service(&l, 0x50);
	assert_int_equal(w.eoi_count, 1);
}

static void illegal_vectors_are_refused(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	for (unsigned v = 0; v < 16; v++) {
		assert_false(vlapic_set_irq(&l, (uint8_t)v, false));
		assert_false(irr_has(&l, (uint8_t)v));
	}
	assert_int_equal(rd(&l, IRR0), 0);
	assert_int_equal(esr(&l), 0x40);
	assert_true(vlapic_set_irq(&l, 16, false));
	assert_int_equal(rd(&l, IRR0), 0x10000);
	assert_int_equal(esr(&l), 0);
}

static void esr_latches_on_write(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	vlapic_set_irq(&l, 1, false);
	assert_int_equal(rd(&l, ESR), 0);       /* not yet latched */
	wr(&l, ESR, 0x12345678);                /* any value */
	assert_int_equal(rd(&l, ESR), 0x40);
	assert_int_equal(rd(&l, ESR), 0x40);    /* reading does not clear */
	rd(&l, 0x3f0);                          /* an illegal register */
	assert_int_equal(rd(&l, ESR), 0x40);
	wr(&l, ESR, 0);
	assert_int_equal(rd(&l, ESR), 0x80);
	wr(&l, ESR, 0);                         /* back to back: clear */
	assert_int_equal(rd(&l, ESR), 0);
}

static void error_interrupt_once_per_new_error(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	/* masked: errors are collected, no interrupt */
	vlapic_set_irq(&l, 2, false);
	assert_int_equal(rd(&l, IRR0 + 0x10), 0);
	assert_int_equal(esr(&l), 0x40);
	wr(&l, LVT_ERROR, 0x33);
	vlapic_set_irq(&l, 2, false);
	service(&l, 0x33);
	vlapic_set_irq(&l, 2, false); /* the same error again: collected already */
	assert_int_equal(vlapic_pending_vector(&l), -1);
	rd(&l, 0x3f0);                /* a new error bit */
	service(&l, 0x33);
	assert_int_equal(esr(&l), 0xc0); /* rearms */
	vlapic_set_irq(&l, 2, false);
	service(&l, 0x33);
	/* an illegal error vector adds "received illegal vector" once, and stops */
	wr(&l, LVT_ERROR, 0x05);
	assert_int_equal(esr(&l), 0x40);
	rd(&l, 0x3f0);
	assert_int_equal(esr(&l), 0xc0);
	assert_int_equal(vlapic_pending_vector(&l), -1);
}

/* LINT0 / LINT1 ------------------------------------------------------------------------------- */

static void lint0_extint(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	vlapic_lint(&l, 0, true); /* masked at reset */
	assert_false(vlapic_extint_pending(&l));
	assert_false(w.fake.irq);
	wr(&l, LVT_LINT0, 0x700); /* unmasked while asserted: the level gets through */
	assert_true(vlapic_extint_pending(&l));
	assert_true(w.fake.irq);
	wr(&l, TPR, 0xff);        /* ExtINT is not subject to TPR */
	assert_true(vlapic_extint_pending(&l));
	assert_int_equal(vlapic_pending_vector(&l), -1);
	vlapic_lint(&l, 0, false);
	assert_false(vlapic_extint_pending(&l));
	assert_false(w.fake.irq);
	vlapic_lint(&l, 0, true);
	assert_true(vlapic_extint_pending(&l));
	wr(&l, LVT_LINT0, 0x10700);
	assert_false(vlapic_extint_pending(&l));
	assert_int_equal(rd(&l, IRR0 + 0x10), 0);
}

static void lint0_fixed(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	/* edge */
	wr(&l, LVT_LINT0, 0x30);
	vlapic_lint(&l, 0, true);
	assert_true(irr_has(&l, 0x30));
	assert_false(tmr_has(&l, 0x30));
	service(&l, 0x30);
	vlapic_lint(&l, 0, true); /* still high: no new edge */
	assert_false(irr_has(&l, 0x30));
	vlapic_lint(&l, 0, false);
	vlapic_lint(&l, 0, true);
	assert_true(irr_has(&l, 0x30));
	service(&l, 0x30);
	assert_int_equal(w.eoi_count, 0);
	/* level: once until the EOI, again if still asserted */
	vlapic_lint(&l, 0, false);
	wr(&l, LVT_LINT0, 0x8031);
	vlapic_lint(&l, 0, true);
	assert_true(irr_has(&l, 0x31));
	assert_true(tmr_has(&l, 0x31));
	assert_int_equal(rd(&l, LVT_LINT0), 0xc031); /* remote IRR */
	vlapic_accept(&l, 0x31);
	vlapic_lint(&l, 0, true);
	assert_false(irr_has(&l, 0x31));
	wr(&l, EOI, 0);
	assert_int_equal(w.eoi_count, 1);
	assert_int_equal(w.eois[0], 0x31);
	assert_true(irr_has(&l, 0x31)); /* still asserted */
	vlapic_lint(&l, 0, false);
	service(&l, 0x31);
	assert_int_equal(rd(&l, LVT_LINT0), 0x8031);
	assert_false(irr_has(&l, 0x31));
	/* masked: nothing */
	wr(&l, LVT_LINT0, 0x10032);
	vlapic_lint(&l, 0, true);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_false(vlapic_extint_pending(&l));
}

static void lint1_nmi(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, LVT_LINT1, 0x400);
	assert_false(vlapic_nmi_pending(&l));
	vlapic_lint(&l, 1, true);
	assert_true(w.fake.irq);
	assert_true(vlapic_nmi_pending(&l)); /* asking takes nothing */
	assert_true(vlapic_nmi_pending(&l));
	assert_true(vlapic_take_nmi(&l));
	assert_false(vlapic_nmi_pending(&l));
	assert_false(w.fake.irq);
	vlapic_lint(&l, 1, true);
	assert_false(vlapic_take_nmi(&l));
	vlapic_lint(&l, 1, false);
	vlapic_lint(&l, 1, true);
	assert_true(vlapic_take_nmi(&l));
	vlapic_lint(&l, 1, false);
	wr(&l, LVT_LINT1, 0x10400);
	vlapic_lint(&l, 1, true);
	assert_false(vlapic_take_nmi(&l));
	assert_int_equal(vlapic_pending_vector(&l), -1);
	/* NMI messages */
	vlapic_nmi(&l);
	assert_true(vlapic_take_nmi(&l));
	/* pins beyond LINT1 do not exist */
	vlapic_lint(&l, 2, true);
	assert_false(vlapic_take_nmi(&l));
}

static void disabled_apic_passes_the_pins_through(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	assert_true(vlapic_set_base(&l, 0xfee00100));
	vlapic_lint(&l, 0, true);
	assert_true(vlapic_extint_pending(&l));
	assert_true(w.fake.irq);
	vlapic_lint(&l, 0, false);
	assert_false(vlapic_extint_pending(&l));
	vlapic_lint(&l, 1, true);
	assert_true(vlapic_take_nmi(&l));
	vlapic_lint(&l, 1, true);
	assert_false(vlapic_take_nmi(&l));
	assert_false(w.fake.irq);
	/* enabled again: LINT0 masked after the reset */
	vlapic_lint(&l, 0, true);
	assert_true(vlapic_set_base(&l, 0xfee00900));
	assert_false(vlapic_extint_pending(&l));
	assert_false(w.fake.irq);
}

/* Output, TPR and CR8 ---------------------------------------------------------------------- */

static void output_follows_what_is_pending(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	vlapic_set_irq(&l, 0x40, false);
	assert_true(w.fake.irq);
	assert_int_equal(w.fake.irq_calls, 1);
	vlapic_set_irq(&l, 0x50, false); /* already up: no call */
	assert_int_equal(w.fake.irq_calls, 1);
	wr(&l, TPR, 0x50);
	assert_false(w.fake.irq);
	vlapic_set_tpr(&l, 0);
	assert_true(w.fake.irq);
	vlapic_accept(&l, 0x50);
	assert_false(w.fake.irq); /* 0x40 is below the in-service 0x50 */
	wr(&l, EOI, 0);
	assert_true(w.fake.irq);
	vlapic_accept(&l, 0x40);
	assert_false(w.fake.irq);
	assert_int_equal(w.fake.irq_calls, 6);
}

static void cr8_is_tpr_bits_7_to_4(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	wr(&l, TPR, 0x7b);
	assert_int_equal(vlapic_cr8(&l), 7);
	assert_int_equal(vlapic_tpr(&l), 0x7b);
	assert_true(vlapic_set_cr8(&l, 9));
	assert_int_equal(rd(&l, TPR), 0x90); /* TPR[3:0] cleared */
	assert_true(vlapic_set_cr8(&l, 0xf));
	assert_int_equal(rd(&l, TPR), 0xf0);
	assert_false(vlapic_set_cr8(&l, 0x10));
	assert_false(vlapic_set_cr8(&l, 1ull << 63));
	assert_int_equal(rd(&l, TPR), 0xf0);
	vlapic_set_tpr(&l, 0x2c);
	assert_int_equal(vlapic_cr8(&l), 2);
	assert_int_equal(rd(&l, PPR), 0x2c);
	to_x2apic(&l);
	assert_true(vlapic_set_cr8(&l, 3));
	assert_int_equal(rdmsr(&l, 0x808), 0x30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pending_vector_against_tpr),
		cmocka_unit_test(in_service_blocks_its_class_and_below),
		cmocka_unit_test(accept_and_eoi_nest),
		cmocka_unit_test(level_triggered_eoi_reaches_the_io_apic),
		cmocka_unit_test(illegal_vectors_are_refused),
		cmocka_unit_test(esr_latches_on_write),
		cmocka_unit_test(error_interrupt_once_per_new_error),
		cmocka_unit_test(lint0_extint),
		cmocka_unit_test(lint0_fixed),
		cmocka_unit_test(lint1_nmi),
		cmocka_unit_test(disabled_apic_passes_the_pins_through),
		cmocka_unit_test(output_follows_what_is_pending),
		cmocka_unit_test(cr8_is_tpr_bits_7_to_4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
