/* What Keel reads from the ACPI tables (ACPI 6.x §5.2: the RSDP, then the XSDT or RSDT,
 * then the FADT or the MADT): the I/O ports through which software resets or powers off
 * the PC, which Keel refuses as configuration settings, the power-management timer, a clock
 * to count the TSC against where the PIT does not count, and the I/O APIC input of the
 * PIT's IRQ 0, which the watchdog turns into an NMI. Host-testable: memory is reached only
 * through a callback, nothing is allocated and nothing global is kept. */
#ifndef KEEL_DRIVERS_ACPI_H
#define KEEL_DRIVERS_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CONTROL_PORTS 8
#define ACPI_ERROR_MAX 128 /* room for any error message acpi_find_control_ports writes */

/* Returns a pointer to len readable bytes at physical address pa, or NULL if they are not
 * readable. The parser uses a returned pointer only until its next call of the callback, so
 * the callback may map every request into the same window. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t pa, uint64_t len);

struct acpi_port_range {
	uint16_t first, count;   /* ports [first, first + count), never past 0xffff */
	const char *what;        /* e.g. "the ACPI PM1a control block" (a static string) */
};

struct acpi_control_ports {
	unsigned count;
	struct acpi_port_range range[ACPI_MAX_CONTROL_PORTS];
};

/* Reads the RSDP at rsdp_pa, then the XSDT (RSDP revision >= 2 with a non-zero XsdtAddress)
 * or else the RSDT, finds the first FADT ("FACP") among its entries (entries that are 0 are
 * skipped) and lists, in this order, the I/O-space ports of:
 * - the PM1a and PM1b control blocks: PM1_CNT_LEN ports each, at least 2 (SLP_TYP and SLP_EN
 *   are in the second byte); X_PM1a_CNT_BLK / X_PM1b_CNT_BLK, when the FADT is long enough
 *   to hold them, non-zero and in system I/O space, take precedence over the 32-bit fields
 *   (then the range also covers the GAS's width if that is larger);
 * - the PM2 control block, the same way (PM2_CNT_LEN ports, at least 1);
 * - the SMI command port: 1 port (writing it makes the firmware run SMM code);
 * - the reset register, when the FADT is long enough to hold RESET_REG and its address space
 *   is system I/O (whatever the RESET_REG_SUP flag says): as many ports as its bit offset
 *   plus bit width, or its access size if larger, span; 1 port if the GAS gives neither.
 * A block whose address is 0 is absent. Ports are 16 bits: a range starting above 0xffff is
 * skipped, one running past 0xffff is clamped to end at 0xffff. Duplicate or overlapping
 * ranges are all listed; ranges beyond ACPI_MAX_CONTROL_PORTS are dropped.
 * Every checksum is verified (the RSDP's over its first 20 bytes and, for revision >= 2, its
 * extended checksum over its Length; the RSDT/XSDT and FADT over their Length) and every
 * field read is inside its table's Length.
 * Returns 0 and fills out, or a negative errno with out->count = 0 and a one-line reason in
 * err (if errlen > 0) naming the table and field: -ENOENT when there is no RSDP (rsdp_pa is
 * 0, unreadable or without the "RSD PTR " signature) or no FADT, -EINVAL for a malformed or
 * unreadable table, e.g. "FADT checksum is 0x12, not 0". */
int acpi_find_control_ports(uint64_t rsdp_pa, acpi_map_fn map, void *ctx,
			    struct acpi_control_ports *out, char *err, size_t errlen);

/* The ACPI power-management timer (§4.8.3.3): a counter at 3.579545 MHz. */
#define ACPI_PM_TIMER_HZ 3579545

struct acpi_pm_timer {
	uint16_t port;
	unsigned bits; /* 24, or 32 where the FADT's TMR_VAL_EXT flag says so */
};

/* Finds the FADT as acpi_find_control_ports does and reads its PM timer: X_PM_TMR_BLK when
 * the FADT is long enough to hold it and it is non-zero (it must be in system I/O space),
 * else PM_TMR_BLK; PM_TMR_LEN must be 4. Returns 0 and fills out, or a negative errno with
 * a one-line reason in err: -ENOENT when there is no RSDP, no FADT or no timer (or one not
 * in I/O space), -EINVAL for a malformed table or timer block. */
int acpi_find_pm_timer(uint64_t rsdp_pa, acpi_map_fn map, void *ctx, struct acpi_pm_timer *out,
		       char *err, size_t errlen);

/* Where an ISA IRQ reaches an I/O APIC (§5.2.12): the I/O APIC's registers and its input. */
struct acpi_ioapic_input {
	uint64_t ioapic_pa;
	uint32_t pin;     /* the GSI minus the I/O APIC's GSI base */
	bool active_low;  /* else active high */
	bool level;       /* level-triggered, else edge */
};

/* Finds the MADT ("APIC") through the RSDP and the XSDT or RSDT, as acpi_find_control_ports
 * does, and in it where ISA IRQ irq arrives: the GSI and signalling of its Interrupt Source
 * Override (bus 0, source irq) if there is one, else GSI irq, active high, edge; then the
 * I/O APIC with the highest GSI base not above that GSI. Every entry must fit in the table.
 * Returns 0 and fills out, or a negative errno with a one-line reason in err: -ENOENT when
 * there is no RSDP, no MADT or no such I/O APIC, -EINVAL for a malformed table. */
int acpi_find_isa_irq(uint64_t rsdp_pa, acpi_map_fn map, void *ctx, unsigned irq,
		      struct acpi_ioapic_input *out, char *err, size_t errlen);

/* The first range holding port, or NULL. */
const struct acpi_port_range *acpi_port_lookup(const struct acpi_control_ports *ports,
					       uint16_t port);

#endif
