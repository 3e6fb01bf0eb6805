/* The ACPI tables of a virtual PC (see acpi_tables.h). Field offsets: include/acpi.h. The
 * revisions are ACPI 6.3's, which Linux 6.1 and the iasl of Debian 12 know. */
#include "vmm/dev/acpi_tables.h"
#include "include/acpi.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/dev/aml.h"
#include "vmm/version.h"

#include <stdbool.h>

/* Who made the tables (§5.2.6): Keel, as OEM and as creator. Each table's OEM Table ID is
 * "KEEL" and its signature. */
#define OEM_ID "KEEL  "
#define OEM_REVISION 1
#define CREATOR_ID "KEEL"
#define CREATOR_REVISION (KEEL_VERSION_MAJOR << 16 | KEEL_VERSION_MINOR << 8 | KEEL_VERSION_PATCH)

#define RSDP_REVISION 2     /* ACPI 2.0 on: Length, XsdtAddress, extended checksum */
#define XSDT_REVISION 1
#define RSDT_REVISION 1
#define FADT_REVISION 6     /* ACPI 6.x, and FADT Minor Version 3: ACPI 6.3 */
#define FADT_MINOR 3
#define FACS_VERSION 2
#define MADT_REVISION 5
#define DSDT_REVISION 2     /* integers are 64 bits (§5.2.11.1) */
#define TABLE_ALIGN 16

/* Ports of the fixed hardware registers (§4.8.3): PM1 status and enable, 16 bits each;
 * PM1 control, 16 bits; the PM timer, 32. And a 16550's eight registers. */
#define PM1_EVT_LEN 4
#define PM1_CNT_LEN 2
#define PM_TMR_LEN 4
#define COM1_PORTS 8

/* FADT P_LVL2_LAT above 100 and P_LVL3_LAT above 1000 say there is no C2 and no C3. */
#define NO_C2_LATENCY 101
#define NO_C3_LATENCY 1001
/* The CMOS RTC byte where IBM PCs keep the century (the FADT's CENTURY, §5.2.9). */
#define RTC_CENTURY_INDEX 0x32

/* ISA IRQs 0-15. On a PC the PIT's IRQ 0 reaches the I/O APIC at input 2 (MultiProcessor
 * Specification 1.4 §5.3, table 5-2), and IRQ 2 is the master PIC's cascade input, which no
 * device has. */
#define ISA_IRQS 16
#define PIT_IRQ 0
#define PIT_GSI 2
#define CASCADE_IRQ 2

#define MADT_SIZE(vcpus) (ACPI_MADT_ENTRIES + (vcpus) * ACPI_MADT_LOCAL_APIC_SIZE + \
			  ACPI_MADT_IOAPIC_SIZE + 2 * ACPI_MADT_OVERRIDE_SIZE)
#define ROOT_ENTRIES 2      /* the FADT and the MADT */

/* The area being filled: base is where area_address lies in the host. */
struct area {
	uint8_t *base;
	uint64_t address;
	size_t size, used;
};

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v)); /* little endian, as ACPI */
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* Takes len bytes at the next multiple of align (a power of two) of guest-physical
 * addresses, zeroed with the gap before them; NULL if the area has no room for them. */
static uint8_t *take(struct area *a, uint64_t align, size_t len, uint64_t *address)
{
	uint64_t at = (a->address + a->used + align - 1) & ~(align - 1);
	size_t off = (size_t)(at - a->address);

	if (off > a->size || len > a->size - off)
		return NULL;
	memset(a->base + a->used, 0, off + len - a->used);
	a->used = off + len;
	*address = at;
	return a->base + off;
}

/* A register in system I/O space (§5.2.3.2). */
static void put_gas(uint8_t *t, size_t off, uint8_t bits, uint8_t access, uint16_t port)
{
	t[off] = ACPI_GAS_SYSTEM_IO;
	t[off + 1] = bits;
	t[off + 2] = 0; /* bit offset */
	t[off + 3] = access;
	put64(t, off + 4, port);
}

