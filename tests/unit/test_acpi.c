/* drivers/acpi.c: the reset and power-off ports and the PM timer, from the FADT. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/errno.h"
#include "tests/unit/acpi_fixture.h"

static int find(uint64_t rsdp_pa)
{
	return acpi_find_control_ports(rsdp_pa, fake_map, &fake, &ports, err, sizeof(err));
}

static const char PM1A[] = "the ACPI PM1a control block";
static const char PM1B[] = "the ACPI PM1b control block";
static const char PM2[] = "the ACPI PM2 control block";
static const char SMI[] = "the ACPI SMI command port";
static const char RESET[] = "the ACPI reset register";

static void assert_port_range(unsigned i, uint16_t first, uint16_t count, const char *what)
{
	assert_true(i < ports.count);
	assert_int_equal(ports.range[i].first, first);
	assert_int_equal(ports.range[i].count, count);
	assert_string_equal(ports.range[i].what, what);
}

static void assert_found(void)
{
	assert_int_equal(find(RSDP_PA), 0);
	assert_string_equal(err, "");
}

static void assert_fails(int rc, const char *message)
{
	assert_int_equal(find(RSDP_PA), rc);
	assert_string_equal(err, message);
	assert_int_equal(ports.count, 0);
}

static void assert_q35_ports(void)
{
	assert_int_equal(ports.count, 3);
	assert_port_range(0, 0x604, 2, PM1A);
	assert_port_range(1, 0xb2, 1, SMI);
	assert_port_range(2, 0xcf9, 1, RESET);
}

static void q35_through_the_xsdt(void **state)
{
	(void)state;
	machine_q35_xsdt();
	assert_found();
	assert_q35_ports();
}

static void q35_through_the_rsdt(void **state)
{
	(void)state;
	machine_q35_rsdt();
	assert_found();
	assert_q35_ports();
}

static void bochs_acpi_1_0_fadt_has_no_reset_register(void **state)
{
	(void)state;
	machine_bochs();
	assert_found();
	assert_int_equal(ports.count, 2);
	assert_port_range(0, 0xb004, 2, PM1A);
	assert_port_range(1, 0xb2, 1, SMI);
}

static void lookup_finds_the_range_holding_a_port(void **state)
{
	(void)state;
	machine_q35_xsdt();
	assert_found();
	assert_ptr_equal(acpi_port_lookup(&ports, 0x604), &ports.range[0]);
	assert_ptr_equal(acpi_port_lookup(&ports, 0x605), &ports.range[0]);
	assert_ptr_equal(acpi_port_lookup(&ports, 0xb2), &ports.range[1]);
	assert_ptr_equal(acpi_port_lookup(&ports, 0xcf9), &ports.range[2]);
	assert_null(acpi_port_lookup(&ports, 0x603));
	assert_null(acpi_port_lookup(&ports, 0x606));
	assert_null(acpi_port_lookup(&ports, 0xb3));
	assert_null(acpi_port_lookup(&ports, 0xcf8));
	assert_null(acpi_port_lookup(&ports, 0xf4));   /* isa-debug-exit */
	assert_null(acpi_port_lookup(&ports, 0));
	assert_null(acpi_port_lookup(&ports, 0xffff));
	assert_null(acpi_port_lookup(NULL, 0x604));
}

static void revision_2_rsdp_without_xsdt_uses_the_rsdt(void **state)
{
	(void)state;
	machine_q35_xsdt();
	put(RSDP_PA + RSDP_XSDT, 0, 8);
	seal_rsdp();
	assert_found();
	assert_int_equal(ports.count, 2);
	assert_port_range(0, 0xb004, 2, PM1A); /* the RSDT's PIIX4 FADT */
}

static void fadt_above_4_gib_in_the_xsdt(void **state)
{
	(void)state;
	const uint64_t x[] = { APIC_PA, FADT_HIGH_PA };

	machine_q35_xsdt();
	fadt_q35(FADT_HIGH_PA);
	put(FADT_HIGH_PA + FADT_PM1A_CNT_BLK, 0x1804, 4);
	gas(FADT_HIGH_PA + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, 16, 0, 0, 0x1804);
	seal(FADT_HIGH_PA);
	xsdt(x, 2);
	assert_found();
	assert_port_range(0, 0x1804, 2, PM1A);
}

