/* The local APIC model (vmm/dev/vlapic.c): its state at reset and after INIT, the xAPIC
 * register page (masks, read-only and reserved registers, access sizes, the page's edges),
 * and software disable through SVR. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/vlapic_fixture.h"

/* Reset ------------------------------------------------------------------------------- */

static void reset_values(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	assert_int_equal(vlapic_base(&l), 0xfee00900);
	assert_int_equal(vlapic_mmio_base(&l), 0xfee00000);
	assert_true(vlapic_hw_enabled(&l));
	assert_false(vlapic_x2apic_mode(&l));
	assert_int_equal(rd(&l, ID), 0x03000000);
	assert_int_equal(rd(&l, VERSION), 0x00050014);
	assert_int_equal(rd(&l, TPR), 0);
	assert_int_equal(rd(&l, APR), 0);
	assert_int_equal(rd(&l, PPR), 0);
	assert_int_equal(rd(&l, EOI), 0);
	assert_int_equal(rd(&l, RRD), 0);
	assert_int_equal(rd(&l, LDR), 0);
	assert_int_equal(rd(&l, DFR), 0xffffffff);
	assert_int_equal(rd(&l, SVR), 0xff);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(&l, ISR0 + 0x10 * i), 0);
		assert_int_equal(rd(&l, TMR0 + 0x10 * i), 0);
		assert_int_equal(rd(&l, IRR0 + 0x10 * i), 0);
	}
	assert_int_equal(rd(&l, ESR), 0);
	assert_int_equal(rd(&l, ICR_LOW), 0);
	assert_int_equal(rd(&l, ICR_HIGH), 0);
	for (unsigned lvt = LVT_TIMER; lvt <= LVT_ERROR; lvt += 0x10)
		assert_int_equal(rd(&l, lvt), 0x00010000);
	assert_int_equal(rd(&l, TIMER_INITIAL), 0);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_int_equal(rd(&l, TIMER_DIVIDE), 0);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_false(vlapic_take_nmi(&l));
	assert_false(vlapic_extint_pending(&l));
	assert_int_equal(vlapic_tpr(&l), 0);
	assert_int_equal(vlapic_cr8(&l), 0);
	/* none of those reads touched a reserved slot */
	assert_int_equal(esr(&l), 0);
	/* init calls nothing */
	assert_int_equal(w.fake.deadline_calls, 0);
	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(w.eoi_count, 0);
	assert_int_equal(w.ipi_count, 0);
}

static void reset_of_an_ap(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	struct vlapic_config config = default_config;
	config.bsp = false;
	config.apic_id = 0x1ab; /* the xAPIC ID is its low 8 bits */
	start_with(&l, &w, &config);
	assert_int_equal(vlapic_base(&l), 0xfee00800);
	assert_int_equal(rd(&l, ID), 0xab000000);
}

static void init_signal_resets_all_but_base_and_id(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	assert_true(vlapic_set_base(&l, 0xfed00900)); /* relocated */
	wr(&l, ID, 0x0a000000);
	sw_enable(&l);
	wr(&l, TPR, 0x20);
	wr(&l, LDR, 0x01000000);
	wr(&l, DFR, 0x0fffffff);
	wr(&l, LVT_LINT0, 0x700);
	wr(&l, LVT_TIMER, 0x20040);
	wr(&l, TIMER_DIVIDE, 0xb);
	wr(&l, TIMER_INITIAL, 500);
	wr(&l, ICR_HIGH, 0x05000000);
	assert_true(vlapic_set_irq(&l, 0x80, true));
	vlapic_accept(&l, 0x80);
	assert_true(vlapic_set_irq(&l, 0x90, false));
	assert_true(w.fake.irq);
	vlapic_set_irq(&l, 3, false); /* an error */
	unsigned calls = w.fake.deadline_calls;

	vlapic_init_signal(&l);
	assert_int_equal(w.fake.deadline_calls, calls + 1);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_false(w.fake.irq);
	assert_int_equal(vlapic_base(&l), 0xfed00900);
	assert_int_equal(vlapic_mmio_base(&l), 0xfed00000);
	assert_int_equal(rd(&l, ID), 0x0a000000);
	assert_int_equal(rd(&l, TPR), 0);
	assert_int_equal(rd(&l, LDR), 0);
	assert_int_equal(rd(&l, DFR), 0xffffffff);
	assert_int_equal(rd(&l, SVR), 0xff);
	assert_false(isr_has(&l, 0x80));
	assert_false(tmr_has(&l, 0x80));
	assert_false(irr_has(&l, 0x90));
	for (unsigned lvt = LVT_TIMER; lvt <= LVT_ERROR; lvt += 0x10)
		assert_int_equal(rd(&l, lvt), 0x00010000);
	assert_int_equal(rd(&l, TIMER_INITIAL), 0);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_int_equal(rd(&l, TIMER_DIVIDE), 0);
	assert_int_equal(rd(&l, ICR_HIGH), 0);
	assert_int_equal(esr(&l), 0);
}

