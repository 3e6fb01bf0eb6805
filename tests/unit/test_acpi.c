#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/acpi.h"
#include "lib/errno.h"

/* Field offsets from ACPI 6.x: RSDP §5.2.5.3, header §5.2.6, FADT §5.2.9, GAS §5.2.3.2. */
enum {
	RSDP_CHECKSUM = 8, RSDP_OEMID = 9, RSDP_REVISION = 15, RSDP_RSDT = 16, RSDP_LENGTH = 20,
	RSDP_XSDT = 24, RSDP_EXT_CHECKSUM = 32, RSDP_RESERVED = 33,
	SDT_LENGTH = 4, SDT_REVISION = 8, SDT_CHECKSUM = 9, SDT_OEMID = 10, SDT_SIZE = 36,
	FADT_DSDT = 40, FADT_SMI_CMD = 48, FADT_ACPI_ENABLE = 52, FADT_ACPI_DISABLE = 53,
	FADT_PM1A_EVT_BLK = 56, FADT_PM1B_EVT_BLK = 60, FADT_PM1A_CNT_BLK = 64,
	FADT_PM1B_CNT_BLK = 68, FADT_PM2_CNT_BLK = 72, FADT_PM_TMR_BLK = 76, FADT_GPE0_BLK = 80,
	FADT_PM1_EVT_LEN = 88, FADT_PM1_CNT_LEN = 89, FADT_PM2_CNT_LEN = 90, FADT_PM_TMR_LEN = 91,
	FADT_GPE0_BLK_LEN = 92, FADT_FLAGS = 112, FADT_RESET_REG = 116, FADT_RESET_VALUE = 128,
	FADT_X_PM1A_EVT_BLK = 148, FADT_X_PM1A_CNT_BLK = 172, FADT_X_PM1B_CNT_BLK = 184,
	FADT_X_PM2_CNT_BLK = 196, FADT_X_PM_TMR_BLK = 208, FADT_X_GPE0_BLK = 220,
	FADT_V1_SIZE = 116, FADT_V3_SIZE = 244,
	GAS_SYSTEM_MEMORY = 0, GAS_SYSTEM_IO = 1,
};
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_WBINVD (1u << 0)

/* Fake physical memory: the BIOS area, and a page above 4 GiB. */
#define LOW_PA 0xe0000ull
#define HIGH_PA 0x100000000ull
#define RSDP_PA LOW_PA
#define RSDT_PA (LOW_PA + 0x100)
#define XSDT_PA (LOW_PA + 0x200)
#define APIC_PA (LOW_PA + 0x400)
#define FADT_PA (LOW_PA + 0x1003)   /* unaligned on purpose */
#define FADT2_PA (LOW_PA + 0x2001)
#define FADT_HIGH_PA (HIGH_PA + 0x5)
#define UNMAPPED_PA 0xdead000ull

static uint8_t low[0x3000], high[0x1000];

static const struct region {
	uint64_t pa;
	uint8_t *buf;
	size_t size;
} regions[] = { { LOW_PA, low, sizeof(low) }, { HIGH_PA, high, sizeof(high) } };

struct fake {
	uint64_t readable_end; /* bytes at or above this address are not readable */
	bool windowed;         /* hand every request out in one window, wiping the last one */
	unsigned calls;
};

static struct fake fake;
static uint8_t window[sizeof(low)];
static struct acpi_control_ports ports;
static char err[ACPI_ERROR_MAX];

static const void *fake_map(void *ctx, uint64_t pa, uint64_t len)
{
	struct fake *f = ctx;

	assert_ptr_equal(f, &fake);
	f->calls++;
	if (pa + len > f->readable_end)
		return NULL;
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		const struct region *r = &regions[i];

		if (pa < r->pa || len > r->size || pa - r->pa > r->size - len)
			continue;
		if (!f->windowed)
			return r->buf + (pa - r->pa);
		memset(window, 0xa5, sizeof(window));
		memcpy(window, r->buf + (pa - r->pa), len);
		return window;
	}
	return NULL;
}

static uint8_t *at(uint64_t pa)
{
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (pa >= regions[i].pa && pa - regions[i].pa < regions[i].size)
			return regions[i].buf + (pa - regions[i].pa);
	fail_msg("0x%llx is outside the fake memory", (unsigned long long)pa);
	return NULL;
}

static void put(uint64_t pa, uint64_t v, size_t n)
{
	memcpy(at(pa), &v, n); /* little endian host, as ACPI */
}

static uint32_t get32(uint64_t pa)
{
	uint32_t v;

	memcpy(&v, at(pa), 4);
	return v;
}

static uint8_t sum(uint64_t pa, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += at(pa)[i];
	return s;
}

/* Sets the checksum byte at pa + off so that the len bytes at pa add up to 0. */
static void fix_checksum(uint64_t pa, size_t len, size_t off)
{
	at(pa)[off] = 0;
	at(pa)[off] = (uint8_t)-sum(pa, len);
}

