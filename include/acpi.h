/* The ACPI specification, 6.x: where the fields of the tables Keel reads and writes lie.
 * drivers/acpi.c reads the firmware's tables; vmm/dev/acpi_tables.c writes each domain's.
 * Tables are byte-packed (most multi-byte fields are unaligned), so fields are given as
 * byte offsets from the start of their table or entry; numbers are little endian (§5.2). */
#ifndef KEEL_ACPI_H
#define KEEL_ACPI_H

#include <stdint.h>

/* Root System Description Pointer (§5.2.5.3). */
#define ACPI_RSDP_SIGNATURE "RSD PTR "
#define ACPI_RSDP_CHECKSUM 8      /* makes the first 20 bytes add up to 0 */
#define ACPI_RSDP_OEMID 9
#define ACPI_RSDP_REVISION 15
#define ACPI_RSDP_RSDT_ADDRESS 16
#define ACPI_RSDP_V1_SIZE 20      /* what the ACPI 1.0 checksum covers */
#define ACPI_RSDP_LENGTH 20       /* revision >= 2 from here on */
#define ACPI_RSDP_XSDT_ADDRESS 24
#define ACPI_RSDP_EXT_CHECKSUM 32 /* makes all Length bytes add up to 0 */
#define ACPI_RSDP_V2_SIZE 36

/* System Description Table header (§5.2.6), at the start of every table but the FACS. */
#define ACPI_SDT_LENGTH 4
#define ACPI_SDT_REVISION 8
#define ACPI_SDT_CHECKSUM 9       /* makes all Length bytes add up to 0 */
#define ACPI_SDT_OEMID 10         /* 6 bytes */
#define ACPI_SDT_OEM_TABLE_ID 16  /* 8 bytes */
#define ACPI_SDT_OEM_REVISION 24
#define ACPI_SDT_CREATOR_ID 28
#define ACPI_SDT_CREATOR_REVISION 32
#define ACPI_SDT_HEADER_SIZE 36
#define ACPI_OEMID_SIZE 6

/* Fixed ACPI Description Table (§5.2.9). */
#define ACPI_FADT_FIRMWARE_CTRL 36
#define ACPI_FADT_DSDT 40
#define ACPI_FADT_SCI_INT 46
#define ACPI_FADT_SMI_CMD 48
#define ACPI_FADT_PM1A_EVT_BLK 56
#define ACPI_FADT_PM1A_CNT_BLK 64
#define ACPI_FADT_PM1B_CNT_BLK 68
#define ACPI_FADT_PM2_CNT_BLK 72
#define ACPI_FADT_PM_TMR_BLK 76
#define ACPI_FADT_PM1_EVT_LEN 88
#define ACPI_FADT_PM1_CNT_LEN 89
#define ACPI_FADT_PM2_CNT_LEN 90
#define ACPI_FADT_PM_TMR_LEN 91
#define ACPI_FADT_P_LVL2_LAT 96
#define ACPI_FADT_P_LVL3_LAT 98
#define ACPI_FADT_CENTURY 108
#define ACPI_FADT_IAPC_BOOT_ARCH 109
#define ACPI_FADT_FLAGS 112
#define ACPI_FADT_V1_SIZE 116     /* an ACPI 1.0 FADT ends after Flags */
#define ACPI_FADT_RESET_REG 116
#define ACPI_FADT_RESET_VALUE 128
#define ACPI_FADT_MINOR_VERSION 131
#define ACPI_FADT_X_DSDT 140
#define ACPI_FADT_X_PM1A_EVT_BLK 148
#define ACPI_FADT_X_PM1A_CNT_BLK 172
#define ACPI_FADT_X_PM1B_CNT_BLK 184
#define ACPI_FADT_X_PM2_CNT_BLK 196
#define ACPI_FADT_X_PM_TMR_BLK 208
#define ACPI_FADT_V6_SIZE 276     /* revision 6 (ACPI 6.x) ends after the hypervisor vendor */