static void works_with_a_map_that_reuses_one_window(void **state)
{
	(void)state;
	machine_q35_xsdt();
	fake.windowed = true;
	assert_found();
	assert_q35_ports();
	machine_bochs();
	assert_found();
	assert_int_equal(ports.count, 2);
	assert_port_range(0, 0xb004, 2, PM1A);
	assert_port_range(1, 0xb2, 1, SMI);
	assert_true(fake.calls > 0);
}

static void x_pm1a_cnt_blk_overrides_pm1a_cnt_blk(void **state)
{
	(void)state;
	machine_q35_rsdt();
	gas(FADT_PA + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, 16, 0, 0, 0x1804);
	gas(FADT_PA + FADT_X_PM1B_CNT_BLK, GAS_SYSTEM_IO, 16, 0, 0, 0x1844);
	seal(FADT_PA);
	assert_found();
	assert_int_equal(ports.count, 4);
	assert_port_range(0, 0x1804, 2, PM1A);
	assert_port_range(1, 0x1844, 2, PM1B);
	assert_port_range(2, 0xb2, 1, SMI);
	assert_port_range(3, 0xcf9, 1, RESET);

	/* a wider X_ register widens the range */
	gas(FADT_PA + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, 32, 0, 0, 0x1804);
	seal(FADT_PA);
	assert_found();
	assert_port_range(0, 0x1804, 4, PM1A);
}

static void x_pm1a_cnt_blk_counts_only_if_present_non_zero_and_in_io_space(void **state)
{
	(void)state;
	machine_q35_rsdt();
	/* in memory space: the 32-bit port field stands */
	gas(FADT_PA + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_MEMORY, 16, 0, 0, 0x1804);
	seal(FADT_PA);
	assert_found();
	assert_port_range(0, 0x604, 2, PM1A);

	/* zero */
	gas(FADT_PA + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, 16, 0, 0, 0);
	seal(FADT_PA);
	assert_found();
	assert_port_range(0, 0x604, 2, PM1A);

	/* beyond the FADT's Length (one byte short of it) */
	gas(FADT_PA + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, 16, 0, 0, 0x1804);
	put(FADT_PA + SDT_LENGTH, FADT_X_PM1A_CNT_BLK + 11, 4);
	seal(FADT_PA);
	assert_found();
	assert_port_range(0, 0x604, 2, PM1A);
	put(FADT_PA + SDT_LENGTH, FADT_X_PM1A_CNT_BLK + 12, 4);
	seal(FADT_PA);
	assert_found();
	assert_port_range(0, 0x1804, 2, PM1A);
}

static void reset_register_in_memory_space_is_not_listed(void **state)
{
	(void)state;
	machine_q35_rsdt();
	gas(FADT_PA + FADT_RESET_REG, GAS_SYSTEM_MEMORY, 8, 0, 0, 0xcf9);
	seal(FADT_PA);
	assert_found();
	assert_int_equal(ports.count, 2);
	assert_port_range(0, 0x604, 2, PM1A);
	assert_port_range(1, 0xb2, 1, SMI);
	assert_null(acpi_port_lookup(&ports, 0xcf9));
}

static void reset_register_needs_a_long_enough_fadt(void **state)
{
	(void)state;
	machine_q35_rsdt();
	put(FADT_PA + SDT_LENGTH, FADT_RESET_REG + 11, 4);
	seal(FADT_PA);
	assert_found();
	assert_int_equal(ports.count, 2);
	put(FADT_PA + SDT_LENGTH, FADT_RESET_REG + 12, 4);
	seal(FADT_PA);
	assert_found();
	assert_int_equal(ports.count, 3);
	assert_port_range(2, 0xcf9, 1, RESET);
}

static void reset_register_width_comes_from_the_gas(void **state)
{
	(void)state;
	static const struct {
		uint8_t width, offset, access;
		uint16_t count;
	} cases[] = {
		{ 8, 0, 0, 1 }, { 0, 0, 0, 1 }, { 16, 0, 0, 2 }, { 8, 4, 0, 2 },
		{ 0, 0, 3, 4 }, { 8, 0, 2, 2 }, { 32, 0, 1, 4 }, { 8, 0, 7, 1 }, /* 7: reserved */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		machine_q35_rsdt();
		gas(FADT_PA + FADT_RESET_REG, GAS_SYSTEM_IO, cases[i].width, cases[i].offset,
		    cases[i].access, 0xcf9);
		seal(FADT_PA);
		assert_found();
		assert_port_range(2, 0xcf9, cases[i].count, RESET);
	}
}

