/* drivers/acpi.c: where an ISA IRQ reaches an I/O APIC, from the MADT. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/errno.h"
#include "tests/unit/acpi_fixture.h"

static struct acpi_ioapic_input input;

static void expect_input(unsigned irq, uint64_t ioapic_pa, uint32_t pin, bool active_low, bool level)
{
	assert_int_equal(acpi_find_isa_irq(RSDP_PA, fake_map, &fake, irq, &input, err, sizeof(err)), 0);
	assert_int_equal(input.ioapic_pa, ioapic_pa);
	assert_int_equal(input.pin, pin);
	assert_int_equal(input.active_low, active_low);
	assert_int_equal(input.level, level);
}

static void expect_no_input(unsigned irq, int rc, const char *msg)
{
	assert_int_equal(acpi_find_isa_irq(RSDP_PA, fake_map, &fake, irq, &input, err, sizeof(err)), rc);
	assert_string_equal(err, msg);
}

static void isa_irq_of_q35(void **state)
{
	(void)state;
	machine_q35_xsdt();
	expect_input(0, 0xfec00000, 2, false, false); /* the PIT, overridden to GSI 2 */
	expect_input(9, 0xfec00000, 9, false, true);
	expect_input(4, 0xfec00000, 4, false, false); /* no override: identity, high, edge */
	machine_q35_rsdt();
	fake.windowed = true;
	expect_input(0, 0xfec00000, 2, false, false);
}

static void isa_irq_on_the_second_ioapic(void **state)
{
	(void)state;
	machine_q35_xsdt();
	sdt(APIC_PA, "APIC", 0x100, 1);
	uint32_t off = madt_ioapic(44, 1, 0xfec01000, 24);
	off = madt_ioapic(off, 0, 0xfec00000, 0);
	off = madt_override(off, 0, 30, 0xf); /* active low, level */
	madt_end(off);
	expect_input(0, 0xfec01000, 6, true, true);
	expect_input(1, 0xfec00000, 1, false, false);
}

static void isa_irq_problems(void **state)
{
	(void)state;
	machine_q35_xsdt();
	sdt(APIC_PA, "APIC", 0x100, 1);
	madt_end(madt_local_apic(44));
	expect_no_input(0, -ENOENT, "no I/O APIC in the MADT takes GSI 0 (ISA IRQ 0)");

	sdt(APIC_PA, "APIC", 0x100, 1);
	uint32_t off = madt_ioapic(44, 0, 0xfec00000, 16);
	madt_end(off);
	expect_no_input(0, -ENOENT, "no I/O APIC in the MADT takes GSI 0 (ISA IRQ 0)");

	sdt(APIC_PA, "APIC", 0x100, 1);
	off = madt_ioapic(44, 0, 0xfec00000, 0);
	put(APIC_PA + off, 0, 1);
	put(APIC_PA + off + 1, 0, 1); /* a zero length would loop forever */
	madt_end(off + 2);
	expect_no_input(0, -EINVAL, "MADT entry at offset 56 has length 0, which does not fit");

	sdt(APIC_PA, "APIC", 0x100, 1);
	off = madt_ioapic(44, 0, 0xfec00000, 0);
	madt_end(off - 1); /* the entry runs past the table */
	expect_no_input(0, -EINVAL, "MADT entry at offset 44 has length 12, which does not fit");

	machine_q35_rsdt();
	rsdt((const uint32_t[]){ FADT_PA }, 1);
	expect_no_input(0, -ENOENT, "no MADT (\"APIC\") among the 1 RSDT entries");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(isa_irq_of_q35, setup),
		cmocka_unit_test_setup(isa_irq_on_the_second_ioapic, setup),
		cmocka_unit_test_setup(isa_irq_problems, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
