/* vmm/dev/acpi_tables.c: a virtual PC's ACPI tables for 1, 2, 8 and 255 vCPUs, checked
 * field by field at offsets of the test's own, read back by Keel's parser (drivers/acpi.c)
 * and disassembled by iasl (Debian's acpica-tools), which must say nothing is wrong. The
 * tables go into the fixture's fake memory at 0xe0000 (acpi_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "lib/errno.h"
#include "tests/unit/acpi_fixture.h"
#include "vmm/dev/acpi_tables.h"
#include "vmm/version.h"

/* FADT (§5.2.9), FACS (§5.2.10) and MADT (§5.2.12) offsets beyond the fixture's. */
enum { MADT_LAPIC_ADDRESS = 36, MADT_FLAGS = 40, MADT_ENTRIES = 44, FADT_FIRMWARE_CTRL = 36,
       FADT_SCI_INT = 46, FADT_P_LVL2_LAT = 96, FADT_P_LVL3_LAT = 98, FADT_CENTURY = 108,
       FADT_IAPC_BOOT_ARCH = 109, FADT_MINOR_VERSION = 131, FADT_X_FIRMWARE_CTRL = 132,
       FADT_X_DSDT = 140, FADT_SIZE = 276, FACS_VERSION = 32 };

/* Where each table lands when the area starts at 0xe0000 (16-byte aligned, the FACS 64). */
struct layout {
	unsigned vcpus;
	uint64_t rsdp, xsdt, rsdt, fadt, facs, madt, dsdt;
	uint32_t madt_len, dsdt_len;
	size_t used;
};

static const struct layout layouts[] = {
	{ 1, 0xe0000, 0xe0030, 0xe0070, 0xe00a0, 0xe01c0, 0xe0200, 0xe0260, 84, 186, 794 },
	{ 2, 0xe0000, 0xe0030, 0xe0070, 0xe00a0, 0xe01c0, 0xe0200, 0xe0260, 92, 214, 822 },
	{ 8, 0xe0000, 0xe0030, 0xe0070, 0xe00a0, 0xe01c0, 0xe0200, 0xe0290, 140, 388, 1044 },
	{ 255, 0xe0000, 0xe0030, 0xe0070, 0xe00a0, 0xe01c0, 0xe0200, 0xe0a50, 2116, 7552, 10192 },
};

static struct acpi_tables built;

/* The virtual PC of issue 15 with ports like QEMU's q35. With fewer than 128 vCPUs vCPU i
 * has APIC ID 2i, so a UID written for an APIC ID shows; with more, i. */
static struct acpi_platform pc(unsigned vcpus)
{
	struct acpi_platform p = {
		.vcpus = vcpus, .lapic_address = 0xfee00000, .ioapic_id = 0x0f,
		.ioapic_address = 0xfec00000, .ioapic_gsi_base = 0, .ioapic_pins = 24,
		.pm1a_event_port = 0x600, .pm1a_control_port = 0x604, .pm_timer_port = 0x608,
		.reset_port = 0xcf9, .sci_irq = 9, .com1_port = 0x3f8, .com1_irq = 4,
		.pvpanic_port = 0x505, .area_address = LOW_PA, .area_size = sizeof(low),
	};

	for (unsigned i = 0; i < vcpus; i++)
		p.apic_id[i] = (uint8_t)(vcpus < 128 ? 2 * i : i);
	return p;
}

static int build(const struct acpi_platform *p)
{
	memset(&built, 0x5a, sizeof(built));
	return acpi_tables_build(p, at(p->area_address), &built);
}

/* The n-byte number at pa (little endian, as ACPI and the host). */
static uint64_t get(uint64_t pa, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, at(pa), n);
	return v;
}

/* A table's header as Keel writes every one (§5.2.6), and its checksum. */
static void expect_table(uint64_t pa, const char *sig, uint32_t len, uint8_t revision)
{
	char table_id[9];

	assert_memory_equal(at(pa), sig, 4);
	assert_int_equal(get32(pa + SDT_LENGTH), len);
	assert_int_equal(at(pa)[SDT_REVISION], revision);
	assert_int_equal(sum(pa, len), 0);
	assert_memory_equal(at(pa + SDT_OEMID), "KEEL  ", 6);
	snprintf(table_id, sizeof(table_id), "KEEL%s", sig);
	assert_memory_equal(at(pa + SDT_OEMID + 6), table_id, 8);
	assert_int_equal(get32(pa + 24), 1);            /* OEM revision */
	assert_memory_equal(at(pa + 28), "KEEL", 4);    /* creator */
	assert_int_equal(get32(pa + 32), KEEL_VERSION_MAJOR << 16 | KEEL_VERSION_MINOR << 8 |
			 KEEL_VERSION_PATCH);           /* Keel's version, 0x000200 for 0.2.0 */
}