static void pm1b_and_pm2_duplicates_and_overlaps_are_listed(void **state)
{
	(void)state;
	machine_q35_rsdt();
	put(FADT_PA + FADT_PM1B_CNT_BLK, 0x604, 4); /* same as PM1a */
	put(FADT_PA + FADT_PM2_CNT_BLK, 0x650, 4);
	put(FADT_PA + FADT_PM2_CNT_LEN, 1, 1);
	put(FADT_PA + FADT_SMI_CMD, 0x605, 4);      /* inside PM1a */
	seal(FADT_PA);
	assert_found();
	assert_int_equal(ports.count, 5);
	assert_port_range(0, 0x604, 2, PM1A);
	assert_port_range(1, 0x604, 2, PM1B);
	assert_port_range(2, 0x650, 1, PM2);
	assert_port_range(3, 0x605, 1, SMI);
	assert_port_range(4, 0xcf9, 1, RESET);
	assert_ptr_equal(acpi_port_lookup(&ports, 0x605), &ports.range[0]);
}

static void short_block_lengths_are_raised_to_the_minimum(void **state)
{
	(void)state;
	machine_bochs();
	put(FADT_PA + FADT_PM1_CNT_LEN, 0, 1);
	put(FADT_PA + FADT_PM1B_CNT_BLK, 0xb044, 4);
	put(FADT_PA + FADT_PM2_CNT_BLK, 0xb050, 4);
	put(FADT_PA + FADT_PM2_CNT_LEN, 0, 1);
	seal(FADT_PA);
	assert_found();
	assert_int_equal(ports.count, 4);
	assert_port_range(0, 0xb004, 2, PM1A);
	assert_port_range(1, 0xb044, 2, PM1B);
	assert_port_range(2, 0xb050, 1, PM2);
	assert_port_range(3, 0xb2, 1, SMI);
}

static void ports_beyond_0xffff_are_clamped_or_skipped(void **state)
{
	(void)state;
	machine_q35_rsdt();
	gas(FADT_PA + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, 16, 0, 0, 0);
	put(FADT_PA + FADT_PM1A_CNT_BLK, 0xffff, 4);         /* clamped to 1 port */
	put(FADT_PA + FADT_PM1B_CNT_BLK, 0x608, 4);
	gas(FADT_PA + FADT_X_PM1B_CNT_BLK, GAS_SYSTEM_IO, 16, 0, 0, 0x100000608ull); /* skipped */
	put(FADT_PA + FADT_PM2_CNT_BLK, 0xfffe, 4);
	put(FADT_PA + FADT_PM2_CNT_LEN, 4, 1);               /* clamped to 2 ports */
	put(FADT_PA + FADT_SMI_CMD, 0x100b2, 4);             /* skipped */
	gas(FADT_PA + FADT_RESET_REG, GAS_SYSTEM_IO, 8, 0, 0, 0x100000cf9ull); /* skipped */
	seal(FADT_PA);
	assert_found();
	assert_int_equal(ports.count, 2);
	assert_port_range(0, 0xffff, 1, PM1A);
	assert_port_range(1, 0xfffe, 2, PM2);
	assert_ptr_equal(acpi_port_lookup(&ports, 0xffff), &ports.range[0]);

	put(FADT_PA + FADT_PM1A_CNT_BLK, 0x10000, 4);        /* skipped */
	gas(FADT_PA + FADT_RESET_REG, GAS_SYSTEM_IO, 0, 0, 4, 0xfffc); /* 8 ports, clamped to 4 */
	seal(FADT_PA);
	assert_found();
	assert_int_equal(ports.count, 2);
	assert_port_range(0, 0xfffe, 2, PM2);
	assert_port_range(1, 0xfffc, 4, RESET);
}

static void no_rsdp(void **state)
{
	(void)state;
	assert_int_equal(find(0), -ENOENT);
	assert_string_equal(err, "no RSDP (its address is 0)");
	assert_int_equal(ports.count, 0);

	assert_int_equal(find(0x9fc00), -ENOENT);
	assert_string_equal(err, "no RSDP: the 20 bytes at 0x9fc00 are not readable");

	machine_q35_xsdt();
	at(RSDP_PA)[7] = 'X';
	seal_rsdp();
	assert_fails(-ENOENT, "no RSDP at 0xe0000: the signature is not \"RSD PTR \"");
}

