/* The ACPI tests' fixture (test_acpi.c, test_acpi_madt.c): fake physical memory behind an
 * acpi_map_fn, and builders of the tables QEMU's q35 and the Bochs BIOS give. */
#ifndef KEEL_TESTS_UNIT_ACPI_FIXTURE_H
#define KEEL_TESTS_UNIT_ACPI_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/acpi.h"

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

struct fake {
	uint64_t readable_end; /* bytes at or above this address are not readable */
	bool windowed;         /* hand every request out in one window, wiping the last one */
	unsigned calls;
};

extern uint8_t low[0x3000], high[0x1000];
extern struct fake fake;
extern struct acpi_control_ports ports;
extern char err[ACPI_ERROR_MAX];

const void *fake_map(void *ctx, uint64_t pa, uint64_t len);
uint8_t *at(uint64_t pa); /* the fake memory at pa, which must be inside it */
void put(uint64_t pa, uint64_t v, size_t n);
uint32_t get32(uint64_t pa);
uint8_t sum(uint64_t pa, size_t len);
void fix_checksum(uint64_t pa, size_t len, size_t off);
void seal(uint64_t sdt_pa);
void seal_rsdp(void);
void rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt);
void sdt(uint64_t pa, const char *sig, uint32_t len, uint8_t revision);
void rsdt(const uint32_t *entry, unsigned n);
void xsdt(const uint64_t *entry, unsigned n);
void gas(uint64_t pa, uint8_t space, uint8_t width, uint8_t offset, uint8_t access, uint64_t address);
void fadt_q35(uint64_t pa);
void fadt_piix4(uint64_t pa);
uint32_t madt_local_apic(uint32_t off);
uint32_t madt_ioapic(uint32_t off, uint8_t id, uint32_t pa, uint32_t gsi_base);
uint32_t madt_override(uint32_t off, uint8_t irq, uint32_t gsi, uint16_t flags);
void madt_end(uint32_t off);
void madt(void);
void machine_q35_xsdt(void);
void machine_q35_rsdt(void);
void machine_bochs(void);
int setup(void **state); /* every test's: fake memory filled with 0xee, err and ports poisoned */

#endif
