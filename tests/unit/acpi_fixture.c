/* The fixture of test_acpi.c and test_acpi_madt.c: acpi_fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/acpi_fixture.h"

uint8_t low[0x3000], high[0x1000];

static const struct region {
	uint64_t pa;
	uint8_t *buf;
	size_t size;
} regions[] = { { LOW_PA, low, sizeof(low) }, { HIGH_PA, high, sizeof(high) } };


struct fake fake;
static uint8_t window[sizeof(low)];
struct acpi_control_ports ports;
char err[ACPI_ERROR_MAX];

const void *fake_map(void *ctx, uint64_t pa, uint64_t len)
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

uint8_t *at(uint64_t pa)
{
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (pa >= regions[i].pa && pa - regions[i].pa < regions[i].size)
			return regions[i].buf + (pa - regions[i].pa);
	fail_msg("0x%llx is outside the fake memory", (unsigned long long)pa);
	return NULL;
}

void put(uint64_t pa, uint64_t v, size_t n)
{
	memcpy(at(pa), &v, n); /* little endian host, as ACPI */
}

uint32_t get32(uint64_t pa)
{
	uint32_t v;

	memcpy(&v, at(pa), 4);
	return v;
}

uint8_t sum(uint64_t pa, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += at(pa)[i];
	return s;
}

/* Sets the checksum byte at pa + off so that the len bytes at pa add up to 0. */
void fix_checksum(uint64_t pa, size_t len, size_t off)
{
	at(pa)[off] = 0;
	at(pa)[off] = (uint8_t)-sum(pa, len);
}

void seal(uint64_t sdt_pa)
{
	fix_checksum(sdt_pa, get32(sdt_pa + SDT_LENGTH), SDT_CHECKSUM);
}

void seal_rsdp(void)
{
	fix_checksum(RSDP_PA, 20, RSDP_CHECKSUM);
	if (at(RSDP_PA)[RSDP_REVISION] >= 2)
		fix_checksum(RSDP_PA, get32(RSDP_PA + RSDP_LENGTH), RSDP_EXT_CHECKSUM);
}

void rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt)
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
void sdt(uint64_t pa, const char *sig, uint32_t len, uint8_t revision)
{
	memset(at(pa), 0, len);
	memcpy(at(pa), sig, 4);
	put(pa + SDT_LENGTH, len, 4);
	put(pa + SDT_REVISION, revision, 1);
	memcpy(at(pa + SDT_OEMID), "BOCHS BXPC    ", 14);
}

void rsdt(const uint32_t *entry, unsigned n)
{
	sdt(RSDT_PA, "RSDT", SDT_SIZE + 4 * n, 1);
	for (unsigned i = 0; i < n; i++)
		put(RSDT_PA + SDT_SIZE + 4 * i, entry[i], 4);
	seal(RSDT_PA);
}

void xsdt(const uint64_t *entry, unsigned n)
{
	sdt(XSDT_PA, "XSDT", SDT_SIZE + 8 * n, 1);
	for (unsigned i = 0; i < n; i++)
		put(XSDT_PA + SDT_SIZE + 8 * i, entry[i], 8);
	seal(XSDT_PA);
}

void gas(uint64_t pa, uint8_t space, uint8_t width, uint8_t offset, uint8_t access,
		uint64_t address)
{
	put(pa, space, 1);
	put(pa + 1, width, 1);
	put(pa + 2, offset, 1);
	put(pa + 3, access, 1);
	put(pa + 4, address, 8);
}

/* A FADT like QEMU's q35 (ICH9 LPC, PM base 0x600): revision 3, 244 bytes. Not sealed. */
void fadt_q35(uint64_t pa)
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
void fadt_piix4(uint64_t pa)
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
uint32_t madt_local_apic(uint32_t off)
{
	put(APIC_PA + off, 0, 1);
	put(APIC_PA + off + 1, 8, 1);
	put(APIC_PA + off + 4, 1, 4); /* enabled */
	return off + 8;
}

uint32_t madt_ioapic(uint32_t off, uint8_t id, uint32_t pa, uint32_t gsi_base)
{
	put(APIC_PA + off, 1, 1);
	put(APIC_PA + off + 1, 12, 1);
	put(APIC_PA + off + 2, id, 1);
	put(APIC_PA + off + 4, pa, 4);
	put(APIC_PA + off + 8, gsi_base, 4);
	return off + 12;
}

uint32_t madt_override(uint32_t off, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	put(APIC_PA + off, 2, 1);
	put(APIC_PA + off + 1, 10, 1);
	put(APIC_PA + off + 3, irq, 1);
	put(APIC_PA + off + 4, gsi, 4);
	put(APIC_PA + off + 8, flags, 2);
	return off + 10;
}

/* Closes a MADT whose entries end at off. */
void madt_end(uint32_t off)
{
	put(APIC_PA + SDT_LENGTH, off, 4);
	seal(APIC_PA);
}

/* A MADT like QEMU's q35: the I/O APIC at 0xfec00000, IRQ 0 at GSI 2, IRQ 9 level-triggered. */
void madt(void)
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
void machine_q35_xsdt(void)
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
void machine_q35_rsdt(void)
{
	const uint32_t r[] = { FADT_PA, APIC_PA };

	madt();
	fadt_q35(FADT_PA);
	seal(FADT_PA);
	rsdt(r, 2);
	rsdp(0, RSDT_PA, 0);
}

/* Bochs with its BIOS: ACPI 1.0 everywhere. */
void machine_bochs(void)
{
	const uint32_t r[] = { FADT_PA, APIC_PA };

	madt();
	fadt_piix4(FADT_PA);
	seal(FADT_PA);
	rsdt(r, 2);
	rsdp(0, RSDT_PA, 0);
}

int setup(void **state)
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