/* FADT Flags (§5.2.9.1). */
#define ACPI_FADT_WBINVD (1u << 0)
#define ACPI_FADT_PROC_C1 (1u << 2)
#define ACPI_FADT_PWR_BUTTON (1u << 4)  /* set: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON (1u << 5)  /* set: no fixed-feature sleep button */
#define ACPI_FADT_FIX_RTC (1u << 6)     /* set: no RTC wake status in the fixed registers */
#define ACPI_FADT_TMR_VAL_EXT (1u << 8) /* the PM timer counts 32 bits, else 24 */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)

/* IA-PC Boot Architecture Flags (§5.2.9.3); bit 1 would say an 8042 is present. */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_VGA_NOT_PRESENT (1u << 2)
#define ACPI_IAPC_MSI_NOT_SUPPORTED (1u << 3)
#define ACPI_IAPC_PCIE_ASPM_CONTROLS (1u << 4) /* set: OSPM must not enable ASPM */

/* Generic Address Structure (§5.2.3.2). */
#define ACPI_GAS_SIZE 12
#define ACPI_GAS_SYSTEM_IO 1      /* Address Space ID 1: system I/O; 0 is system memory */
#define ACPI_GAS_ACCESS_BYTE 1    /* Access Size: 1 byte, 2 word, 3 dword, 4 qword */
#define ACPI_GAS_ACCESS_WORD 2
#define ACPI_GAS_ACCESS_DWORD 3

/* Firmware ACPI Control Structure (§5.2.10): no checksum, 64-byte aligned. */
#define ACPI_FACS_LENGTH 4
#define ACPI_FACS_VERSION 32
#define ACPI_FACS_SIZE 64
#define ACPI_FACS_ALIGN 64

/* Multiple APIC Description Table (§5.2.12): entries after the flags, each type, length. */
#define ACPI_MADT_LAPIC_ADDRESS 36
#define ACPI_MADT_FLAGS 40
#define ACPI_MADT_PCAT_COMPAT 1u  /* the PC's 8259 pair is there too */
#define ACPI_MADT_ENTRIES 44
#define ACPI_MADT_LOCAL_APIC 0    /* §5.2.12.2: processor UID, APIC ID, flags (32) */
#define ACPI_MADT_LOCAL_APIC_SIZE 8
#define ACPI_MADT_LOCAL_APIC_UID 2
#define ACPI_MADT_LOCAL_APIC_ID 3
#define ACPI_MADT_LOCAL_APIC_FLAGS 4
#define ACPI_MADT_LOCAL_APIC_ENABLED 1u
#define ACPI_MADT_IOAPIC 1        /* §5.2.12.3: id, reserved, address (32), GSI base (32) */
#define ACPI_MADT_IOAPIC_SIZE 12
#define ACPI_MADT_IOAPIC_ID 2
#define ACPI_MADT_IOAPIC_ADDRESS 4
#define ACPI_MADT_IOAPIC_GSI_BASE 8
#define ACPI_MADT_OVERRIDE 2      /* §5.2.12.5: bus, source, GSI (32), flags (16) */
#define ACPI_MADT_OVERRIDE_SIZE 10
#define ACPI_MADT_OVERRIDE_BUS 2  /* 0: ISA */
#define ACPI_MADT_OVERRIDE_SOURCE 3
#define ACPI_MADT_OVERRIDE_GSI 4
#define ACPI_MADT_OVERRIDE_FLAGS 8

/* MPS INTI flags of an override (§5.2.12.5, as MultiProcessor Specification 1.4 table 4-10). */
#define ACPI_MPS_POLARITY_MASK 3u        /* bits 1:0: 0 as the bus says, 1 high, 3 low */
#define ACPI_MPS_POLARITY_LOW 3u
#define ACPI_MPS_TRIGGER_MASK (3u << 2)  /* bits 3:2: 0 as the bus says, 1 edge, 3 level */
#define ACPI_MPS_TRIGGER_LEVEL (3u << 2)

/* The sum of len bytes, modulo 256: a table is valid when its bytes add up to 0. */
static inline uint8_t acpi_checksum(const void *bytes, uint64_t len)
{
	const uint8_t *p = bytes;
	uint8_t sum = 0;

	for (uint64_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

#endif