/* The header every table but the FACS starts with (§5.2.6); seal() sets its checksum. */
static void header(uint8_t *t, const char *signature, uint32_t length, uint8_t revision)
{
	memcpy(t, signature, 4);
	put32(t, ACPI_SDT_LENGTH, length);
	t[ACPI_SDT_REVISION] = revision;
	memcpy(t + ACPI_SDT_OEMID, OEM_ID, ACPI_OEMID_SIZE);
	memcpy(t + ACPI_SDT_OEM_TABLE_ID, "KEEL", 4);
	memcpy(t + ACPI_SDT_OEM_TABLE_ID + 4, signature, 4);
	put32(t, ACPI_SDT_OEM_REVISION, OEM_REVISION);
	memcpy(t + ACPI_SDT_CREATOR_ID, CREATOR_ID, 4);
	put32(t, ACPI_SDT_CREATOR_REVISION, CREATOR_REVISION);
}

/* Makes the table's bytes add up to 0; its checksum byte was 0. */
static void seal(uint8_t *t, size_t checksum_off, uint32_t length)
{
	t[checksum_off] = (uint8_t)-acpi_checksum(t, length);
}

static void write_rsdp(uint8_t *r, uint64_t rsdt, uint64_t xsdt)
{
	memcpy(r, ACPI_RSDP_SIGNATURE, 8);
	memcpy(r + ACPI_RSDP_OEMID, OEM_ID, ACPI_OEMID_SIZE);
	r[ACPI_RSDP_REVISION] = RSDP_REVISION;
	put32(r, ACPI_RSDP_RSDT_ADDRESS, (uint32_t)rsdt);
	put32(r, ACPI_RSDP_LENGTH, ACPI_RSDP_V2_SIZE);
	put64(r, ACPI_RSDP_XSDT_ADDRESS, xsdt);
	seal(r, ACPI_RSDP_CHECKSUM, ACPI_RSDP_V1_SIZE);
	seal(r, ACPI_RSDP_EXT_CHECKSUM, ACPI_RSDP_V2_SIZE);
}

/* The XSDT (64-bit entries, §5.2.8) or the RSDT (32-bit, §5.2.7). */
static void write_root(uint8_t *t, const char *signature, uint8_t revision, size_t entry_size,
		       const uint64_t *entry)
{
	uint32_t length = (uint32_t)(ACPI_SDT_HEADER_SIZE + ROOT_ENTRIES * entry_size);

	header(t, signature, length, revision);
	for (size_t i = 0; i < ROOT_ENTRIES; i++) {
		if (entry_size == 8)
			put64(t, ACPI_SDT_HEADER_SIZE + i * entry_size, entry[i]);
		else
			put32(t, ACPI_SDT_HEADER_SIZE + i * entry_size, (uint32_t)entry[i]);
	}
	seal(t, ACPI_SDT_CHECKSUM, length);
}

/* Fields left 0 say: no SMI command port, so no SMM and the platform is in ACPI mode from
 * reset (PM1_CNT.SCI_EN must read 1); no PM1b, PM2 or GPE blocks; no day or month alarm in the
 * RTC; no throttling; X_FIRMWARE_CTRL 0, as FIRMWARE_CTRL holds the FACS (only one of the
 * two may be non-zero); a preferred PM profile left unspecified. */