static void expect_gas(uint64_t pa, uint8_t bits, uint8_t access, uint64_t port)
{
	const uint8_t want[4] = { GAS_SYSTEM_IO, bits, 0, access };

	assert_memory_equal(at(pa), want, 4);
	assert_int_equal(get(pa + 4, 8), port);
}

static void expect_fadt(const struct layout *l)
{
	uint64_t f = l->fadt;

	expect_table(f, "FACP", FADT_SIZE, 6);
	assert_int_equal(at(f)[FADT_MINOR_VERSION], 3);
	assert_int_equal(get32(f + FADT_FIRMWARE_CTRL), l->facs);
	assert_int_equal(get(f + FADT_X_FIRMWARE_CTRL, 8), 0);
	assert_int_equal(get32(f + FADT_DSDT), l->dsdt);
	assert_int_equal(get(f + FADT_X_DSDT, 8), l->dsdt);
	assert_int_equal(get(f + FADT_SCI_INT, 2), 9);
	assert_int_equal(get32(f + FADT_SMI_CMD), 0);
	assert_int_equal(get32(f + FADT_PM1A_EVT_BLK), 0x600);
	assert_int_equal(get32(f + FADT_PM1B_EVT_BLK), 0);
	assert_int_equal(get32(f + FADT_PM1A_CNT_BLK), 0x604);
	assert_int_equal(get32(f + FADT_PM1B_CNT_BLK), 0);
	assert_int_equal(get32(f + FADT_PM2_CNT_BLK), 0);
	assert_int_equal(get32(f + FADT_PM_TMR_BLK), 0x608);
	assert_int_equal(get32(f + FADT_GPE0_BLK), 0);
	assert_int_equal(at(f)[FADT_PM1_EVT_LEN], 4);
	assert_int_equal(at(f)[FADT_PM1_CNT_LEN], 2);
	assert_int_equal(at(f)[FADT_PM2_CNT_LEN], 0);
	assert_int_equal(at(f)[FADT_PM_TMR_LEN], 4);
	assert_int_equal(get(f + FADT_P_LVL2_LAT, 2), 101);
	assert_int_equal(get(f + FADT_P_LVL3_LAT, 2), 1001);
	assert_int_equal(at(f)[FADT_CENTURY], 0x32);
	/* Legacy devices, VGA not present, MSI not supported, no ASPM; no 8042. */
	assert_int_equal(get(f + FADT_IAPC_BOOT_ARCH, 2), 0x001d);
	/* WBINVD, PROC_C1, SLP_BUTTON, FIX_RTC, TMR_VAL_EXT, RESET_REG_SUP; PWR_BUTTON (bit 4)
	 * clear: a fixed-feature power button; HW_REDUCED_ACPI (bit 20) clear. */
	assert_int_equal(get32(f + FADT_FLAGS), 0x565);
	expect_gas(f + FADT_RESET_REG, 8, 1, 0xcf9);
	assert_int_equal(at(f)[FADT_RESET_VALUE], 6);
	expect_gas(f + FADT_X_PM1A_EVT_BLK, 32, 2, 0x600);
	expect_gas(f + FADT_X_PM1A_CNT_BLK, 16, 2, 0x604);
	expect_gas(f + FADT_X_PM_TMR_BLK, 32, 3, 0x608);
}

static void expect_madt(const struct layout *l)
{
	uint64_t m = l->madt, e = m + MADT_ENTRIES;
	const struct acpi_platform p = pc(l->vcpus);

	expect_table(m, "APIC", l->madt_len, 5);
	assert_int_equal(get32(m + MADT_LAPIC_ADDRESS), 0xfee00000);
	assert_int_equal(get32(m + MADT_FLAGS), 1); /* PCAT_COMPAT */
	for (unsigned i = 0; i < l->vcpus; i++, e += 8) {
		const uint8_t lapic[8] = { 0, 8, (uint8_t)i, p.apic_id[i], 1, 0, 0, 0 };

		assert_memory_equal(at(e), lapic, 8);
	}
	const uint8_t rest[] = {
		1, 12, 0x0f, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0,  /* I/O APIC, GSI base 0 */
		2, 10, 0, 0, 2, 0, 0, 0, 0x00, 0x00,                /* IRQ 0 -> GSI 2, as ISA */
		2, 10, 0, 9, 9, 0, 0, 0, 0x0f, 0x00,                /* SCI: level, active low */
	};
	assert_int_equal(e + sizeof(rest), m + l->madt_len);
	assert_memory_equal(at(e), rest, sizeof(rest));
}