/* xAPIC registers ------------------------------------------------------------------------ */

static void xapic_register_masks(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	wr(&l, SVR, 0xffffffff);
	assert_int_equal(rd(&l, SVR), 0x3ff); /* vector, enable, focus-check off */
	wr(&l, ID, 0xffffffff);
	assert_int_equal(rd(&l, ID), 0xff000000);
	wr(&l, TPR, 0xffffffff);
	assert_int_equal(rd(&l, TPR), 0xff);
	wr(&l, TPR, 0);
	wr(&l, LDR, 0xffffffff);
	assert_int_equal(rd(&l, LDR), 0xff000000);
	wr(&l, DFR, 0);
	assert_int_equal(rd(&l, DFR), 0x0fffffff);
	wr(&l, DFR, 0xffffffff);
	assert_int_equal(rd(&l, DFR), 0xffffffff);
	wr(&l, ICR_HIGH, 0xffffffff);
	assert_int_equal(rd(&l, ICR_HIGH), 0xff000000);
	/* all ones: a reserved delivery mode to all but self, passed on as written */
	wr(&l, ICR_LOW, 0xffffffff);
	assert_int_equal(rd(&l, ICR_LOW), 0x000ccfff);
	assert_int_equal(w.ipi_count, 1);
	assert_int_equal(w.ipis[0].dest, 0xff);
	assert_int_equal(w.ipis[0].icr_low, 0x000ccfff);
	wr(&l, LVT_THERMAL, 0xffffffff);
	assert_int_equal(rd(&l, LVT_THERMAL), 0x000107ff);
	wr(&l, LVT_PERF, 0xffffffff);
	assert_int_equal(rd(&l, LVT_PERF), 0x000107ff);
	wr(&l, LVT_LINT0, 0xffffffff);
	assert_int_equal(rd(&l, LVT_LINT0), 0x0001a7ff);
	wr(&l, LVT_LINT1, 0xffffffff); /* no trigger bit 15 on LINT1 */
	assert_int_equal(rd(&l, LVT_LINT1), 0x000127ff);
	wr(&l, LVT_ERROR, 0xffffffff);
	assert_int_equal(rd(&l, LVT_ERROR), 0x000100ff);
	wr(&l, TIMER_DIVIDE, 0xffffffff);
	assert_int_equal(rd(&l, TIMER_DIVIDE), 0xb);
	wr(&l, TIMER_INITIAL, 0xffffffff);
	assert_int_equal(rd(&l, TIMER_INITIAL), 0xffffffff);
	wr(&l, LVT_TIMER, 0xfffdffff); /* mode 10: TSC-deadline */
	assert_int_equal(rd(&l, LVT_TIMER), 0x000500ff);
	wr(&l, LVT_TIMER, 0xffffffff); /* mode 11 is reserved: the write is ignored */
	assert_int_equal(rd(&l, LVT_TIMER), 0x000500ff);
	wr(&l, LVT_TIMER, 0xfffbffff);
	assert_int_equal(rd(&l, LVT_TIMER), 0x000300ff);
	assert_int_equal(esr(&l), 0);
}

static void xapic_read_only_registers_ignore_writes(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	vlapic_set_irq(&l, 0x41, true);
	vlapic_accept(&l, 0x41);
	vlapic_set_irq(&l, 0x42, false);
	static const unsigned read_only[] = { VERSION, APR, PPR, RRD, ISR0 + 0x20, TMR0 + 0x20,
					      IRR0 + 0x20, TIMER_CURRENT };
	for (unsigned i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++)
		wr(&l, read_only[i], 0xffffffff);
	assert_int_equal(rd(&l, VERSION), 0x00050014);
	assert_int_equal(rd(&l, APR), 0);
	assert_int_equal(rd(&l, PPR), 0x40);
	assert_int_equal(rd(&l, RRD), 0);
	assert_int_equal(rd(&l, ISR0 + 0x20), 0x2);
	assert_int_equal(rd(&l, TMR0 + 0x20), 0x2);
	assert_int_equal(rd(&l, IRR0 + 0x20), 0x4);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_int_equal(esr(&l), 0); /* not an illegal register */
}

static void reserved_slots_set_illegal_register_address(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, LVT_ERROR, 0xe3);
	static const unsigned reserved[] = { 0x000, 0x010, 0x040, 0x070, 0x290, 0x2e0, CMCI,
					     0x3a0, 0x3d0, 0x3f0, 0x400, 0xff0 };
	for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		assert_int_equal(rd(&l, reserved[i]), 0);
		assert_int_equal(esr(&l), 0x80);
		wr(&l, reserved[i], 0xffffffff);
		assert_int_equal(esr(&l), 0x80);
	}
	/* the error interrupt: once per new error bit, so once per ESR write here */
	assert_true(irr_has(&l, 0xe3));
	/* an ignored write shape does not count as an access */
	vlapic_mmio_write(&l, 0x3f0, 2, 0);
	vlapic_mmio_write(&l, 0x3f4, 4, 0);
	assert_int_equal(esr(&l), 0);
}