static void write_fadt(uint8_t *t, const struct acpi_platform *p, uint64_t facs, uint64_t dsdt)
{
	header(t, "FACP", ACPI_FADT_V6_SIZE, FADT_REVISION);
	put32(t, ACPI_FADT_FIRMWARE_CTRL, (uint32_t)facs);
	put32(t, ACPI_FADT_DSDT, (uint32_t)dsdt);
	put16(t, ACPI_FADT_SCI_INT, p->sci_irq);
	put32(t, ACPI_FADT_PM1A_EVT_BLK, p->pm1a_event_port);
	put32(t, ACPI_FADT_PM1A_CNT_BLK, p->pm1a_control_port);
	put32(t, ACPI_FADT_PM_TMR_BLK, p->pm_timer_port);
	t[ACPI_FADT_PM1_EVT_LEN] = PM1_EVT_LEN;
	t[ACPI_FADT_PM1_CNT_LEN] = PM1_CNT_LEN;
	t[ACPI_FADT_PM_TMR_LEN] = PM_TMR_LEN;
	put16(t, ACPI_FADT_P_LVL2_LAT, NO_C2_LATENCY);
	put16(t, ACPI_FADT_P_LVL3_LAT, NO_C3_LATENCY);
	t[ACPI_FADT_CENTURY] = RTC_CENTURY_INDEX;
	/* Legacy devices (the PIC, PIT, RTC, COM1), but no 8042 and no VGA; no PCI bus, so
	 * neither MSI nor PCIe ASPM (§5.2.9.3). */
	put16(t, ACPI_FADT_IAPC_BOOT_ARCH, ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_VGA_NOT_PRESENT |
	      ACPI_IAPC_MSI_NOT_SUPPORTED | ACPI_IAPC_PCIE_ASPM_CONTROLS);
	/* WBINVD works, C1 (HLT) on every CPU, a fixed-feature power button (PWR_BUTTON clear:
	 * PM1 PWRBTN_STS, which dom0's domain_shutdown presses) but no sleep button, no RTC wake
	 * status, a 32-bit PM timer, the reset register (§5.2.9.1, §4.8.2.2.1.1). */
	put32(t, ACPI_FADT_FLAGS, ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC |
	      (ACPI_PM_TIMER_BITS == 32 ? ACPI_FADT_TMR_VAL_EXT : 0) | ACPI_FADT_RESET_REG_SUP);
	put_gas(t, ACPI_FADT_RESET_REG, 8, ACPI_GAS_ACCESS_BYTE, p->reset_port);
	t[ACPI_FADT_RESET_VALUE] = ACPI_RESET_VALUE;
	t[ACPI_FADT_MINOR_VERSION] = FADT_MINOR;
	put64(t, ACPI_FADT_X_DSDT, dsdt);
	/* The X_ blocks repeat the 32-bit ones with the same widths, as an OS checks that they
	 * agree, accessed 16 bits (the PM1 registers) or 32 (the timer) at a time. */
	put_gas(t, ACPI_FADT_X_PM1A_EVT_BLK, 8 * PM1_EVT_LEN, ACPI_GAS_ACCESS_WORD,
		p->pm1a_event_port);
	put_gas(t, ACPI_FADT_X_PM1A_CNT_BLK, 8 * PM1_CNT_LEN, ACPI_GAS_ACCESS_WORD,
		p->pm1a_control_port);
	put_gas(t, ACPI_FADT_X_PM_TMR_BLK, 8 * PM_TMR_LEN, ACPI_GAS_ACCESS_DWORD, p->pm_timer_port);
	seal(t, ACPI_SDT_CHECKSUM, ACPI_FADT_V6_SIZE);
}

/* The waking vectors, the global lock and the flags are 0: there is no sleeping state to
 * wake from (no \_S1 to \_S4), the lock is free (the DSDT never takes it), and neither
 * S4BIOS nor a 64-bit waking environment is offered. */
static void write_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put32(t, ACPI_FACS_LENGTH, ACPI_FACS_SIZE);
	t[ACPI_FACS_VERSION] = FACS_VERSION;
}

static uint8_t *madt_override(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	e[0] = ACPI_MADT_OVERRIDE;
	e[1] = ACPI_MADT_OVERRIDE_SIZE;
	e[ACPI_MADT_OVERRIDE_BUS] = 0;
	e[ACPI_MADT_OVERRIDE_SOURCE] = irq;
	put32(e, ACPI_MADT_OVERRIDE_GSI, gsi);
	put16(e, ACPI_MADT_OVERRIDE_FLAGS, flags);
	return e + ACPI_MADT_OVERRIDE_SIZE;
}

/* vCPU i's local APIC has processor UID i, the _UID of the DSDT's processor device CPxx (i
 * in two hex digits, §5.2.12.2). The overrides are a PC's: IRQ 0 at input 2, and the SCI
 * level-triggered and active low, as the FADT's SCI_INT requires (§5.2.9). */
