/* The local APIC's modes (vmm/dev/vlapic.c): IA32_APIC_BASE's transitions between
 * disabled, xAPIC and x2APIC, its reserved bits, relocation and hardware disable; x2APIC
 * mode's MSRs, its IDs and reserved bits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/vlapic_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(apic_base_transitions),
		cmocka_unit_test(apic_base_reserved_bits),
		cmocka_unit_test(relocation_moves_the_page),
		cmocka_unit_test(hardware_disable_resets_the_apic),
		cmocka_unit_test(x2apic_msr_map),
		cmocka_unit_test(x2apic_register_values),
		cmocka_unit_test(x2apic_ids),
		cmocka_unit_test(x2apic_reserved_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