/* Every table where the layout says, its pointers at the others, its length exact; the gaps
 * between tables zeroed and the area beyond the last untouched. */
static void expect_layout(const struct layout *l)
{
	const struct { uint64_t pa, len; } tables[] = {
		{ l->rsdp, 36 }, { l->xsdt, 52 }, { l->rsdt, 44 }, { l->fadt, FADT_SIZE },
		{ l->facs, 64 }, { l->madt, l->madt_len }, { l->dsdt, l->dsdt_len },
	};

	assert_int_equal(built.rsdp_address, l->rsdp);
	assert_int_equal(built.used, l->used);

	assert_memory_equal(at(l->rsdp), "RSD PTR ", 8);
	assert_int_equal(sum(l->rsdp, 20), 0);
	assert_int_equal(sum(l->rsdp, 36), 0);
	assert_memory_equal(at(l->rsdp + RSDP_OEMID), "KEEL  ", 6);
	assert_int_equal(at(l->rsdp)[RSDP_REVISION], 2);
	assert_int_equal(get32(l->rsdp + RSDP_RSDT), l->rsdt);
	assert_int_equal(get32(l->rsdp + RSDP_LENGTH), 36);
	assert_int_equal(get(l->rsdp + RSDP_XSDT, 8), l->xsdt);

	expect_table(l->xsdt, "XSDT", 52, 1);
	assert_int_equal(get(l->xsdt + SDT_SIZE, 8), l->fadt);
	assert_int_equal(get(l->xsdt + SDT_SIZE + 8, 8), l->madt);
	expect_table(l->rsdt, "RSDT", 44, 1);
	assert_int_equal(get32(l->rsdt + SDT_SIZE), l->fadt);
	assert_int_equal(get32(l->rsdt + SDT_SIZE + 4), l->madt);
	expect_fadt(l);
	assert_int_equal(l->facs % 64, 0);
	assert_memory_equal(at(l->facs), "FACS", 4);
	assert_int_equal(get32(l->facs + 4), 64);
	assert_int_equal(at(l->facs)[FACS_VERSION], 2);
	expect_madt(l);
	expect_table(l->dsdt, "DSDT", l->dsdt_len, 2);

	for (uint64_t pa = LOW_PA; pa < LOW_PA + l->used; pa++) {
		bool in_table = false;

		for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
			in_table |= pa >= tables[t].pa && pa < tables[t].pa + tables[t].len;
		if (!in_table && *at(pa) != 0)
			fail_msg("the gap byte at 0x%llx is 0x%02x", (unsigned long long)pa, *at(pa));
	}
	for (uint64_t pa = LOW_PA + l->used; pa < LOW_PA + sizeof(low); pa++)
		assert_int_equal(*at(pa), 0xee);
}

/* Fresh fake memory, and in it the tables of a PC with l's vCPUs. */
static void build_for(void **state, const struct layout *l)
{
	const struct acpi_platform p = pc(l->vcpus);

	setup(state);
	assert_int_equal(build(&p), 0);
}

static void tables_for_1_2_8_and_255_vcpus(void **state)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		build_for(state, &layouts[i]);
		expect_layout(&layouts[i]);
	}
}