static void write_madt(uint8_t *t, const struct acpi_platform *p)
{
	uint32_t length = MADT_SIZE(p->vcpus);
	uint8_t *e = t + ACPI_MADT_ENTRIES;

	header(t, "APIC", length, MADT_REVISION);
	put32(t, ACPI_MADT_LAPIC_ADDRESS, p->lapic_address);
	put32(t, ACPI_MADT_FLAGS, ACPI_MADT_PCAT_COMPAT);
	for (unsigned i = 0; i < p->vcpus; i++, e += ACPI_MADT_LOCAL_APIC_SIZE) {
		e[0] = ACPI_MADT_LOCAL_APIC;
		e[1] = ACPI_MADT_LOCAL_APIC_SIZE;
		e[ACPI_MADT_LOCAL_APIC_UID] = (uint8_t)i;
		e[ACPI_MADT_LOCAL_APIC_ID] = p->apic_id[i];
		put32(e, ACPI_MADT_LOCAL_APIC_FLAGS, ACPI_MADT_LOCAL_APIC_ENABLED);
	}
	e[0] = ACPI_MADT_IOAPIC;
	e[1] = ACPI_MADT_IOAPIC_SIZE;
	e[ACPI_MADT_IOAPIC_ID] = p->ioapic_id;
	put32(e, ACPI_MADT_IOAPIC_ADDRESS, p->ioapic_address);
	put32(e, ACPI_MADT_IOAPIC_GSI_BASE, p->ioapic_gsi_base);
	e += ACPI_MADT_IOAPIC_SIZE;
	e = madt_override(e, PIT_IRQ, PIT_GSI, 0); /* 0: ISA's signalling, edge and active high */
	madt_override(e, p->sci_irq, p->sci_irq, ACPI_MPS_POLARITY_LOW | ACPI_MPS_TRIGGER_LEVEL);
	seal(t, ACPI_SDT_CHECKSUM, length);
}

/* Device (CPxx) { Name (_HID, "ACPI0007") Name (_UID, i) }: a processor as ACPI 6.x
 * declares one, under \_SB, with the UID of its MADT entry (§8.4). */
static void aml_processor(struct aml *a, unsigned i)
{
	static const char hex[] = "0123456789ABCDEF";
	const char name[] = { 'C', 'P', hex[i >> 4 & 0xf], hex[i & 0xf], '\0' };
	size_t dev = aml_device(a, name);

	aml_name(a, "_HID");
	aml_string(a, "ACPI0007");
	aml_name(a, "_UID");
	aml_integer(a, i);
	aml_end(a, dev);
}

/* COM1, a 16550 UART (PNP0501): its ports and its ISA IRQ (§6.2.2 _CRS), present and
 * working (_STA bits 0-3, §6.3.7). */
static void aml_com1(struct aml *a, const struct acpi_platform *p)
{
	size_t dev = aml_device(a, "COM1"), crs;

	aml_name(a, "_HID");
	aml_eisa_id(a, "PNP0501");
	aml_name(a, "_UID");
	aml_integer(a, 1);
	aml_name(a, "_STA");
	aml_integer(a, 0xf);
	aml_name(a, "_CRS");
	crs = aml_resources(a);
	aml_io(a, p->com1_port, COM1_PORTS);
	aml_irq(a, p->com1_irq);
	aml_resources_end(a, crs);
	aml_end(a, dev);
}

/* The pvpanic device, QEMU's paravirtual panic notifier (ACPI id QEMU0001, one port): a
 * guest's driver writes to it when its kernel panics. Present and enabled. */
static void aml_pvpanic(struct aml *a, const struct acpi_platform *p)
{
	size_t dev = aml_device(a, "PEVT"), crs;

	aml_name(a, "_HID");
	aml_string(a, "QEMU0001");
	aml_name(a, "_STA");
	aml_integer(a, 0xf);
	aml_name(a, "_CRS");
	crs = aml_resources(a);
	aml_io(a, p->pvpanic_port, 1);
	aml_resources_end(a, crs);
	aml_end(a, dev);
}

/* \_S5: the SLP_TYP values that make PM1a_CNT (and PM1b_CNT, absent) power off, and two
 * reserved elements (§7.4.2). Then the processors, COM1 and the pvpanic device under \_SB. There is no PCI bus,
 * so no PCI root bridge. */
static int write_dsdt(struct area *area, const struct acpi_platform *p, uint64_t *address)
{
	uint8_t *t = take(area, TABLE_ALIGN, ACPI_SDT_HEADER_SIZE, address);
	struct aml a;
	size_t pkg, sb;

	if (!t)
		return -ENOSPC;
	aml_init(&a, t + ACPI_SDT_HEADER_SIZE, area->size - area->used);
	aml_name(&a, "\\_S5");
	pkg = aml_package(&a, 4);
	aml_integer(&a, ACPI_SLP_TYP_S5);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_end(&a, pkg);
	sb = aml_scope(&a, "\\_SB");
	for (unsigned i = 0; i < p->vcpus; i++)
		aml_processor(&a, i);
	aml_com1(&a, p);
	aml_pvpanic(&a, p);
	aml_end(&a, sb);
	if (a.failed)
		return -ENOSPC;
	area->used += a.len;
	header(t, "DSDT", (uint32_t)(ACPI_SDT_HEADER_SIZE + a.len), DSDT_REVISION);
	seal(t, ACPI_SDT_CHECKSUM, (uint32_t)(ACPI_SDT_HEADER_SIZE + a.len));
	return 0;
}

