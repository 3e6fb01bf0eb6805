#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fake_platform.h"

#include "vmm/dev/vlapic.h"

/* xAPIC register offsets (SDM vol.3 Table 11-1), spelled out here rather than shared with
 * the model. */
enum {
	ID = 0x020, VERSION = 0x030, TPR = 0x080, APR = 0x090, PPR = 0x0a0, EOI = 0x0b0,
	RRD = 0x0c0, LDR = 0x0d0, DFR = 0x0e0, SVR = 0x0f0, ISR0 = 0x100, TMR0 = 0x180,
	IRR0 = 0x200, ESR = 0x280, CMCI = 0x2f0, ICR_LOW = 0x300, ICR_HIGH = 0x310,
	LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340, LVT_LINT0 = 0x350,
	LVT_LINT1 = 0x360, LVT_ERROR = 0x370, TIMER_INITIAL = 0x380, TIMER_CURRENT = 0x390,
	TIMER_DIVIDE = 0x3e0,
};

#define NEVER DEVICE_NO_DEADLINE
#define APIC_ID 3

/* What the model did to the world around it. */
struct world {
	struct fake_platform fake; /* first: the callbacks' context is the world */
	uint8_t eois[8];
	unsigned eoi_count;
	struct { uint32_t dest, icr_low; } ipis[8];
	unsigned ipi_count;
};




static void fake_eoi(void *ctx, uint8_t vector)
{
	struct world *w = ctx;
	assert_true(w->eoi_count < 8);
	w->eois[w->eoi_count++] = vector;
}

static void fake_send_ipi(void *ctx, uint32_t dest, uint32_t icr_low)
{
	struct world *w = ctx;
	assert_true(w->ipi_count < 8);
	w->ipis[w->ipi_count].dest = dest;
	w->ipis[w->ipi_count].icr_low = icr_low;
	w->ipi_count++;
}

/* The guest's TSC runs at 2 GHz from 0; a TSC of all ones is never reached. */
static uint64_t fake_tsc_to_ns(void *ctx, uint64_t tsc)
{
	(void)ctx;
	return tsc == UINT64_MAX ? DEVICE_NO_DEADLINE : tsc / 2;
}

static const struct vlapic_config default_config = {
	.apic_id = APIC_ID, .bsp = true, .x2apic = true, .tsc_deadline = true, .maxphyaddr = 39,
};

static void start_with(struct vlapic *l, struct world *w, const struct vlapic_config *config)
{
	*w = (struct world){ .fake = { .now = 1000, .deadline = 12345 } };
	struct vlapic_env env = {
		.dev = { .ctx = w, .now_ns = fake_now, .set_deadline = fake_set_deadline,
			 .set_irq = fake_set_irq },
		.eoi = fake_eoi,
		.send_ipi = fake_send_ipi,
		.tsc_to_ns = fake_tsc_to_ns,
	};
	vlapic_init(l, config, &env);
}

static void start(struct vlapic *l, struct world *w)
{
	start_with(l, w, &default_config);
}

static uint32_t rd(struct vlapic *l, unsigned offset)
{
	return (uint32_t)vlapic_mmio_read(l, offset, 4);
}

static void wr(struct vlapic *l, unsigned offset, uint32_t value)
{
	vlapic_mmio_write(l, offset, 4, value);
}

/* ESR as software reads it: write, then read (§11.5.3). */
static uint32_t esr(struct vlapic *l)
{
	wr(l, ESR, 0);
	return rd(l, ESR);
}

static void sw_enable(struct vlapic *l)
{
	wr(l, SVR, 0x1ff);
}