static void bad_rsdp(void **state)
{
	(void)state;
	machine_q35_xsdt();
	at(RSDP_PA)[RSDP_OEMID] += 1;
	assert_fails(-EINVAL, "RSDP checksum is 0x01, not 0");

	machine_q35_xsdt();
	at(RSDP_PA)[RSDP_RESERVED] = 0x12;
	assert_fails(-EINVAL, "RSDP extended checksum is 0x12, not 0");

	machine_q35_xsdt();
	put(RSDP_PA + RSDP_LENGTH, 20, 4);
	seal_rsdp();
	assert_fails(-EINVAL, "RSDP Length 20 is smaller than 36 (revision 2)");

	machine_q35_xsdt();
	put(RSDP_PA + RSDP_LENGTH, 0x40000, 4);
	fix_checksum(RSDP_PA, 20, RSDP_CHECKSUM);
	assert_fails(-EINVAL, "RSDP Length 262144 at 0xe0000 goes beyond readable memory");

	machine_q35_rsdt();
	put(RSDP_PA + RSDP_RSDT, 0, 4);
	seal_rsdp();
	assert_fails(-EINVAL, "RSDP RsdtAddress is 0");

	machine_q35_xsdt();
	put(RSDP_PA + RSDP_RSDT, 0, 4);
	put(RSDP_PA + RSDP_XSDT, 0, 8);
	seal_rsdp();
	assert_fails(-EINVAL, "RSDP XsdtAddress and RsdtAddress are 0");

	/* a revision 2 RSDP whose last 16 bytes cannot be read */
	machine_q35_xsdt();
	fake.readable_end = RSDP_PA + 30;
	assert_fails(-EINVAL, "RSDP revision 2: the 36 bytes at 0xe0000 are not readable");
}

static void bad_checksums(void **state)
{
	(void)state;
	machine_q35_rsdt();
	at(RSDT_PA)[SDT_OEMID] += 0x80;
	assert_fails(-EINVAL, "RSDT checksum is 0x80, not 0");

	machine_q35_xsdt();
	at(XSDT_PA)[SDT_OEMID] += 0x7;
	assert_fails(-EINVAL, "XSDT checksum is 0x07, not 0");

	machine_q35_xsdt();
	at(FADT_PA)[SDT_OEMID] += 0x12;
	assert_fails(-EINVAL, "FADT checksum is 0x12, not 0");

	machine_bochs();
	at(FADT_PA + FADT_PM1A_CNT_BLK)[0] -= 0x10;
	assert_fails(-EINVAL, "FADT checksum is 0xf0, not 0");
}

static void truncated_fadt(void **state)
{
	(void)state;
	machine_bochs();
	put(FADT_PA + SDT_LENGTH, 100, 4);
	seal(FADT_PA);
	assert_fails(-EINVAL, "FADT Length 100 is smaller than the 116 bytes of an ACPI 1.0 FADT");

	machine_bochs();
	put(FADT_PA + SDT_LENGTH, 20, 4);
	seal(FADT_PA);
	assert_fails(-EINVAL, "FADT Length 20 is smaller than its 36-byte header");

	/* Length is fine, but the memory behind it is not all there */
	machine_q35_rsdt();
	fake.readable_end = FADT_PA + 200;
	assert_fails(-EINVAL, "FADT Length 244 at 0xe1003 goes beyond readable memory");
}

static void bad_root_tables(void **state)
{
	(void)state;
	machine_q35_rsdt();
	put(RSDT_PA + SDT_LENGTH, 41, 4);
	seal(RSDT_PA);
	assert_fails(-EINVAL, "RSDT Length 41 leaves 5 bytes of entries, not a multiple of 4");

	machine_q35_xsdt();
	put(XSDT_PA + SDT_LENGTH, SDT_SIZE + 12, 4);
	seal(XSDT_PA);
	assert_fails(-EINVAL, "XSDT Length 48 leaves 12 bytes of entries, not a multiple of 8");

	machine_q35_rsdt();
	put(RSDT_PA + SDT_LENGTH, 35, 4);
	seal(RSDT_PA);
	assert_fails(-EINVAL, "RSDT Length 35 is smaller than its 36-byte header");

	/* an entry count that would overflow 32-bit arithmetic */
	machine_q35_xsdt();
	put(XSDT_PA + SDT_LENGTH, 0xffffffff, 4);
	assert_fails(-EINVAL, "XSDT Length 4294967295 at 0xe0200 goes beyond readable memory");

	machine_q35_rsdt();
	put(RSDP_PA + RSDP_RSDT, XSDT_PA, 4);
	seal_rsdp();
	xsdt((const uint64_t[]){ FADT_PA }, 1);
	assert_fails(-EINVAL, "RSDT at 0xe0200 has signature \"XSDT\", not \"RSDT\"");

	machine_q35_xsdt();
	memcpy(at(XSDT_PA), "\0X\x01\"", 4);
	assert_fails(-EINVAL, "XSDT at 0xe0200 has signature \"?X??\", not \"XSDT\"");

	/* an RSDT entry that points at a table of the wrong kind is only skipped... */
	machine_q35_rsdt();
	rsdt((const uint32_t[]){ RSDP_PA, FADT_PA }, 2);
	assert_found();
	assert_q35_ports();
}