/* An ISA IRQ a device may have, reaching the I/O APIC at GSI irq. */
static bool device_irq(unsigned irq)
{
	return irq < ISA_IRQS && irq != PIT_IRQ && irq != CASCADE_IRQ;
}

static bool ioapic_has(const struct acpi_platform *p, uint64_t gsi)
{
	return gsi >= p->ioapic_gsi_base && gsi - p->ioapic_gsi_base < p->ioapic_pins;
}

static bool port_range(uint16_t first, unsigned count)
{
	return first != 0 && first + count <= 0x10000u;
}

static bool valid(const struct acpi_platform *p)
{
	bool seen[ACPI_TABLES_MAX_VCPUS] = { false };

	if (p->vcpus == 0 || p->vcpus > ACPI_TABLES_MAX_VCPUS)
		return false;
	for (unsigned i = 0; i < p->vcpus; i++) {
		if (p->apic_id[i] == 0xff || seen[p->apic_id[i]])
			return false;
		seen[p->apic_id[i]] = true;
	}
	return device_irq(p->sci_irq) && device_irq(p->com1_irq) && p->sci_irq != p->com1_irq &&
	       ioapic_has(p, PIT_GSI) && ioapic_has(p, p->sci_irq) && ioapic_has(p, p->com1_irq) &&
	       port_range(p->pm1a_event_port, PM1_EVT_LEN) &&
	       port_range(p->pm1a_control_port, PM1_CNT_LEN) &&
	       port_range(p->pm_timer_port, PM_TMR_LEN) && port_range(p->reset_port, 1) &&
	       port_range(p->com1_port, COM1_PORTS) && port_range(p->pvpanic_port, 1) &&
	       p->area_address >= ACPI_BIOS_AREA && p->area_address <= ACPI_BIOS_AREA_END &&
	       p->area_size <= ACPI_BIOS_AREA_END - p->area_address;
}

int acpi_tables_build(const struct acpi_platform *p, void *area, struct acpi_tables *out)
{
	struct area a = { .base = area, .address = p->area_address, .size = p->area_size };
	uint64_t rsdp, xsdt, rsdt, fadt, facs, madt, dsdt;
	uint8_t *r, *x, *rt, *f, *fc, *m;
	int rc;

	out->rsdp_address = 0;
	out->used = 0;
	if (!valid(p))
		return -EINVAL;
	r = take(&a, TABLE_ALIGN, ACPI_RSDP_V2_SIZE, &rsdp);
	x = take(&a, TABLE_ALIGN, ACPI_SDT_HEADER_SIZE + ROOT_ENTRIES * 8, &xsdt);
	rt = take(&a, TABLE_ALIGN, ACPI_SDT_HEADER_SIZE + ROOT_ENTRIES * 4, &rsdt);
	f = take(&a, TABLE_ALIGN, ACPI_FADT_V6_SIZE, &fadt);
	fc = take(&a, ACPI_FACS_ALIGN, ACPI_FACS_SIZE, &facs);
	m = take(&a, TABLE_ALIGN, MADT_SIZE(p->vcpus), &madt);
	if (!r || !x || !rt || !f || !fc || !m)
		return -ENOSPC;
	rc = write_dsdt(&a, p, &dsdt);
	if (rc)
		return rc;

	const uint64_t entries[ROOT_ENTRIES] = { fadt, madt };

	write_fadt(f, p, facs, dsdt);
	write_facs(fc);
	write_madt(m, p);
	write_root(x, "XSDT", XSDT_REVISION, 8, entries);
	write_root(rt, "RSDT", RSDT_REVISION, 4, entries);
	write_rsdp(r, rsdt, xsdt);
	out->rsdp_address = rsdp;
	out->used = a.used;
	return 0;
}