/* What Keel's own parser, which reads the firmware's tables, finds in them. */
static void keel_reads_them_back(void **state)
{
	struct acpi_pm_timer timer;
	struct acpi_ioapic_input in;

	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		build_for(state, &layouts[i]);
		fake.windowed = i % 2; /* and through one window, as Keel maps the firmware's */
		assert_int_equal(acpi_find_control_ports(built.rsdp_address, fake_map, &fake, &ports,
							 err, sizeof(err)), 0);
		assert_int_equal(ports.count, 2);
		assert_int_equal(ports.range[0].first, 0x604);
		assert_int_equal(ports.range[0].count, 2);
		assert_string_equal(ports.range[0].what, "the ACPI PM1a control block");
		assert_int_equal(ports.range[1].first, 0xcf9);
		assert_int_equal(ports.range[1].count, 1);
		assert_string_equal(ports.range[1].what, "the ACPI reset register");

		assert_int_equal(acpi_find_pm_timer(built.rsdp_address, fake_map, &fake, &timer, err,
						    sizeof(err)), 0);
		assert_int_equal(timer.port, 0x608);
		assert_int_equal(timer.bits, 32);

		const struct { unsigned irq, pin; bool active_low, level; } inputs[] = {
			{ 0, 2, false, false }, { 9, 9, true, true }, { 4, 4, false, false },
		};
		for (size_t j = 0; j < sizeof(inputs) / sizeof(inputs[0]); j++) {
			assert_int_equal(acpi_find_isa_irq(built.rsdp_address, fake_map, &fake,
							   inputs[j].irq, &in, err, sizeof(err)), 0);
			assert_int_equal(in.ioapic_pa, 0xfec00000);
			assert_int_equal(in.pin, inputs[j].pin);
			assert_int_equal(in.active_low, inputs[j].active_low);
			assert_int_equal(in.level, inputs[j].level);
		}
	}
}

/* The RSDP at the first 16-byte boundary of an area that starts off one. */
static void rsdp_at_the_next_16_byte_boundary(void **state)
{
	struct acpi_platform p = pc(1);

	(void)state;
	p.area_address = LOW_PA + 8;
	p.area_size = 0x1000;
	assert_int_equal(build(&p), 0);
	assert_int_equal(built.rsdp_address, LOW_PA + 0x10);
	/* The FADT ends at 0xe01c4, so the 64-byte aligned FACS moves to 0xe0200, and the
	 * DSDT that follows the MADT ends at 0xe035a. */
	assert_int_equal(built.used, 0x35a - 8);
	assert_int_equal(get32(LOW_PA + 0xb0 + FADT_FIRMWARE_CTRL), LOW_PA + 0x200);
	assert_memory_equal(at(LOW_PA + 0x10), "RSD PTR ", 8);
	assert_int_equal(get32(LOW_PA + 0x10 + RSDP_RSDT), LOW_PA + 0x80);
	assert_int_equal(get(LOW_PA + 0x10 + RSDP_XSDT, 8), LOW_PA + 0x40);
	assert_int_equal(sum(LOW_PA + 0x10, 20), 0);
	assert_int_equal(sum(LOW_PA + 0x10, 36), 0);
	assert_int_equal(*at(LOW_PA + 7), 0xee); /* before the area: untouched */
}

/* Refused, with out zeroed, and nothing written past the area. */
static void expect_refused(const struct acpi_platform *p, int rc)
{
	memset(&built, 0x5a, sizeof(built));
	assert_int_equal(acpi_tables_build(p, low, &built), rc);
	assert_int_equal(built.rsdp_address, 0);
	assert_int_equal(built.used, 0);
	for (size_t i = p->area_size; i < sizeof(low); i++)
		assert_int_equal(low[i], 0xee);
}

#define REFUSED(change) do { \
		p = pc(8); \
		change; \
		expect_refused(&p, -EINVAL); \
	} while (0)

static void descriptions_the_tables_cannot_express(void **state)
{
	struct acpi_platform p;

	(void)state;
	REFUSED(p.vcpus = 0);
	REFUSED(p.vcpus = 256);
	REFUSED(p.apic_id[1] = 0xff);
	REFUSED(p.apic_id[1] = p.apic_id[0]);
	REFUSED(p.sci_irq = 16);
	REFUSED(p.sci_irq = 0);                 /* the PIT's */
	REFUSED(p.com1_irq = 2);                /* the PIC cascade */
	REFUSED(p.com1_irq = 9);                /* the SCI's */
	REFUSED(p.ioapic_gsi_base = 3);         /* GSI 2 outside the I/O APIC */
	REFUSED(p.ioapic_pins = 9);             /* GSI 9 outside it */
	REFUSED(p.pm1a_event_port = 0);
	REFUSED(p.pm1a_control_port = 0xffff);  /* past port 0xffff */
	REFUSED(p.pm_timer_port = 0xfffd);
	REFUSED(p.reset_port = 0);
	REFUSED(p.com1_port = 0xfff9);
	REFUSED(p.pvpanic_port = 0);
	REFUSED(p.area_address = 0xdfff0);      /* below the BIOS area */
	REFUSED(p.area_size = 0x20001);         /* past 1 MiB */

	p = pc(8);
	p.area_size = 0x20000;                  /* the whole BIOS area */
	p.pm_timer_port = 0xfffc;               /* and the last ports are fine */
	p.com1_port = 0xfff8;
	p.pvpanic_port = 0xffff;
	assert_int_equal(build(&p), 0);
}

