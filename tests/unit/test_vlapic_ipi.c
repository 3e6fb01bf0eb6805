/* IPIs through the local APIC's ICR (vmm/dev/vlapic_irq.c), in xAPIC and x2APIC mode:
 * destinations, shorthands, NMI and lowest priority, illegal vectors, SELF IPI, and the
 * delivery modes that go nowhere; and the optional callbacks left out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/vlapic_fixture.h"

static void icr_destinations_xapic(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	/* physical, our ID: ours alone */
	wr(&l, ICR_HIGH, APIC_ID << 24);
	wr(&l, ICR_LOW, 0x4051); /* fixed, level assert: IPIs are edge all the same */
	assert_true(irr_has(&l, 0x51));
	assert_false(tmr_has(&l, 0x51));
	assert_int_equal(rd(&l, ICR_LOW), 0x4051); /* delivery status 0: done */
	assert_int_equal(w.ipi_count, 0);
	/* physical, another ID */
	wr(&l, ICR_HIGH, 0x04000000);
	wr(&l, ICR_LOW, 0x52);
	assert_false(irr_has(&l, 0x52));
	assert_int_equal(w.ipi_count, 1);
	assert_int_equal(w.ipis[0].dest, 4);
	assert_int_equal(w.ipis[0].icr_low, 0x52);
	/* physical broadcast: ours and the others' */
	wr(&l, ICR_HIGH, 0xff000000);
	wr(&l, ICR_LOW, 0x53);
	assert_true(irr_has(&l, 0x53));
	assert_int_equal(w.ipi_count, 2);
	assert_int_equal(w.ipis[1].dest, 0xff);
	/* logical, flat model */
	wr(&l, LDR, 0x02000000);
	wr(&l, ICR_HIGH, 0x03000000);
	wr(&l, ICR_LOW, 0x854);
	assert_true(irr_has(&l, 0x54));
	assert_int_equal(w.ipi_count, 3); /* others may have bit 0 */
	assert_int_equal(w.ipis[2].dest, 3);
	assert_int_equal(w.ipis[2].icr_low, 0x854);
	wr(&l, ICR_HIGH, 0x01000000);
	wr(&l, ICR_LOW, 0x855);
	assert_false(irr_has(&l, 0x55));
	assert_int_equal(w.ipi_count, 4);
	/* logical, cluster model: cluster 2, member bit 1 */
	wr(&l, DFR, 0x0fffffff);
	wr(&l, LDR, 0x22000000);
	assert_true(vlapic_match_dest(&l, 0x22, true));
	assert_true(vlapic_match_dest(&l, 0x2f, true));
	assert_false(vlapic_match_dest(&l, 0x21, true));
	assert_false(vlapic_match_dest(&l, 0x12, true));
	assert_true(vlapic_match_dest(&l, 0xff, true));
	assert_false(vlapic_match_dest(&l, 0x22, false));
	assert_true(vlapic_match_dest(&l, APIC_ID, false));
	wr(&l, ICR_HIGH, 0x26000000);
	wr(&l, ICR_LOW, 0x856);
	assert_true(irr_has(&l, 0x56));
	/* the ID register decides in xAPIC mode */
	wr(&l, ID, 0x09000000);
	assert_true(vlapic_match_dest(&l, 9, false));
	assert_false(vlapic_match_dest(&l, APIC_ID, false));
}

static void icr_shorthands(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, ICR_HIGH, 0x07000000); /* ignored with a shorthand, passed on as is */
	wr(&l, ICR_LOW, 0x40061);     /* self */
	assert_true(irr_has(&l, 0x61));
	assert_int_equal(w.ipi_count, 0);
	wr(&l, ICR_LOW, 0x80062);     /* all including self */
	assert_true(irr_has(&l, 0x62));
	assert_int_equal(w.ipi_count, 1);
	assert_int_equal(w.ipis[0].dest, 7);
	assert_int_equal(w.ipis[0].icr_low, 0x80062);
	wr(&l, ICR_LOW, 0xc0063);     /* all excluding self */
	assert_false(irr_has(&l, 0x63));
	assert_int_equal(w.ipi_count, 2);
	assert_int_equal(w.ipis[1].icr_low, 0xc0063);
	wr(&l, ICR_LOW, 0xc4500);     /* INIT to all excluding self */
	assert_int_equal(w.ipi_count, 3);
	assert_int_equal(w.ipis[2].icr_low, 0xc4500);
	wr(&l, ICR_LOW, 0xc0608);     /* SIPI, vector 8: not an illegal vector */
	assert_int_equal(w.ipi_count, 4);
	assert_int_equal(w.ipis[3].icr_low, 0xc0608);
	/* self and all-including-self take fixed only: the rest send nothing */
	wr(&l, ICR_LOW, 0x40400);
	wr(&l, ICR_LOW, 0x80400);
	wr(&l, ICR_LOW, 0x40164);
	wr(&l, ICR_LOW, 0x80165);
	assert_false(vlapic_take_nmi(&l));
	assert_false(irr_has(&l, 0x64));
	assert_false(irr_has(&l, 0x65));
	assert_int_equal(w.ipi_count, 4);
	assert_int_equal(esr(&l), 0);
}