static void mmio_access_sizes(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	wr(&l, TPR, 0xa5);
	wr(&l, ICR_HIGH, 0x7f000000);
	/* reads: the register's bytes 0-3 that fall in the access, 0 elsewhere */
	assert_int_equal(vlapic_mmio_read(&l, TPR, 1), 0xa5);
	assert_int_equal(vlapic_mmio_read(&l, TPR + 1, 1), 0);
	assert_int_equal(vlapic_mmio_read(&l, ID + 2, 2), 0x0300);
	assert_int_equal(vlapic_mmio_read(&l, ID + 3, 1), 0x03);
	assert_int_equal(vlapic_mmio_read(&l, ID, 8), 0x03000000);
	assert_int_equal(vlapic_mmio_read(&l, ID + 4, 4), 0);
	assert_int_equal(vlapic_mmio_read(&l, ICR_LOW + 12, 8), 0x7f00000000000000ull);
	assert_int_equal(vlapic_mmio_read(&l, ICR_LOW + 14, 8), 0x7f0000000000ull);
	/* writes: only 4 bytes at a register's start */
	vlapic_mmio_write(&l, TPR, 1, 0x11);
	vlapic_mmio_write(&l, TPR, 2, 0x11);
	vlapic_mmio_write(&l, TPR, 8, 0x11);
	vlapic_mmio_write(&l, TPR + 4, 4, 0x11);
	vlapic_mmio_write(&l, TPR + 1, 4, 0x11);
	assert_int_equal(rd(&l, TPR), 0xa5);
	vlapic_mmio_write(&l, TPR, 4, 0xffffff11);
	assert_int_equal(rd(&l, TPR), 0x11);
	assert_int_equal(esr(&l), 0);
}

static void mmio_page_edges(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	assert_int_equal(vlapic_mmio_read(&l, 0xffc, 8), 0); /* slot 0xff0 bytes 12-15, then outside */
	assert_int_equal(esr(&l), 0);
	assert_int_equal(vlapic_mmio_read(&l, 0xff0, 4), 0);
	assert_int_equal(esr(&l), 0x80);
	assert_int_equal(vlapic_mmio_read(&l, 0x1000, 4), 0);
	vlapic_mmio_write(&l, 0x1080, 4, 0x30);
	assert_int_equal(esr(&l), 0);
	assert_int_equal(rd(&l, TPR), 0);
}

/* Software disable -------------------------------------------------------------------------- */

static void software_disable_masks_the_lvts(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	/* at reset (disabled) unmasking does not take */
	wr(&l, LVT_LINT0, 0x700);
	assert_int_equal(rd(&l, LVT_LINT0), 0x10700);
	sw_enable(&l);
	for (unsigned lvt = LVT_TIMER; lvt <= LVT_ERROR; lvt += 0x10)
		wr(&l, lvt, 0x40);
	assert_true(vlapic_set_irq(&l, 0x70, false));
	wr(&l, SVR, 0x0ff);
	for (unsigned lvt = LVT_TIMER; lvt <= LVT_ERROR; lvt += 0x10)
		assert_int_equal(rd(&l, lvt), 0x10040);
	wr(&l, LVT_ERROR, 0x41);
	assert_int_equal(rd(&l, LVT_ERROR), 0x10041);
	/* IRR is held and still offered; new fixed interrupts are refused */
	assert_int_equal(vlapic_pending_vector(&l), 0x70);
	assert_false(vlapic_set_irq(&l, 0x80, false));
	assert_false(irr_has(&l, 0x80));
	/* enabled again: the LVTs stay masked until written */
	sw_enable(&l);
	assert_int_equal(rd(&l, LVT_ERROR), 0x10041);
	wr(&l, LVT_ERROR, 0x41);
	assert_int_equal(rd(&l, LVT_ERROR), 0x41);
	assert_true(vlapic_set_irq(&l, 0x80, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_values),
		cmocka_unit_test(reset_of_an_ap),
		cmocka_unit_test(init_signal_resets_all_but_base_and_id),
		cmocka_unit_test(xapic_register_masks),
		cmocka_unit_test(xapic_read_only_registers_ignore_writes),
		cmocka_unit_test(reserved_slots_set_illegal_register_address),
		cmocka_unit_test(mmio_access_sizes),
		cmocka_unit_test(mmio_page_edges),
		cmocka_unit_test(software_disable_masks_the_lvts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