static bool irr_has(struct vlapic *l, uint8_t v)
{
	return (rd(l, IRR0 + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static bool tmr_has(struct vlapic *l, uint8_t v)
{
	return (rd(l, TMR0 + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static bool isr_has(struct vlapic *l, uint8_t v)
{
	return (rd(l, ISR0 + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static void to_x2apic(struct vlapic *l)
{
	assert_true(vlapic_set_base(l, 0xfee00000 | 0xc00 | 0x100));
	assert_true(vlapic_x2apic_mode(l));
}

static uint64_t rdmsr(struct vlapic *l, uint32_t msr)
{
	uint64_t value = 0xdeadbeef;
	assert_true(vlapic_msr_read(l, msr, &value));
	return value;
}

/* Takes and ends the interrupt the APIC offers, checking it is vector. */
static void service(struct vlapic *l, int vector)
{
	assert_int_equal(vlapic_pending_vector(l), vector);
	vlapic_accept(l, (uint8_t)vector);
	wr(l, EOI, 0);
}

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

/* What a lower TPR alone would let through: the highest requested vector's class, when it
 * is above the in-service class and at or below TPR's. */
static void tpr_held_class(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	assert_int_equal(vlapic_tpr_held_class(&l), 0); /* nothing requested */
	wr(&l, TPR, 0x70);
	vlapic_set_irq(&l, 0x65, false);
	assert_int_equal(vlapic_tpr_held_class(&l), 6);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	vlapic_set_irq(&l, 0x75, false); /* its own class: held too */
	assert_int_equal(vlapic_tpr_held_class(&l), 7);
	vlapic_set_irq(&l, 0x85, false); /* above TPR: pending, not held */
	assert_int_equal(vlapic_tpr_held_class(&l), 0);
	vlapic_accept(&l, 0x85);
	assert_int_equal(vlapic_tpr_held_class(&l), 0); /* 0x75 waits for the EOI of 0x85 */
	wr(&l, EOI, 0);
	assert_int_equal(vlapic_tpr_held_class(&l), 7);
	assert_true(vlapic_set_cr8(&l, 0));
	assert_int_equal(vlapic_tpr_held_class(&l), 0);
	assert_int_equal(vlapic_pending_vector(&l), 0x75);
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

/* IA32_APIC_BASE --------------------------------------------------------------------------- */

static void apic_base_transitions(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	/* xAPIC -> invalid (EN 0, EXTD 1) */
	assert_false(vlapic_set_base(&l, 0xfee00500));
	assert_int_equal(vlapic_base(&l), 0xfee00900);
	/* xAPIC -> x2APIC */
	assert_true(vlapic_set_base(&l, 0xfee00d00));
	assert_true(vlapic_x2apic_mode(&l));
	assert_int_equal(vlapic_base(&l), 0xfee00d00);
	/* x2APIC -> xAPIC, x2APIC -> invalid */
	assert_false(vlapic_set_base(&l, 0xfee00900));
	assert_false(vlapic_set_base(&l, 0xfee00500));
	assert_int_equal(vlapic_base(&l), 0xfee00d00);
	/* x2APIC -> x2APIC (same state) */
	assert_true(vlapic_set_base(&l, 0xfee00d00));
	/* x2APIC -> disabled */
	assert_true(vlapic_set_base(&l, 0xfee00100));
	assert_false(vlapic_hw_enabled(&l));
	assert_false(vlapic_x2apic_mode(&l));
	assert_int_equal(vlapic_base(&l), 0xfee00100);
	/* disabled -> x2APIC, disabled -> invalid */
	assert_false(vlapic_set_base(&l, 0xfee00d00));
	assert_false(vlapic_set_base(&l, 0xfee00500));
	assert_int_equal(vlapic_base(&l), 0xfee00100);
	/* disabled -> disabled, disabled -> xAPIC */
	assert_true(vlapic_set_base(&l, 0xfee00100));
	assert_true(vlapic_set_base(&l, 0xfee00900));
	assert_true(vlapic_hw_enabled(&l));
	assert_false(vlapic_x2apic_mode(&l));
	/* xAPIC -> disabled */
	assert_true(vlapic_set_base(&l, 0xfee00100));
	assert_false(vlapic_hw_enabled(&l));
}

static void apic_base_reserved_bits(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	for (unsigned bit = 0; bit < 8; bit++)
		assert_false(vlapic_set_base(&l, 0xfee00900 | (1ull << bit)));
	assert_false(vlapic_set_base(&l, 0xfee00900 | (1ull << 9)));
	for (unsigned bit = 39; bit < 64; bit++) /* MAXPHYADDR 39 */
		assert_false(vlapic_set_base(&l, 0xfee00900 | (1ull << bit)));
	assert_int_equal(vlapic_base(&l), 0xfee00900);
	assert_true(vlapic_set_base(&l, 0x7ffffff000ull | 0x900));
	assert_int_equal(vlapic_mmio_base(&l), 0x7ffffff000ull);
	/* BSP is read-only: neither cleared nor set by a write */
	assert_true(vlapic_set_base(&l, 0xfee00800));
	assert_int_equal(vlapic_base(&l), 0xfee00900);
	struct vlapic_config config = default_config;
	config.bsp = false;
	config.x2apic = false;
	config.maxphyaddr = 36;
	start_with(&l, &w, &config);
	assert_true(vlapic_set_base(&l, 0xfee00900));
	assert_int_equal(vlapic_base(&l), 0xfee00800);
	/* no x2APIC offered: EXTD is reserved */
	assert_false(vlapic_set_base(&l, 0xfee00c00));
	assert_false(vlapic_set_base(&l, 1ull << 36 | 0x800));
	assert_true(vlapic_set_base(&l, 0xfedcb000ull | 0x800));
	assert_int_equal(vlapic_base(&l), 0xfedcb800);
}

static void relocation_moves_the_page(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	assert_true(vlapic_set_base(&l, 0x12345900));
	assert_int_equal(vlapic_mmio_base(&l), 0x12345000);
	assert_int_equal(vlapic_base(&l), 0x12345900);
	wr(&l, TPR, 0x20); /* the page's offsets are unchanged */
	assert_int_equal(rd(&l, TPR), 0x20);
	assert_true(vlapic_set_base(&l, 0x12345d00));
	assert_int_equal(vlapic_mmio_base(&l), VLAPIC_NO_MMIO);
	assert_true(vlapic_set_base(&l, 0x54321100));
	assert_int_equal(vlapic_mmio_base(&l), VLAPIC_NO_MMIO);
	assert_true(vlapic_set_base(&l, 0x54321900));
	assert_int_equal(vlapic_mmio_base(&l), 0x54321000);
}

static void hardware_disable_resets_the_apic(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, ID, 0x0a000000);
	wr(&l, TPR, 0x10);
	wr(&l, LDR, 0x04000000);
	wr(&l, LVT_TIMER, 0x40);
	wr(&l, TIMER_INITIAL, 1000);
	assert_int_equal(w.fake.deadline, 3000);
	vlapic_set_irq(&l, 0x91, true);
	vlapic_accept(&l, 0x91);
	vlapic_set_irq(&l, 0xa1, false);
	assert_true(w.fake.irq);

	assert_true(vlapic_set_base(&l, 0xfee00100));
	assert_int_equal(w.fake.deadline, NEVER);
	assert_false(w.fake.irq);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	/* disabled: no page, no MSRs, no interrupts */
	assert_int_equal(vlapic_mmio_read(&l, TPR, 4), UINT64_MAX);
	uint64_t value;
	assert_false(vlapic_msr_read(&l, 0x808, &value));
	assert_false(vlapic_msr_write(&l, 0x808, 0));
	assert_false(vlapic_set_irq(&l, 0x40, false));
	vlapic_nmi(&l);
	assert_false(vlapic_take_nmi(&l));
	assert_false(vlapic_match_dest(&l, 0xff, false));
	vlapic_set_tsc_deadline(&l, 100);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);

	assert_true(vlapic_set_base(&l, 0xfee00900));
	assert_int_equal(rd(&l, ID), 0x0a000000); /* the ID survives */
	assert_int_equal(rd(&l, TPR), 0);
	assert_int_equal(rd(&l, LDR), 0);
	assert_int_equal(rd(&l, SVR), 0xff);
	assert_false(isr_has(&l, 0x91));
	assert_false(tmr_has(&l, 0x91));
	assert_false(irr_has(&l, 0xa1));
	assert_int_equal(rd(&l, LVT_TIMER), 0x10000);
	assert_int_equal(rd(&l, TIMER_INITIAL), 0);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
}

/* x2APIC ------------------------------------------------------------------------------------ */

static bool in_list(uint32_t msr, const uint32_t *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == msr)
			return true;
	return false;
}

static void x2apic_msr_map(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	uint64_t value;
	/* not in x2APIC mode: every MSR #GPs */
	assert_false(vlapic_msr_read(&l, 0x808, &value));
	assert_false(vlapic_msr_write(&l, 0x808, 0));
	assert_false(vlapic_msr_read(&l, 0x802, &value));
	to_x2apic(&l);

	static const uint32_t readable[] = {
		0x802, 0x803, 0x808, 0x80a, 0x80d, 0x80f,
		0x810, 0x811, 0x812, 0x813, 0x814, 0x815, 0x816, 0x817,
		0x818, 0x819, 0x81a, 0x81b, 0x81c, 0x81d, 0x81e, 0x81f,
		0x820, 0x821, 0x822, 0x823, 0x824, 0x825, 0x826, 0x827,
		0x828, 0x830, 0x832, 0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x839, 0x83e,
	};
	static const uint32_t writable[] = {
		0x808, 0x80b, 0x80f, 0x828, 0x830, 0x832, 0x833, 0x834, 0x835, 0x836, 0x837,
		0x838, 0x83e, 0x83f,
	};
	size_t nr = sizeof(readable) / sizeof(readable[0]);
	size_t nw = sizeof(writable) / sizeof(writable[0]);
	for (uint32_t msr = 0x7ff; msr <= 0x900; msr++) {
		bool r = in_list(msr, readable, nr);
		value = 0x5a5a;
		assert_int_equal(vlapic_msr_read(&l, msr, &value), r);
		if (!r)
			assert_int_equal(value, 0x5a5a);
		assert_int_equal(vlapic_msr_write(&l, msr, 0), in_list(msr, writable, nw));
	}
}

static void x2apic_register_values(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	struct vlapic_config config = default_config;
	config.apic_id = 0x123;
	start_with(&l, &w, &config);
	to_x2apic(&l);
	assert_int_equal(rdmsr(&l, 0x802), 0x123);
	assert_int_equal(rdmsr(&l, 0x803), 0x00050014);
	assert_int_equal(rdmsr(&l, 0x808), 0);
	assert_int_equal(rdmsr(&l, 0x80a), 0);
	assert_int_equal(rdmsr(&l, 0x80d), 0x00120008); /* cluster 0x12, bit 3 */
	assert_int_equal(rdmsr(&l, 0x80f), 0xff);
	for (uint32_t msr = 0x810; msr < 0x828; msr++)
		assert_int_equal(rdmsr(&l, msr), 0);
	assert_int_equal(rdmsr(&l, 0x828), 0);
	assert_int_equal(rdmsr(&l, 0x830), 0);
	for (uint32_t msr = 0x832; msr <= 0x837; msr++)
		assert_int_equal(rdmsr(&l, msr), 0x10000);
	assert_int_equal(rdmsr(&l, 0x838), 0);
	assert_int_equal(rdmsr(&l, 0x839), 0);
	assert_int_equal(rdmsr(&l, 0x83e), 0);
	/* the same registers as in xAPIC mode behind the MSRs */
	assert_true(vlapic_msr_write(&l, 0x80f, 0x1ff));
	assert_true(vlapic_msr_write(&l, 0x808, 0x30));
	assert_int_equal(rdmsr(&l, 0x80a), 0x30);
	assert_true(vlapic_set_irq(&l, 0x99, true));
	assert_int_equal(rdmsr(&l, 0x824), 1u << 25);
	assert_int_equal(rdmsr(&l, 0x81c), 1u << 25);
	vlapic_accept(&l, 0x99);
	assert_int_equal(rdmsr(&l, 0x814), 1u << 25);
	assert_true(vlapic_msr_write(&l, 0x80b, 0));
	assert_int_equal(rdmsr(&l, 0x814), 0);
	assert_int_equal(w.eoi_count, 1);
	assert_int_equal(w.eois[0], 0x99);
	/* the page is gone */
	assert_int_equal(vlapic_mmio_read(&l, TPR, 4), UINT64_MAX);
	vlapic_mmio_write(&l, TPR, 4, 0x70);
	assert_int_equal(rdmsr(&l, 0x808), 0x30);
	assert_int_equal(vlapic_mmio_base(&l), VLAPIC_NO_MMIO);
}

static void x2apic_ids(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	struct vlapic_config config = default_config;
	config.apic_id = 5;
	start_with(&l, &w, &config);
	wr(&l, ID, 0x07000000); /* xAPIC ID changed: the x2APIC ID is still the initial one */
	wr(&l, LDR, 0x01000000);
	to_x2apic(&l);
	assert_int_equal(rdmsr(&l, 0x802), 5);
	assert_int_equal(rdmsr(&l, 0x80d), 0x00000020);
	config.apic_id = 0xfedcba98; /* LDR takes ID bits 19:4 as its cluster */
	start_with(&l, &w, &config);
	assert_int_equal(rd(&l, ID), 0x98000000);
	to_x2apic(&l);
	assert_int_equal(rdmsr(&l, 0x802), 0xfedcba98);
	assert_int_equal(rdmsr(&l, 0x80d), 0xcba90100);
	/* INIT in x2APIC mode keeps the mode and derives LDR again */
	vlapic_init_signal(&l);
	assert_true(vlapic_x2apic_mode(&l));
	assert_int_equal(rdmsr(&l, 0x80d), 0xcba90100);
	/* through disabled back to xAPIC: LDR 0, the xAPIC ID kept */
	assert_true(vlapic_set_base(&l, 0xfee00100));
	assert_true(vlapic_set_base(&l, 0xfee00900));
	assert_int_equal(rd(&l, ID), 0x98000000);
	assert_int_equal(rd(&l, LDR), 0);
}

static void x2apic_reserved_bits(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	to_x2apic(&l);
	assert_true(vlapic_msr_write(&l, 0x80f, 0x3ff));
	assert_int_equal(rdmsr(&l, 0x80f), 0x3ff);
	assert_false(vlapic_msr_write(&l, 0x80f, 0x400));
	assert_false(vlapic_msr_write(&l, 0x80f, 0x1000)); /* no EOI-broadcast suppression */
	assert_false(vlapic_msr_write(&l, 0x808, 0x100));
	assert_false(vlapic_msr_write(&l, 0x808, 1ull << 32));
	assert_true(vlapic_msr_write(&l, 0x808, 0xff));
	assert_int_equal(rdmsr(&l, 0x808), 0xff);
	assert_false(vlapic_msr_write(&l, 0x80b, 1));
	assert_false(vlapic_msr_write(&l, 0x828, 1));
	assert_false(vlapic_msr_write(&l, 0x83f, 0x100));
	assert_false(vlapic_msr_write(&l, 0x83e, 0x4));
	assert_true(vlapic_msr_write(&l, 0x83e, 0xb));
	assert_false(vlapic_msr_write(&l, 0x838, 1ull << 32));
	/* LVTs: bits they do not have fault, read-only ones are ignored */
	assert_false(vlapic_msr_write(&l, 0x832, 0x80000));
	assert_false(vlapic_msr_write(&l, 0x832, 0x100)); /* no delivery mode */
	assert_false(vlapic_msr_write(&l, 0x832, 0x60000)); /* mode 11 */
	assert_true(vlapic_msr_write(&l, 0x832, 0x41040));
	assert_int_equal(rdmsr(&l, 0x832), 0x40040); /* delivery status dropped */
	assert_false(vlapic_msr_write(&l, 0x837, 0x400));
	assert_true(vlapic_msr_write(&l, 0x835, 0x1f7ff));
	assert_int_equal(rdmsr(&l, 0x835), 0x1a7ff);
	assert_true(vlapic_msr_write(&l, 0x836, 0x18400)); /* LINT1's trigger bit reads 0 */
	assert_int_equal(rdmsr(&l, 0x836), 0x10400);
	assert_false(vlapic_msr_write(&l, 0x836, 0x20000));
	assert_false(vlapic_msr_write(&l, 0x833, 0x2000));
	/* ICR: 13, 17:16, 31:20 fault; 12 (delivery status in xAPIC) is ignored */
	assert_false(vlapic_msr_write(&l, 0x830, 0x2000));
	assert_false(vlapic_msr_write(&l, 0x830, 0x10000));
	assert_false(vlapic_msr_write(&l, 0x830, 0x20000));
	assert_false(vlapic_msr_write(&l, 0x830, 0x100000));
	assert_false(vlapic_msr_write(&l, 0x830, 0x80000000));
	assert_int_equal(w.ipi_count, 0);
	assert_true(vlapic_msr_write(&l, 0x830, 0xffffffff000c5f40ull));
	assert_int_equal(rdmsr(&l, 0x830), 0xffffffff000c4f40ull);
	assert_int_equal(w.ipi_count, 1);

	/* without TSC-deadline, timer mode bit 18 is reserved */
	struct vlapic_config config = default_config;
	config.tsc_deadline = false;
	start_with(&l, &w, &config);
	wr(&l, LVT_TIMER, 0x40040); /* xAPIC: dropped */
	assert_int_equal(rd(&l, LVT_TIMER), 0x10040);
	wr(&l, LVT_TIMER, 0x60040);
	assert_int_equal(rd(&l, LVT_TIMER), 0x30040);
	to_x2apic(&l);
	assert_false(vlapic_msr_write(&l, 0x832, 0x40040));
	assert_true(vlapic_msr_write(&l, 0x832, 0x20040));
}

/* IPIs ----------------------------------------------------------------------------------------- */

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
	vlapic_lint(&l, 1, true);
	assert_true(w.fake.irq);
	assert_true(vlapic_take_nmi(&l));
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

/* The timer -------------------------------------------------------------------------------- */

static void timer_one_shot(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, LVT_TIMER, 0x40); /* divide by 2 at reset */
	assert_int_equal(w.fake.deadline_calls, 0);
	wr(&l, TIMER_INITIAL, 100);
	assert_int_equal(w.fake.deadline, 1200);
	assert_int_equal(w.fake.deadline_calls, 1);
	assert_int_equal(rd(&l, TIMER_CURRENT), 100);
	w.fake.now = 1001;
	assert_int_equal(rd(&l, TIMER_CURRENT), 100);
	w.fake.now = 1002;
	assert_int_equal(rd(&l, TIMER_CURRENT), 99);
	w.fake.now = 1100;
	assert_int_equal(rd(&l, TIMER_CURRENT), 50);
	w.fake.now = 1199;
	assert_int_equal(rd(&l, TIMER_CURRENT), 1);
	w.fake.now = 1200;
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_false(irr_has(&l, 0x40));
	w.fake.now = 1234; /* late */
	vlapic_timer(&l);
	assert_true(irr_has(&l, 0x40));
	assert_false(tmr_has(&l, 0x40));
	assert_true(w.fake.irq);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(w.fake.deadline_calls, 2);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_int_equal(rd(&l, TIMER_INITIAL), 100);
	service(&l, 0x40);
	vlapic_timer(&l); /* once */
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_int_equal(w.fake.deadline_calls, 2);
	/* a call before the deadline does nothing */
	wr(&l, TIMER_INITIAL, 10);
	assert_int_equal(w.fake.deadline, 1254);
	w.fake.now = 1250;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_int_equal(rd(&l, TIMER_CURRENT), 2);
	/* rewriting the initial count restarts from now */
	wr(&l, TIMER_INITIAL, 30);
	assert_int_equal(w.fake.deadline, 1310);
	assert_int_equal(rd(&l, TIMER_CURRENT), 30);
}

static void timer_periodic_without_drift(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	w.fake.now = 0;
	wr(&l, TIMER_DIVIDE, 0xb); /* divide by 1 */
	wr(&l, LVT_TIMER, 0x20041);
	wr(&l, TIMER_INITIAL, 1000);
	assert_int_equal(w.fake.deadline, 1000);
	w.fake.now = 1000;
	assert_int_equal(rd(&l, TIMER_CURRENT), 1000); /* reloaded */
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 2000);
	service(&l, 0x41);
	w.fake.now = 1500;
	assert_int_equal(rd(&l, TIMER_CURRENT), 500);
	w.fake.now = 2300; /* late: the next deadline keeps the schedule */
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 3000);
	assert_int_equal(rd(&l, TIMER_CURRENT), 700);
	service(&l, 0x41);
	/* several periods late: one interrupt, the next future deadline */
	w.fake.now = 7500;
	assert_int_equal(rd(&l, TIMER_CURRENT), 500); /* counting on while Keel is late */
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 8000);
	service(&l, 0x41);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	w.fake.now = 8000; /* exactly on time */
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 9000);
	service(&l, 0x41);
	unsigned calls = w.fake.deadline_calls;
	/* initial count 0 stops it */
	wr(&l, TIMER_INITIAL, 0);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(w.fake.deadline_calls, calls + 1);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	w.fake.now = 9000;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	wr(&l, TIMER_INITIAL, 0); /* already stopped: nothing to tell */
	assert_int_equal(w.fake.deadline_calls, calls + 1);
}

static void timer_divide_settings(void **state)
{
	(void)state;
	static const struct { uint32_t config, divider; } settings[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	for (unsigned i = 0; i < 8; i++) {
		struct world w;
		struct vlapic l;
		start(&l, &w);
		wr(&l, TIMER_DIVIDE, settings[i].config | 0xfffffff4);
		assert_int_equal(rd(&l, TIMER_DIVIDE), settings[i].config);
		wr(&l, TIMER_INITIAL, 10);
		assert_int_equal(w.fake.deadline, 1000 + 10 * settings[i].divider);
		w.fake.now = 1000 + settings[i].divider;
		assert_int_equal(rd(&l, TIMER_CURRENT), 9);
	}
	/* the longest period: 2^32 - 1 ticks divided by 128 */
	struct world w;
	struct vlapic l;
	start(&l, &w);
	wr(&l, TIMER_DIVIDE, 0xa);
	wr(&l, TIMER_INITIAL, 0xffffffff);
	assert_int_equal(w.fake.deadline, 1000 + 0xffffffffull * 128);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0xffffffff);
}

static void timer_divide_change_keeps_the_count(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	w.fake.now = 0;
	wr(&l, TIMER_INITIAL, 100); /* by 2: deadline 200 */
	w.fake.now = 100;
	assert_int_equal(rd(&l, TIMER_CURRENT), 50);
	wr(&l, TIMER_DIVIDE, 0x2); /* by 8: 50 ticks left take 400 ns */
	assert_int_equal(w.fake.deadline, 500);
	assert_int_equal(rd(&l, TIMER_CURRENT), 50);
	w.fake.now = 180;
	assert_int_equal(rd(&l, TIMER_CURRENT), 40);
	wr(&l, TIMER_DIVIDE, 0x2); /* the same: nothing moves */
	assert_int_equal(w.fake.deadline, 500);
}

static void timer_masked(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, TIMER_DIVIDE, 0xb);
	wr(&l, LVT_TIMER, 0x10050); /* one-shot, masked */
	wr(&l, TIMER_INITIAL, 100);
	w.fake.now = 1100;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	wr(&l, LVT_TIMER, 0x30050); /* periodic, masked: still reloads */
	wr(&l, TIMER_INITIAL, 100);
	assert_int_equal(w.fake.deadline, 1200);
	w.fake.now = 1200;
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 1300);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_false(w.fake.irq);
	wr(&l, LVT_TIMER, 0x20050); /* unmasked: the next one interrupts */
	w.fake.now = 1300;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), 0x50);
}