static void seal(uint64_t sdt_pa)
{
	fix_checksum(sdt_pa, get32(sdt_pa + SDT_LENGTH), SDT_CHECKSUM);
}

static void seal_rsdp(void)
{
	fix_checksum(RSDP_PA, 20, RSDP_CHECKSUM);
	if (at(RSDP_PA)[RSDP_REVISION] >= 2)
		fix_checksum(RSDP_PA, get32(RSDP_PA + RSDP_LENGTH), RSDP_EXT_CHECKSUM);
}

static void rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	memset(at(RSDP_PA), 0, 36);
	memcpy(at(RSDP_PA), "RSD PTR ", 8);
	memcpy(at(RSDP_PA + RSDP_OEMID), "BOCHS ", 6);
	put(RSDP_PA + RSDP_REVISION, revision, 1);
	put(RSDP_PA + RSDP_RSDT, rsdt, 4);
	if (revision >= 2) {
		put(RSDP_PA + RSDP_LENGTH, 36, 4);
		put(RSDP_PA + RSDP_XSDT, xsdt, 8);
	}
	seal_rsdp();
}

/* A table header; the caller fills the body and seals it. */
static void sdt(uint64_t pa, const char *sig, uint32_t len, uint8_t revision)
{
	memset(at(pa), 0, len);
	memcpy(at(pa), sig, 4);
	put(pa + SDT_LENGTH, len, 4);
	put(pa + SDT_REVISION, revision, 1);
	memcpy(at(pa + SDT_OEMID), "BOCHS BXPC    ", 14);
}

static void rsdt(const uint32_t *entry, unsigned n)
{
	sdt(RSDT_PA, "RSDT", SDT_SIZE + 4 * n, 1);
	for (unsigned i = 0; i < n; i++)
		put(RSDT_PA + SDT_SIZE + 4 * i, entry[i], 4);
	seal(RSDT_PA);
}

static void xsdt(const uint64_t *entry, unsigned n)
{
	sdt(XSDT_PA, "XSDT", SDT_SIZE + 8 * n, 1);
	for (unsigned i = 0; i < n; i++)
		put(XSDT_PA + SDT_SIZE + 8 * i, entry[i], 8);
	seal(XSDT_PA);
}

static void gas(uint64_t pa, uint8_t space, uint8_t width, uint8_t offset, uint8_t access,
		uint64_t address)
{
	put(pa, space, 1);
	put(pa + 1, width, 1);
	put(pa + 2, offset, 1);
	put(pa + 3, access, 1);
	put(pa + 4, address, 8);
}

/* A FADT like QEMU's q35 (ICH9 LPC, PM base 0x600): revision 3, 244 bytes. Not sealed. */
static void fadt_q35(uint64_t pa)
{
	sdt(pa, "FACP", FADT_V3_SIZE, 3);
	put(pa + FADT_DSDT, 0xe3000, 4);
	put(pa + FADT_SMI_CMD, 0xb2, 4);
	put(pa + FADT_ACPI_ENABLE, 0xf1, 1);
	put(pa + FADT_ACPI_DISABLE, 0xf0, 1);
	put(pa + FADT_PM1A_EVT_BLK, 0x600, 4);
	put(pa + FADT_PM1A_CNT_BLK, 0x604, 4);
	put(pa + FADT_PM_TMR_BLK, 0x608, 4);
	put(pa + FADT_GPE0_BLK, 0x620, 4);
	put(pa + FADT_PM1_EVT_LEN, 4, 1);
	put(pa + FADT_PM1_CNT_LEN, 2, 1);
	put(pa + FADT_PM_TMR_LEN, 4, 1);
	put(pa + FADT_GPE0_BLK_LEN, 16, 1);
	put(pa + FADT_FLAGS, FADT_WBINVD | FADT_RESET_REG_SUP, 4);
	gas(pa + FADT_RESET_REG, GAS_SYSTEM_IO, 8, 0, 0, 0xcf9);
	put(pa + FADT_RESET_VALUE, 0x0f, 1);
	gas(pa + FADT_X_PM1A_EVT_BLK, GAS_SYSTEM_IO, 32, 0, 0, 0x600);
	gas(pa + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, 16, 0, 0, 0x604);
	gas(pa + FADT_X_PM_TMR_BLK, GAS_SYSTEM_IO, 32, 0, 0, 0x608);
	gas(pa + FADT_X_GPE0_BLK, GAS_SYSTEM_IO, 128, 0, 0, 0x620);
}

/* A FADT like the Bochs BIOS's (PIIX4 PM, base 0xb000): ACPI 1.0, 116 bytes, no RESET_REG.
 * Not sealed. */
