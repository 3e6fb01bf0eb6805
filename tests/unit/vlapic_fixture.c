/* The fixture of the local APIC tests: vlapic_fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/vlapic_fixture.h"

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

const struct vlapic_config default_config = {
	.apic_id = APIC_ID, .bsp = true, .x2apic = true, .tsc_deadline = true, .maxphyaddr = 39,
};

void start_with(struct vlapic *l, struct world *w, const struct vlapic_config *config)
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

void start(struct vlapic *l, struct world *w)
{
	start_with(l, w, &default_config);
}

uint32_t rd(struct vlapic *l, unsigned offset)
{
	return (uint32_t)vlapic_mmio_read(l, offset, 4);
}

void wr(struct vlapic *l, unsigned offset, uint32_t value)
{
	vlapic_mmio_write(l, offset, 4, value);
}

/* ESR as software reads it: write, then read (§11.5.3). */
uint32_t esr(struct vlapic *l)
{
	wr(l, ESR, 0);
	return rd(l, ESR);
}

void sw_enable(struct vlapic *l)
{
	wr(l, SVR, 0x1ff);
}

bool irr_has(struct vlapic *l, uint8_t v)
{
	return (rd(l, IRR0 + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

bool tmr_has(struct vlapic *l, uint8_t v)
{
	return (rd(l, TMR0 + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

bool isr_has(struct vlapic *l, uint8_t v)
{
	return (rd(l, ISR0 + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

void to_x2apic(struct vlapic *l)
{
	assert_true(vlapic_set_base(l, 0xfee00000 | 0xc00 | 0x100));
	assert_true(vlapic_x2apic_mode(l));
}

uint64_t rdmsr(struct vlapic *l, uint32_t msr)
{
	uint64_t value = 0xdeadbeef;
	assert_true(vlapic_msr_read(l, msr, &value));
	return value;
}

/* Takes and ends the interrupt the APIC offers, checking it is vector. */
void service(struct vlapic *l, int vector)
{
	assert_int_equal(vlapic_pending_vector(l), vector);
	vlapic_accept(l, (uint8_t)vector);
	wr(l, EOI, 0);
}