static void areas_too_small(void **state)
{
	const size_t sizes[] = { 0, 35, 0x200, 0x260, 793 };
	struct acpi_platform p = pc(1);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		setup(state);
		p.area_size = sizes[i];
		expect_refused(&p, -ENOSPC);
	}
	p.area_size = 794;
	assert_int_equal(build(&p), 0);
	assert_int_equal(built.used, 794);
}

/* iasl's exit status must be 0, and no line of its output may speak of an error or a
 * warning but a compilation's summary of none. */
static void run_iasl(const char *dir, const char *args)
{
	static const char none[] = "Compilation successful. 0 Errors, 0 Warnings, 0 Remarks";
	char cmd[512], out[16384], line[512];
	bool bad = false;
	size_t n = 0;
	FILE *f;
	int status;

	snprintf(cmd, sizeof(cmd), "cd '%s' && iasl %s 2>&1", dir, args);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, none, strlen(none)) && (strcasestr(line, "warning") ||
							  strcasestr(line, "error")))
			bad = true;
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s", line);
		if (n >= sizeof(out))
			n = sizeof(out) - 1;
	}
	status = pclose(f);
	if (bad || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("iasl %s said:\n%s", args, out);
}

static void write_file(const char *dir, const char *name, const void *bytes, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *dir, const char *name)
{
	static char text[1 << 20];
	char path[256];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

/* iasl does not disassemble an RSDP (it has no table header), but compiles one from the
 * data-table source its disassembler would write, computing both checksums: the bytes
 * must be Keel's. */
static void iasl_compiles_the_rsdp(const char *dir, uint64_t rsdp)
{
	char src[1024];
	uint8_t *aml;

	snprintf(src, sizeof(src),
		 "[0008] Signature : \"RSD PTR \"\n"
		 "[0001] Checksum : 00\n"
		 "[0006] Oem ID : \"KEEL  \"\n"
		 "[0001] Revision : 02\n"
		 "[0004] RSDT Address : %08X\n"
		 "[0004] Length : 00000024\n"
		 "[0008] XSDT Address : %016llX\n"
		 "[0001] Extended Checksum : 00\n"
		 "[0003] Reserved : 000000\n",
		 get32(rsdp + RSDP_RSDT), (unsigned long long)get(rsdp + RSDP_XSDT, 8));
	write_file(dir, "rsdp.asl", src, strlen(src));
	run_iasl(dir, "-p rsdp-iasl rsdp.asl");
	aml = (uint8_t *)read_file(dir, "rsdp-iasl.aml");
	assert_memory_equal(aml, at(rsdp), 36);
}

/* Each table in a file of its own, disassembled. */
static void iasl_disassembles(const char *dir, const struct layout *l)
{
	const struct { const char *name; uint64_t pa; uint32_t len; } tables[] = {
		{ "xsdt", l->xsdt, 52 }, { "rsdt", l->rsdt, 44 }, { "facp", l->fadt, FADT_SIZE },
		{ "facs", l->facs, 64 }, { "apic", l->madt, l->madt_len }, { "dsdt", l->dsdt, l->dsdt_len },
	};
	char name[32], args[64];

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		snprintf(name, sizeof(name), "%s.dat", tables[t].name);
		write_file(dir, name, at(tables[t].pa), tables[t].len);
		snprintf(args, sizeof(args), "-d %s", name);
		run_iasl(dir, args);
	}
	iasl_compiles_the_rsdp(dir, l->rsdp);
}

/* The DSDT as ASL: \_S5, a processor device per vCPU with its MADT UID, COM1 and the
 * pvpanic device. */