static void fadt_piix4(uint64_t pa)
{
	sdt(pa, "FACP", FADT_V1_SIZE, 1);
	put(pa + FADT_DSDT, 0xe3000, 4);
	put(pa + FADT_SMI_CMD, 0xb2, 4);
	put(pa + FADT_ACPI_ENABLE, 0xf1, 1);
	put(pa + FADT_ACPI_DISABLE, 0xf0, 1);
	put(pa + FADT_PM1A_EVT_BLK, 0xb000, 4);
	put(pa + FADT_PM1A_CNT_BLK, 0xb004, 4);
	put(pa + FADT_PM_TMR_BLK, 0xb008, 4);
	put(pa + FADT_GPE0_BLK, 0xafe0, 4);
	put(pa + FADT_PM1_EVT_LEN, 4, 1);
	put(pa + FADT_PM1_CNT_LEN, 2, 1);
	put(pa + FADT_PM_TMR_LEN, 4, 1);
	put(pa + FADT_GPE0_BLK_LEN, 4, 1);
	put(pa + FADT_FLAGS, FADT_WBINVD, 4);
}

/* MADT entries (§5.2.12): a local APIC, an I/O APIC, an Interrupt Source Override. */
static uint32_t madt_local_apic(uint32_t off)
{
	put(APIC_PA + off, 0, 1);
	put(APIC_PA + off + 1, 8, 1);
	put(APIC_PA + off + 4, 1, 4); /* enabled */
	return off + 8;
}

static uint32_t madt_ioapic(uint32_t off, uint8_t id, uint32_t pa, uint32_t gsi_base)
{
	put(APIC_PA + off, 1, 1);
	put(APIC_PA + off + 1, 12, 1);
	put(APIC_PA + off + 2, id, 1);
	put(APIC_PA + off + 4, pa, 4);
	put(APIC_PA + off + 8, gsi_base, 4);
	return off + 12;
}

static uint32_t madt_override(uint32_t off, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	put(APIC_PA + off, 2, 1);
	put(APIC_PA + off + 1, 10, 1);
	put(APIC_PA + off + 3, irq, 1);
	put(APIC_PA + off + 4, gsi, 4);
	put(APIC_PA + off + 8, flags, 2);
	return off + 10;
}

/* Closes a MADT whose entries end at off. */
static void madt_end(uint32_t off)
{
	put(APIC_PA + SDT_LENGTH, off, 4);
	seal(APIC_PA);
}

/* A MADT like QEMU's q35: the I/O APIC at 0xfec00000, IRQ 0 at GSI 2, IRQ 9 level-triggered. */
static void madt(void)
{
	sdt(APIC_PA, "APIC", 0x100, 1);
	put(APIC_PA + 36, 0xfee00000, 4);
	put(APIC_PA + 40, 1, 4);
	uint32_t off = madt_local_apic(44);
	off = madt_ioapic(off, 0, 0xfec00000, 0);
	off = madt_override(off, 0, 2, 0);
	off = madt_override(off, 9, 9, 0xd); /* active high, level */
	madt_end(off);
}

/* QEMU q35 with an ACPI 2.0 RSDP: the XSDT leads to the q35 FADT; the RSDT, which must not
 * be used, to a PIIX4 one. */
static void machine_q35_xsdt(void)
{
	const uint64_t x[] = { APIC_PA, 0, FADT_PA };
	const uint32_t r[] = { APIC_PA, FADT2_PA };

	madt();
	fadt_q35(FADT_PA);
	seal(FADT_PA);
	fadt_piix4(FADT2_PA);
	seal(FADT2_PA);
	xsdt(x, 3);
	rsdt(r, 2);
	rsdp(2, RSDT_PA, XSDT_PA);
}

/* QEMU q35 with an ACPI 1.0 RSDP and an RSDT. */
static void machine_q35_rsdt(void)
{
	const uint32_t r[] = { FADT_PA, APIC_PA };

	madt();
	fadt_q35(FADT_PA);
	seal(FADT_PA);
	rsdt(r, 2);
	rsdp(0, RSDT_PA, 0);
}

/* Bochs with its BIOS: ACPI 1.0 everywhere. */
static void machine_bochs(void)
{
	const uint32_t r[] = { FADT_PA, APIC_PA };

	madt();
	fadt_piix4(FADT_PA);
	seal(FADT_PA);
	rsdt(r, 2);
	rsdp(0, RSDT_PA, 0);
}

static int setup(void **state)
{
	(void)state;
	memset(low, 0xee, sizeof(low));
	memset(high, 0xee, sizeof(high));
	memset(&fake, 0, sizeof(fake));
	fake.readable_end = UINT64_MAX;
	memset(&ports, 0x5a, sizeof(ports)); /* must be overwritten, even on failure */
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return 0;
}

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
		cmocka_unit_test_setup(isa_irq_of_q35, setup),
		cmocka_unit_test_setup(isa_irq_on_the_second_ioapic, setup),
		cmocka_unit_test_setup(isa_irq_problems, setup),
		cmocka_unit_test_setup(error_buffer_is_optional_and_truncated, setup),
		cmocka_unit_test_setup(pm_timer_of_q35_and_bochs, setup),
		cmocka_unit_test_setup(pm_timer_width_and_x_block, setup),
		cmocka_unit_test_setup(pm_timer_problems, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