static void icr_nmi_and_lowest_priority(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, ICR_HIGH, APIC_ID << 24);
	wr(&l, ICR_LOW, 0x400); /* NMI to our ID */
	assert_true(w.fake.irq);
	assert_true(vlapic_take_nmi(&l));
	assert_false(w.fake.irq);
	assert_false(vlapic_take_nmi(&l));
	assert_int_equal(w.ipi_count, 0);
	/* lowest priority: taken here when the destination names us, else passed on */
	wr(&l, ICR_LOW, 0x171);
	assert_true(irr_has(&l, 0x71));
	wr(&l, ICR_HIGH, 0xff000000);
	wr(&l, ICR_LOW, 0x172);
	assert_true(irr_has(&l, 0x72));
	assert_int_equal(w.ipi_count, 0);
	wr(&l, ICR_HIGH, 0x05000000);
	wr(&l, ICR_LOW, 0x173);
	assert_false(irr_has(&l, 0x73));
	assert_int_equal(w.ipi_count, 1);
	assert_int_equal(w.ipis[0].icr_low, 0x173);
}

static void icr_illegal_vectors(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, ICR_HIGH, 0xff000000);
	wr(&l, ICR_LOW, 0x0f);      /* fixed */
	wr(&l, ICR_LOW, 0xc010f);   /* lowest priority */
	assert_int_equal(w.ipi_count, 0);
	assert_int_equal(rd(&l, IRR0), 0);
	assert_int_equal(esr(&l), 0x20);
	wr(&l, ICR_LOW, 0x400);     /* NMI: the vector does not matter */
	assert_true(vlapic_take_nmi(&l));
	assert_int_equal(w.ipi_count, 1);
	assert_int_equal(esr(&l), 0);
}

static void x2apic_icr_and_self_ipi(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	struct vlapic_config config = default_config;
	config.apic_id = 0x123;
	start_with(&l, &w, &config);
	to_x2apic(&l);
	assert_true(vlapic_msr_write(&l, 0x80f, 0x1ff));
	assert_true(vlapic_msr_write(&l, 0x830, 0x12300000041ull));
	assert_int_equal(rdmsr(&l, 0x822), 2);
	assert_int_equal(w.ipi_count, 0);
	assert_true(vlapic_msr_write(&l, 0x830, 0x700000042ull));
	assert_int_equal(w.ipi_count, 1);
	assert_int_equal(w.ipis[0].dest, 7);
	assert_int_equal(w.ipis[0].icr_low, 0x42);
	/* logical: cluster 0x12, bit 3 is us */
	assert_true(vlapic_msr_write(&l, 0x830, 0x0012000800000843ull));
	assert_int_equal(rdmsr(&l, 0x822), 0xa);
	assert_int_equal(w.ipi_count, 2);
	assert_true(vlapic_msr_write(&l, 0x830, 0x0012000100000844ull));
	assert_int_equal(rdmsr(&l, 0x822), 0xa);
	assert_int_equal(w.ipi_count, 3);
	assert_false(vlapic_match_dest(&l, 0x00130008, true));
	assert_true(vlapic_match_dest(&l, 0xffffffff, true));
	assert_true(vlapic_match_dest(&l, 0xffffffff, false));
	assert_false(vlapic_match_dest(&l, 0x23, false));
	/* SELF IPI: vector 7:0, fixed, edge, to us only */
	assert_true(vlapic_msr_write(&l, 0x83f, 0x77));
	assert_int_equal(rdmsr(&l, 0x823), 1u << 23);
	assert_int_equal(rdmsr(&l, 0x81b), 0);
	assert_int_equal(w.ipi_count, 3);
	assert_true(vlapic_msr_write(&l, 0x83f, 0x0f));
	assert_true(vlapic_msr_write(&l, 0x828, 0));
	assert_int_equal(rdmsr(&l, 0x828), 0x20);
	uint64_t value;
	assert_false(vlapic_msr_read(&l, 0x83f, &value));
}

static void init_startup_and_smi_to_self_are_dropped(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, ICR_HIGH, APIC_ID << 24);
	wr(&l, ICR_LOW, 0x4500); /* INIT */
	wr(&l, ICR_LOW, 0x0608); /* start-up */
	wr(&l, ICR_LOW, 0x0200); /* SMI */
	assert_int_equal(w.ipi_count, 0);
	assert_false(vlapic_take_nmi(&l));
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_false(w.fake.irq);
	/* LVT delivery modes SMI and INIT on the pins: nothing either */
	wr(&l, LVT_LINT0, 0x200);
	wr(&l, LVT_LINT1, 0x500);
	vlapic_lint(&l, 0, true);
	vlapic_lint(&l, 1, true);
	assert_false(vlapic_take_nmi(&l));
	assert_false(vlapic_extint_pending(&l));
	assert_int_equal(vlapic_pending_vector(&l), -1);
}

static void optional_callbacks_may_be_null(void **state)
{
	(void)state;
	struct world w = { .fake = { .now = 1000 } };
	struct vlapic l;
	struct vlapic_env env = {
		.dev = { .ctx = &w, .now_ns = fake_now, .set_deadline = fake_set_deadline },
	};
	vlapic_init(&l, &default_config, &env);
	sw_enable(&l);
	assert_true(vlapic_set_irq(&l, 0x40, true)); /* no set_irq */
	service(&l, 0x40);                           /* no eoi */
	wr(&l, ICR_HIGH, 0xff000000);
	wr(&l, ICR_LOW, 0x41);                       /* no send_ipi */
	assert_int_equal(vlapic_pending_vector(&l), 0x41);
	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(w.eoi_count, 0);
	assert_int_equal(w.ipi_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(icr_destinations_xapic),
		cmocka_unit_test(icr_shorthands),
		cmocka_unit_test(icr_nmi_and_lowest_priority),
		cmocka_unit_test(icr_illegal_vectors),
		cmocka_unit_test(x2apic_icr_and_self_ipi),
		cmocka_unit_test(init_startup_and_smi_to_self_are_dropped),
		cmocka_unit_test(optional_callbacks_may_be_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