static void expect_dsdt_source(const char *dsl, unsigned vcpus)
{
	static const char *const parts[] = {
		"DefinitionBlock (\"\", \"DSDT\", 2, \"KEEL  \", \"KEELDSDT\", 0x00000001)\n",
		"    Name (\\_S5, Package (0x04)  // _S5_: S5 System State\n"
		"    {\n"
		"        0x05, \n"
		"        Zero, \n"
		"        Zero, \n"
		"        Zero\n"
		"    })\n"
		"    Scope (\\_SB)\n",
		"        Device (COM1)\n"
		"        {\n"
		"            Name (_HID, EisaId (\"PNP0501\") "
		"/* 16550A-compatible COM Serial Port */)  // _HID: Hardware ID\n"
		"            Name (_UID, One)  // _UID: Unique ID\n"
		"            Name (_STA, 0x0F)  // _STA: Status\n"
		"            Name (_CRS, ResourceTemplate ()  // _CRS: Current Resource Settings\n"
		"            {\n"
		"                IO (Decode16,\n"
		"                    0x03F8,             // Range Minimum\n"
		"                    0x03F8,             // Range Maximum\n"
		"                    0x01,               // Alignment\n"
		"                    0x08,               // Length\n"
		"                    )\n"
		"                IRQNoFlags ()\n"
		"                    {4}\n"
		"            })\n"
		"        }\n",
		"        Device (PEVT)\n"
		"        {\n"
		"            Name (_HID, \"QEMU0001\")  // _HID: Hardware ID\n"
		"            Name (_STA, 0x0F)  // _STA: Status\n"
		"            Name (_CRS, ResourceTemplate ()  // _CRS: Current Resource Settings\n"
		"            {\n"
		"                IO (Decode16,\n"
		"                    0x0505,             // Range Minimum\n"
		"                    0x0505,             // Range Maximum\n"
		"                    0x01,               // Alignment\n"
		"                    0x01,               // Length\n"
		"                    )\n"
		"            })\n"
		"        }\n",
	};
	char cpu[256], uid[16];
	const char *at_cpu = dsl;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!strstr(dsl, parts[i]))
			fail_msg("the DSDT's ASL lacks\n%s\nin\n%s", parts[i], dsl);
	for (unsigned i = 0; i < vcpus; i++) {
		if (i < 2)
			snprintf(uid, sizeof(uid), "%s", i ? "One" : "Zero");
		else
			snprintf(uid, sizeof(uid), "0x%02X", i);
		snprintf(cpu, sizeof(cpu),
			 "        Device (CP%02X)\n"
			 "        {\n"
			 "            Name (_HID, \"ACPI0007\" /* Processor Device */)  // _HID: Hardware ID\n"
			 "            Name (_UID, %s)  // _UID: Unique ID\n"
			 "        }\n", i, uid);
		at_cpu = strstr(at_cpu, cpu);
		if (!at_cpu)
			fail_msg("the DSDT's ASL lacks, in order,\n%s", cpu);
	}
	snprintf(cpu, sizeof(cpu), "Device (CP%02X)", vcpus);
	assert_null(strstr(dsl, cpu));
}

/* Where iasl reads and writes its files: made by the test, removed after it, failed or not. */
static char iasl_dir[] = "/tmp/keel-acpi-tables-XXXXXX";

static int remove_iasl_dir(void **state)
{
	char cmd[64];

	(void)state;
	if (strstr(iasl_dir, "XXXXXX"))
		return 0; /* never made */
	snprintf(cmd, sizeof(cmd), "rm -r '%s'", iasl_dir);
	return system(cmd);
}

static void iasl_judges_every_table(void **state)
{
	if (system("command -v iasl >/dev/null 2>&1") != 0) {
		print_message("iasl is missing: install Debian's acpica-tools (scripts/install-deps.sh "
			      "does) to have it judge the ACPI tables\n");
		skip();
	}
	assert_non_null(mkdtemp(iasl_dir));
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		build_for(state, &layouts[i]);
		iasl_disassembles(iasl_dir, &layouts[i]);
		expect_dsdt_source(read_file(iasl_dir, "dsdt.dsl"), layouts[i].vcpus);
	}
	setup(state);
	rsdp_at_the_next_16_byte_boundary(state); /* an RSDP whose first checksum is not 0 */
	iasl_compiles_the_rsdp(iasl_dir, built.rsdp_address);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(tables_for_1_2_8_and_255_vcpus, setup),
		cmocka_unit_test_setup(keel_reads_them_back, setup),
		cmocka_unit_test_setup(rsdp_at_the_next_16_byte_boundary, setup),
		cmocka_unit_test_setup(descriptions_the_tables_cannot_express, setup),
		cmocka_unit_test_setup(areas_too_small, setup),
		cmocka_unit_test_setup_teardown(iasl_judges_every_table, setup, remove_iasl_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