static void timer_mode_change_disarms(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, LVT_TIMER, 0x40);
	wr(&l, TIMER_INITIAL, 100);
	assert_int_equal(w.fake.deadline, 1200);
	wr(&l, LVT_TIMER, 0x41); /* same mode: keeps running */
	assert_int_equal(w.fake.deadline, 1200);
	wr(&l, LVT_TIMER, 0x20041); /* one-shot -> periodic */
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_int_equal(rd(&l, TIMER_INITIAL), 100);
	w.fake.now = 1300;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	/* a due expiry is delivered before the write that changes the mode */
	wr(&l, TIMER_INITIAL, 100);
	assert_int_equal(w.fake.deadline, 1500);
	w.fake.now = 1600;
	wr(&l, LVT_TIMER, 0x41);
	assert_int_equal(vlapic_pending_vector(&l), 0x41);
	assert_int_equal(w.fake.deadline, NEVER);
}

static void tsc_deadline_mode(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	/* outside the mode: reads 0, writes ignored */
	vlapic_set_tsc_deadline(&l, 5000);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	assert_int_equal(w.fake.deadline_calls, 0);
	wr(&l, LVT_TIMER, 0x40050);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	vlapic_set_tsc_deadline(&l, 20000); /* 10000 ns */
	assert_int_equal(vlapic_tsc_deadline(&l), 20000);
	assert_int_equal(w.fake.deadline, 10000);
	/* the initial count is ignored, the current count reads 0 */
	wr(&l, TIMER_INITIAL, 77);
	assert_int_equal(rd(&l, TIMER_INITIAL), 0);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_int_equal(w.fake.deadline, 10000);
	w.fake.now = 9999;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	w.fake.now = 10000;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), 0x50);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	assert_int_equal(w.fake.deadline, NEVER);
	service(&l, 0x50);
	vlapic_timer(&l); /* once */
	assert_int_equal(vlapic_pending_vector(&l), -1);
	/* moved, then disarmed with 0 */
	vlapic_set_tsc_deadline(&l, 40000);
	assert_int_equal(w.fake.deadline, 20000);
	vlapic_set_tsc_deadline(&l, 30000);
	assert_int_equal(w.fake.deadline, 15000);
	vlapic_set_tsc_deadline(&l, 0);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	/* a deadline already past fires at once */
	vlapic_set_tsc_deadline(&l, 100);
	assert_int_equal(vlapic_pending_vector(&l), 0x50);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	assert_int_equal(w.fake.deadline, NEVER);
	service(&l, 0x50);
	/* a deadline never reached reads back and never fires */
	vlapic_set_tsc_deadline(&l, UINT64_MAX);
	assert_int_equal(vlapic_tsc_deadline(&l), UINT64_MAX);
	assert_int_equal(w.fake.deadline, NEVER);
	/* leaving the mode disarms; coming back, the MSR is 0 */
	vlapic_set_tsc_deadline(&l, 60000);
	assert_int_equal(w.fake.deadline, 30000);
	wr(&l, LVT_TIMER, 0x50);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	wr(&l, LVT_TIMER, 0x40050);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	w.fake.now = 40000;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	/* entering the mode stops a running count */
	wr(&l, LVT_TIMER, 0x50);
	wr(&l, TIMER_INITIAL, 10);
	assert_int_equal(w.fake.deadline, 40020);
	wr(&l, LVT_TIMER, 0x40050);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
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
		cmocka_unit_test(reset_values),
		cmocka_unit_test(reset_of_an_ap),
		cmocka_unit_test(init_signal_resets_all_but_base_and_id),
		cmocka_unit_test(xapic_register_masks),
		cmocka_unit_test(xapic_read_only_registers_ignore_writes),
		cmocka_unit_test(reserved_slots_set_illegal_register_address),
		cmocka_unit_test(mmio_access_sizes),
		cmocka_unit_test(mmio_page_edges),
		cmocka_unit_test(pending_vector_against_tpr),
		cmocka_unit_test(tpr_held_class),
		cmocka_unit_test(in_service_blocks_its_class_and_below),
		cmocka_unit_test(accept_and_eoi_nest),
		cmocka_unit_test(level_triggered_eoi_reaches_the_io_apic),
		cmocka_unit_test(illegal_vectors_are_refused),
		cmocka_unit_test(esr_latches_on_write),
		cmocka_unit_test(error_interrupt_once_per_new_error),
		cmocka_unit_test(software_disable_masks_the_lvts),
		cmocka_unit_test(apic_base_transitions),
		cmocka_unit_test(apic_base_reserved_bits),
		cmocka_unit_test(relocation_moves_the_page),
		cmocka_unit_test(hardware_disable_resets_the_apic),
		cmocka_unit_test(x2apic_msr_map),
		cmocka_unit_test(x2apic_register_values),
		cmocka_unit_test(x2apic_ids),
		cmocka_unit_test(x2apic_reserved_bits),
		cmocka_unit_test(icr_destinations_xapic),
		cmocka_unit_test(icr_shorthands),
		cmocka_unit_test(icr_nmi_and_lowest_priority),
		cmocka_unit_test(icr_illegal_vectors),
		cmocka_unit_test(x2apic_icr_and_self_ipi),
		cmocka_unit_test(init_startup_and_smi_to_self_are_dropped),
		cmocka_unit_test(optional_callbacks_may_be_null),
		cmocka_unit_test(lint0_extint),
		cmocka_unit_test(lint0_fixed),
		cmocka_unit_test(lint1_nmi),
		cmocka_unit_test(disabled_apic_passes_the_pins_through),
		cmocka_unit_test(timer_one_shot),
		cmocka_unit_test(timer_periodic_without_drift),
		cmocka_unit_test(timer_divide_settings),
		cmocka_unit_test(timer_divide_change_keeps_the_count),
		cmocka_unit_test(timer_masked),
		cmocka_unit_test(timer_mode_change_disarms),
		cmocka_unit_test(tsc_deadline_mode),
		cmocka_unit_test(output_follows_what_is_pending),
		cmocka_unit_test(cr8_is_tpr_bits_7_to_4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
