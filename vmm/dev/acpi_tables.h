/* The ACPI tables of a virtual PC (ACPI 6.x §5.2), built from a description of its
 * platform: the RSDP, the XSDT and the RSDT, the FADT with its FACS, the MADT and a DSDT
 * (docs/architecture.md, "ACPI tables of a domain", says what each holds and why). Pure
 * code: it writes bytes into the caller's buffer, allocates nothing and keeps nothing
 * global, so it runs in the hypervisor and in host unit tests alike. */
#ifndef KEEL_VMM_DEV_ACPI_TABLES_H
#define KEEL_VMM_DEV_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* The IA-PC's BIOS area, where an OS looks for the RSDP on a 16-byte boundary (§5.2.5.1). */
#define ACPI_BIOS_AREA 0xe0000ull
#define ACPI_BIOS_AREA_END 0x100000ull

/* The local APIC's processor UIDs are one byte, and APIC ID 0xff is the broadcast ID. */
#define ACPI_TABLES_MAX_VCPUS 255

/* What the device models must do to match the tables: */
#define ACPI_PM_TIMER_BITS 32    /* the PM timer counts 32 bits (FADT TMR_VAL_EXT) */
#define ACPI_SLP_TYP_S5 5        /* SLP_TYP written to PM1a_CNT to power off (\_S5) */
#define ACPI_RESET_VALUE 6       /* written to the reset register to reset the PC */

struct acpi_platform {
	unsigned vcpus;                              /* 1 to ACPI_TABLES_MAX_VCPUS */
	uint8_t apic_id[ACPI_TABLES_MAX_VCPUS];      /* vCPU i's local APIC ID: distinct, not 0xff */
	uint32_t lapic_address;                      /* every local APIC's registers */
	uint8_t ioapic_id;
	uint32_t ioapic_address;
	uint32_t ioapic_gsi_base;                    /* the GSI of its input 0 */
	unsigned ioapic_pins;                        /* must take GSIs 2, sci_irq and com1_irq */
	uint16_t pm1a_event_port;                    /* PM1 status, then enable: 4 ports */
	uint16_t pm1a_control_port;                  /* 2 ports */
	uint16_t pm_timer_port;                      /* 4 ports */
	uint16_t reset_port;                         /* 1 port */
	uint8_t sci_irq;                             /* the ISA IRQ of the SCI */
	uint16_t com1_port;                          /* 8 ports */
	uint8_t com1_irq;
	uint16_t pvpanic_port;                       /* 1 port: the pvpanic device (QEMU0001) */
	uint64_t area_address;                       /* guest-physical: where the tables go */
	size_t area_size;                            /* within the BIOS area */
};

struct acpi_tables {
	uint64_t rsdp_address; /* guest-physical, for the boot protocols to hand the kernel */
	size_t used;           /* bytes written from the start of the area */
};

/* Writes the tables into area, the host's view of [area_address, area_address + area_size)
 * of guest memory: the RSDP at the first 16-byte boundary, then the other tables, every
 * pointer the guest-physical address of its table. Bytes [0, out->used) are written (the
 * gaps between tables zeroed); the rest of the area is not touched. Returns 0, or -EINVAL
 * for a description the tables cannot express (nothing is written then): no vCPUs or too
 * many, an APIC ID repeated or 0xff, an SCI or COM1 IRQ that no ISA device may have (above
 * 15, or 0 and 2: the PIT's and the PIC cascade's), the two on one IRQ, a GSI the I/O APIC
 * lacks (2, the SCI's, COM1's), a port 0 or a register running past port 0xffff, an area
 * reaching outside the BIOS area; or -ENOSPC if the area is too small (part of it may have
 * been written, nothing past area_size). On an error out is zeroed. */
int acpi_tables_build(const struct acpi_platform *p, void *area, struct acpi_tables *out);

#endif