static void map_returning_null(void **state)
{
	(void)state;
	machine_q35_rsdt();
	put(RSDP_PA + RSDP_RSDT, UNMAPPED_PA, 4);
	seal_rsdp();
	assert_fails(-EINVAL, "RSDT at 0xdead000 is not readable");

	machine_q35_xsdt();
	put(RSDP_PA + RSDP_XSDT, HIGH_PA + 0x100000, 8);
	seal_rsdp();
	assert_fails(-EINVAL, "XSDT at 0x100100000 is not readable");

	machine_q35_rsdt();
	rsdt((const uint32_t[]){ APIC_PA, UNMAPPED_PA, FADT_PA }, 3);
	assert_fails(-EINVAL, "RSDT entry 1 (0xdead000) is not readable");

	machine_q35_xsdt();
	xsdt((const uint64_t[]){ APIC_PA, HIGH_PA + 0x100000 }, 2);
	assert_fails(-EINVAL, "XSDT entry 1 (0x100100000) is not readable");

	/* nothing readable at all */
	machine_q35_xsdt();
	fake.readable_end = 0;
	assert_fails(-ENOENT, "no RSDP: the 20 bytes at 0xe0000 are not readable");
}

static void no_fadt(void **state)
{
	(void)state;
	machine_q35_rsdt();
	rsdt((const uint32_t[]){ APIC_PA, 0, APIC_PA }, 3);
	assert_fails(-ENOENT, "no FADT (\"FACP\") among the 3 RSDT entries");

	machine_q35_xsdt();
	xsdt(NULL, 0);
	assert_fails(-ENOENT, "no FADT (\"FACP\") among the 0 XSDT entries");
}

static void error_buffer_is_optional_and_truncated(void **state)
{
	(void)state;
	char small[8];

	machine_q35_xsdt();
	at(FADT_PA)[SDT_OEMID] += 0x12;
	assert_int_equal(acpi_find_control_ports(RSDP_PA, fake_map, &fake, &ports, NULL, 0),
			 -EINVAL);
	assert_int_equal(acpi_find_control_ports(RSDP_PA, fake_map, &fake, &ports, small, 0),
			 -EINVAL);
	assert_int_equal(acpi_find_control_ports(RSDP_PA, fake_map, &fake, &ports, small,
						 sizeof(small)), -EINVAL);
	assert_string_equal(small, "FADT ch");
	assert_int_equal(ports.count, 0);
}

/* ---- The PM timer ---- */

static struct acpi_pm_timer timer;

static int find_timer(uint64_t rsdp_pa)
{
	memset(&timer, 0x5a, sizeof(timer));
	return acpi_find_pm_timer(rsdp_pa, fake_map, &fake, &timer, err, sizeof(err));
}

#define FADT_TMR_VAL_EXT (1u << 8)

static void pm_timer_of_q35_and_bochs(void **state)
{
	(void)state;
	machine_q35_xsdt();
	assert_int_equal(find_timer(RSDP_PA), 0);
	assert_int_equal(timer.port, 0x608);
	assert_int_equal(timer.bits, 24);
	assert_string_equal(err, "");
	machine_bochs();
	assert_int_equal(find_timer(RSDP_PA), 0);
	assert_int_equal(timer.port, 0xb008);
	assert_int_equal(timer.bits, 24);
}

static void pm_timer_width_and_x_block(void **state)
{
	(void)state;
	machine_q35_rsdt();
	put(FADT_PA + FADT_FLAGS, FADT_WBINVD | FADT_TMR_VAL_EXT, 4);
	gas(FADT_PA + FADT_X_PM_TMR_BLK, GAS_SYSTEM_IO, 32, 0, 0, 0x1808);
	seal(FADT_PA);
	assert_int_equal(find_timer(RSDP_PA), 0);
	assert_int_equal(timer.port, 0x1808); /* X_PM_TMR_BLK wins */
	assert_int_equal(timer.bits, 32);
	gas(FADT_PA + FADT_X_PM_TMR_BLK, GAS_SYSTEM_IO, 0, 0, 0, 0); /* absent: PM_TMR_BLK */
	seal(FADT_PA);
	assert_int_equal(find_timer(RSDP_PA), 0);
	assert_int_equal(timer.port, 0x608);
}

static void pm_timer_problems(void **state)
{
	(void)state;
	machine_q35_rsdt();
	gas(FADT_PA + FADT_X_PM_TMR_BLK, GAS_SYSTEM_MEMORY, 32, 0, 0, 0xfed00000);
	seal(FADT_PA);
	assert_int_equal(find_timer(RSDP_PA), -ENOENT);
	assert_string_equal(err, "the FADT's PM timer is not in I/O space (address space 0)");
	assert_int_equal(timer.port, 0);

	machine_q35_rsdt();
	gas(FADT_PA + FADT_X_PM_TMR_BLK, GAS_SYSTEM_IO, 0, 0, 0, 0);
	put(FADT_PA + FADT_PM_TMR_BLK, 0, 4);
	seal(FADT_PA);
	assert_int_equal(find_timer(RSDP_PA), -ENOENT);
	assert_string_equal(err, "the FADT names no PM timer");

	machine_q35_rsdt();
	put(FADT_PA + FADT_PM_TMR_LEN, 3, 1);
	seal(FADT_PA);
	assert_int_equal(find_timer(RSDP_PA), -EINVAL);
	assert_string_equal(err, "FADT PM_TMR_LEN is 3, not 4");

	machine_q35_rsdt();
	gas(FADT_PA + FADT_X_PM_TMR_BLK, GAS_SYSTEM_IO, 32, 0, 0, 0xfffe);
	seal(FADT_PA);
	assert_int_equal(find_timer(RSDP_PA), -EINVAL);
	assert_string_equal(err, "the FADT's PM timer at 0xfffe is not an I/O port");

	assert_int_equal(find_timer(0), -ENOENT); /* the table walk's errors, as for the ports */
	assert_string_equal(err, "no RSDP (its address is 0)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(q35_through_the_xsdt, setup),
		cmocka_unit_test_setup(q35_through_the_rsdt, setup),
		cmocka_unit_test_setup(bochs_acpi_1_0_fadt_has_no_reset_register, setup),
		cmocka_unit_test_setup(lookup_finds_the_range_holding_a_port, setup),
		cmocka_unit_test_setup(revision_2_rsdp_without_xsdt_uses_the_rsdt, setup),
		cmocka_unit_test_setup(fadt_above_4_gib_in_the_xsdt, setup),
		cmocka_unit_test_setup(works_with_a_map_that_reuses_one_window, setup),
		cmocka_unit_test_setup(x_pm1a_cnt_blk_overrides_pm1a_cnt_blk, setup),
		cmocka_unit_test_setup(x_pm1a_cnt_blk_counts_only_if_present_non_zero_and_in_io_space,
				       setup),
		cmocka_unit_test_setup(reset_register_in_memory_space_is_not_listed, setup),
		cmocka_unit_test_setup(reset_register_needs_a_long_enough_fadt, setup),
		cmocka_unit_test_setup(reset_register_width_comes_from_the_gas, setup),
		cmocka_unit_test_setup(pm1b_and_pm2_duplicates_and_overlaps_are_listed, setup),
		cmocka_unit_test_setup(short_block_lengths_are_raised_to_the_minimum, setup),
		cmocka_unit_test_setup(ports_beyond_0xffff_are_clamped_or_skipped, setup),
		cmocka_unit_test_setup(no_rsdp, setup),
		cmocka_unit_test_setup(bad_rsdp, setup),
		cmocka_unit_test_setup(bad_checksums, setup),
		cmocka_unit_test_setup(truncated_fadt, setup),
		cmocka_unit_test_setup(bad_root_tables, setup),
		cmocka_unit_test_setup(map_returning_null, setup),
		cmocka_unit_test_setup(no_fadt, setup),
		cmocka_unit_test_setup(error_buffer_is_optional_and_truncated, setup),
		cmocka_unit_test_setup(pm_timer_of_q35_and_bochs, setup),
		cmocka_unit_test_setup(pm_timer_width_and_x_block, setup),
		cmocka_unit_test_setup(pm_timer_problems, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
