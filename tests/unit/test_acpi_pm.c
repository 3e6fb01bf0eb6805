/* vmm/dev/acpi_pm.c: the ACPI PM timer, PM1 event and control blocks, the reset control
 * register and the keyboard controller's reset, with a fake clock and recording callbacks;
 * and against the tables of vmm/dev/acpi_tables.c, which must say what the model does. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/fake_platform.h"

#include "include/acpi.h"
#include "vmm/dev/acpi_pm.h"
#include "vmm/dev/acpi_tables.h"
#include "vmm/dev/pc.h"

/* PM1 bits (ACPI §4.8.3), spelled out here rather than shared with the model. */
enum {
	TMR = 1 << 0, GBL = 1 << 5, PWRBTN = 1 << 8, SLPBTN = 1 << 9, RTC = 1 << 10,
	PCIEXP_WAKE_DIS = 1 << 14, WAK_STS = 1 << 15,
	SCI_EN = 1 << 0, BM_RLD = 1 << 1, GBL_RLS = 1 << 2, SLP_EN = 1 << 13,
};
#define SLP_TYP(n) ((n) << 10)

#define NEVER DEVICE_NO_DEADLINE
#define S 1000000000ull

/* When the timer's count reaches 2^31, 2^32 and 3 * 2^31: ceil(n * 10^9 / 3579545) ns. */
#define BIT31_SET_NS 599932015941ull
#define WRAP_NS 1199864031882ull
#define BIT31_SET_AGAIN_NS 1799796047822ull

/* What the model did to the world around it. */
struct world {
	struct fake_platform fake; /* first: the callbacks' context is the world */
	unsigned power_offs, resets;
};




static void fake_power_off(void *ctx)
{
	((struct world *)ctx)->power_offs++;
}

static void fake_reset(void *ctx)
{
	((struct world *)ctx)->resets++;
}

static void start(struct acpi_pm *pm, struct world *w)
{
	*w = (struct world){ .fake = { .deadline = NEVER } };
	const struct device_env env = {
		.ctx = w, .now_ns = fake_now, .set_deadline = fake_set_deadline, .set_irq = fake_set_irq,
	};
	const struct acpi_pm_ops ops = { .power_off = fake_power_off, .reset = fake_reset };
	acpi_pm_init(pm, &env, &ops);
}

/* 16-bit accesses, as the FADT's X_PM1a blocks ask. */
static uint16_t status(struct acpi_pm *pm)
{
	return (uint16_t)acpi_pm_event_read(pm, 0, 2);
}

static uint16_t enable(struct acpi_pm *pm)
{
	return (uint16_t)acpi_pm_event_read(pm, 2, 2);
}

static void clear_status(struct acpi_pm *pm, uint16_t bits)
{
	acpi_pm_event_write(pm, 0, 2, bits);
}

static void set_enable(struct acpi_pm *pm, uint16_t bits)
{
	acpi_pm_event_write(pm, 2, 2, bits);
}

static uint16_t control(struct acpi_pm *pm)
{
	return (uint16_t)acpi_pm_control_read(pm, 0, 2);
}

static void set_control(struct acpi_pm *pm, uint16_t value)
{
	acpi_pm_control_write(pm, 0, 2, value);
}

static uint32_t timer(struct acpi_pm *pm)
{
	return (uint32_t)acpi_pm_timer_read(pm, 0, 4);
}

/* Power-on ------------------------------------------------------------------------- */

static void power_on_state(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	assert_int_equal(w.fake.deadline_calls, 0);
	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(status(&pm), 0);
	assert_int_equal(enable(&pm), 0);
	assert_int_equal(control(&pm), SCI_EN);
	assert_int_equal(acpi_pm_reset_read(&pm, 0, 1), 0);
	assert_int_equal(acpi_pm_kbd_read(&pm, 0, 1), 0);
	assert_int_equal(timer(&pm), 0);
	assert_int_equal(w.fake.deadline_calls, 0);
	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(w.power_offs + w.resets, 0);
}

/* The PM timer ---------------------------------------------------------------------- */

static void timer_counts_at_3579545_hz(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);
	static const struct {
		uint64_t ns;
		uint32_t count;
	} cases[] = {
		{ 0, 0 },
		{ 279, 0 },              /* the first tick is at 279.36 ns */
		{ 280, 1 },
		{ 1 * S, 3579545 },
		{ 1234567890, 4419191 },
		{ 3600 * S, 1460112 },   /* 12886362000 mod 2^32 */
		{ UINT64_MAX, 3047538368u },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w.fake.now = cases[i].ns;
		assert_int_equal(timer(&pm), cases[i].count);
	}
	/* floor(ns * 3579545 / 10^9) computed the long way, at a spread of times. */
	for (uint64_t ns = 1, step = 7; ns < UINT64_MAX / 3; ns += step, step = step * 3 + 1) {
		w.fake.now = ns;
		uint64_t expected = (uint64_t)((unsigned __int128)ns * 3579545 / 1000000000);
		assert_int_equal(timer(&pm), (uint32_t)expected);
	}
}

/* TMR_VAL_EXT: 32 bits, so it wraps at 2^32. */
static void timer_wraps_at_2_to_the_32(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	w.fake.now = WRAP_NS - 1;
	assert_int_equal(timer(&pm), 0xffffffffu);
	w.fake.now = WRAP_NS;
	assert_int_equal(timer(&pm), 0);
	w.fake.now = BIT31_SET_NS - 1;
	assert_int_equal(timer(&pm), 0x7fffffffu);
	w.fake.now = BIT31_SET_NS;
	assert_int_equal(timer(&pm), 0x80000000u);
}

static void timer_access_sizes(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	w.fake.now = 1000 * S; /* 3579545000 = 0xd55b85a8 */
	assert_int_equal(acpi_pm_timer_read(&pm, 0, 4), 0xd55b85a8u);
	assert_int_equal(acpi_pm_timer_read(&pm, 0, 1), 0xa8);
	assert_int_equal(acpi_pm_timer_read(&pm, 0, 2), 0x85a8);
	assert_int_equal(acpi_pm_timer_read(&pm, 1, 2), 0x5b85);
	assert_int_equal(acpi_pm_timer_read(&pm, 3, 1), 0xd5);
	assert_int_equal(acpi_pm_timer_read(&pm, 3, 2), 0xffd5);
	assert_int_equal(acpi_pm_timer_read(&pm, 0, 8), 0xffffffffd55b85a8ull);
	assert_int_equal(acpi_pm_timer_read(&pm, 4, 1), 0xff);
	acpi_pm_timer_write(&pm, 0, 4, 0);
	assert_int_equal(timer(&pm), 0xd55b85a8u);
	assert_int_equal(w.fake.deadline_calls + w.fake.irq_calls, 0);
}

/* TMR_STS and the SCI -------------------------------------------------------------- */

static void tmr_sts_when_bit_31_changes(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	w.fake.now = BIT31_SET_NS - 1;
	assert_int_equal(status(&pm), 0);
	w.fake.now = BIT31_SET_NS;
	assert_int_equal(status(&pm), TMR);
	assert_false(w.fake.irq); /* TMR_EN is clear */
	clear_status(&pm, 0); /* 0s leave status bits alone */
	assert_int_equal(status(&pm), TMR);
	clear_status(&pm, (uint16_t)~TMR);
	assert_int_equal(status(&pm), TMR);
	clear_status(&pm, TMR);
	assert_int_equal(status(&pm), 0);
	/* And when it clears again, at the wrap. */
	w.fake.now = WRAP_NS - 1;
	assert_int_equal(status(&pm), 0);
	w.fake.now = WRAP_NS;
	assert_int_equal(status(&pm), TMR);
	clear_status(&pm, TMR);
	/* Two changes unseen set it once. */
	w.fake.now = 3 * WRAP_NS;
	assert_int_equal(status(&pm), TMR);
	assert_int_equal(w.fake.irq_calls + w.fake.deadline_calls, 0);
}

static void tmr_en_raises_the_sci(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	set_enable(&pm, TMR);
	assert_int_equal(enable(&pm), TMR);
	assert_int_equal(w.fake.deadline, BIT31_SET_NS);
	assert_false(w.fake.irq);

	w.fake.now = BIT31_SET_NS - 1; /* early: nothing, the same deadline given again */
	unsigned calls = w.fake.deadline_calls;
	acpi_pm_timer(&pm);
	assert_false(w.fake.irq);
	assert_int_equal(w.fake.deadline, BIT31_SET_NS);
	assert_int_equal(w.fake.deadline_calls, calls + 1);

	w.fake.now = BIT31_SET_NS;
	acpi_pm_timer(&pm);
	assert_true(w.fake.irq);
	assert_int_equal(w.fake.deadline, NEVER); /* TMR_STS is set: nothing more to wait for */
	assert_int_equal(status(&pm), TMR);
	clear_status(&pm, TMR);
	assert_false(w.fake.irq);
	assert_int_equal(w.fake.deadline, WRAP_NS);

	/* Late by seconds: one SCI. */
	w.fake.now = WRAP_NS + 5 * S;
	acpi_pm_timer(&pm);
	assert_true(w.fake.irq);
	assert_int_equal(w.fake.irq_calls, 3);
	clear_status(&pm, TMR);
	assert_false(w.fake.irq);
	assert_int_equal(w.fake.deadline, BIT31_SET_AGAIN_NS);

	set_enable(&pm, 0);
	assert_int_equal(w.fake.deadline, NEVER);
	/* Enabling with TMR_STS already set raises the SCI at once. */
	w.fake.now = BIT31_SET_AGAIN_NS;
	assert_int_equal(status(&pm), TMR);
	set_enable(&pm, TMR);
	assert_true(w.fake.irq);
	set_enable(&pm, 0);
	assert_false(w.fake.irq);
}

/* Linux sets GBL_EN and checks that it sticks; reserved bits read 0. */
static void enable_bits_are_kept(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	set_enable(&pm, GBL);
	assert_int_equal(enable(&pm), GBL);
	set_enable(&pm, 0xffff);
	assert_int_equal(enable(&pm), TMR | GBL | PWRBTN | SLPBTN | RTC | PCIEXP_WAKE_DIS);
	assert_int_equal(enable(&pm), 0x4721);
	assert_false(w.fake.irq); /* no status bit is set */
	set_enable(&pm, 0);
	assert_int_equal(enable(&pm), 0);
}

static void power_button(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	acpi_pm_power_button(&pm);
	assert_int_equal(status(&pm), PWRBTN);
	assert_false(w.fake.irq);
	set_enable(&pm, PWRBTN);
	assert_true(w.fake.irq);
	clear_status(&pm, PWRBTN);
	assert_false(w.fake.irq);
	assert_int_equal(status(&pm), 0);
	acpi_pm_power_button(&pm);
	assert_true(w.fake.irq);
	assert_int_equal(w.fake.irq_calls, 3);
	assert_int_equal(w.power_offs, 0); /* it is the OS that powers off */
}

/* Bytes of the event block: a 4-byte access reaches status and enable. */
static void event_block_access_sizes(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	w.fake.now = BIT31_SET_NS;
	acpi_pm_power_button(&pm);
	assert_int_equal(acpi_pm_event_read(&pm, 0, 4), 0x00000101);
	/* Clears TMR_STS, enables the power button: its status is still set. */
	acpi_pm_event_write(&pm, 0, 4, (uint64_t)PWRBTN << 16 | TMR);
	assert_int_equal(acpi_pm_event_read(&pm, 0, 4), 0x01000100);
	assert_true(w.fake.irq);
	assert_int_equal(acpi_pm_event_read(&pm, 1, 2), 0x0001);
	assert_int_equal(acpi_pm_event_read(&pm, 2, 4), 0xffff0100);
	assert_int_equal(acpi_pm_event_read(&pm, 3, 1), 0x01);
	assert_int_equal(acpi_pm_event_read(&pm, 0, 8), 0xffffffff01000100ull);
	assert_int_equal(acpi_pm_event_read(&pm, 4, 2), 0xffff);
	/* One byte: the status's high byte, PWRBTN_STS. */
	acpi_pm_event_write(&pm, 1, 1, 0x01);
	assert_false(w.fake.irq);
	assert_int_equal(acpi_pm_event_read(&pm, 0, 4), 0x01000000);
	/* The enable's high byte alone; bytes past the range are dropped. */
	acpi_pm_event_write(&pm, 3, 2, 0xff00);
	assert_int_equal(enable(&pm), 0x0000);
	acpi_pm_event_write(&pm, 3, 1, 0x41);
	assert_int_equal(enable(&pm), 0x4100);
}

/* The control block ----------------------------------------------------------------- */

static void control_register_bits(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	set_control(&pm, 0); /* SCI_EN stays: ACPI mode for good */
	assert_int_equal(control(&pm), SCI_EN);
	set_control(&pm, SLP_TYP(5) | BM_RLD | GBL_RLS);
	assert_int_equal(control(&pm), SLP_TYP(5) | BM_RLD | SCI_EN);
	assert_int_equal(w.power_offs, 0); /* no SLP_EN */
	set_control(&pm, 0xffff & ~SLP_EN);
	assert_int_equal(control(&pm), SLP_TYP(7) | BM_RLD | SCI_EN);
	assert_int_equal(acpi_pm_control_read(&pm, 1, 1), 0x1c);
	assert_int_equal(acpi_pm_control_read(&pm, 0, 4), 0xffff1c03);
	assert_int_equal(acpi_pm_control_read(&pm, 2, 1), 0xff);
	assert_int_equal(w.power_offs, 0);
}

static void s5_powers_off(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	set_control(&pm, SLP_TYP(ACPI_SLP_TYP_S5));
	assert_int_equal(w.power_offs, 0);
	set_control(&pm, SLP_TYP(ACPI_SLP_TYP_S5) | SLP_EN);
	assert_int_equal(w.power_offs, 1);
	assert_int_equal(control(&pm), SLP_TYP(5) | SCI_EN); /* SLP_EN reads 0 */

	/* A byte write of SLP_TYP and SLP_EN, both in the high byte (Linux writes words). */
	start(&pm, &w);
	acpi_pm_control_write(&pm, 1, 1, (SLP_TYP(5) | SLP_EN) >> 8);
	assert_int_equal(w.power_offs, 1);
	/* The low byte holds neither. */
	acpi_pm_control_write(&pm, 0, 1, 0xff);
	assert_int_equal(w.power_offs, 1);
	/* A 4-byte write: the bytes past the range are dropped. */
	acpi_pm_control_write(&pm, 0, 4, 0xffff0000 | SLP_TYP(5) | SLP_EN);
	assert_int_equal(w.power_offs, 2);
	assert_int_equal(w.resets, 0);
}

/* Sleep types but S5 are ignored, WAK_STS set as if the PC woke at once. */
static void other_sleep_types_wake_at_once(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;

	for (unsigned typ = 0; typ < 8; typ++) {
		if (typ == ACPI_SLP_TYP_S5)
			continue;
		start(&pm, &w);
		set_enable(&pm, 0xffff);
		set_control(&pm, (uint16_t)(SLP_TYP(typ) | SLP_EN));
		assert_int_equal(w.power_offs, 0);
		assert_int_equal(status(&pm), WAK_STS);
		assert_false(w.fake.irq); /* WAK_STS has no enable: no SCI */
		clear_status(&pm, WAK_STS);
		assert_int_equal(status(&pm), 0);
	}
}

/* The reset control register at 0xcf9 -------------------------------------------------- */

static void reset_control_register(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);
	static const struct {
		uint8_t value, reads;
		unsigned resets;
	} cases[] = {
		{ 0x02, 0x02, 0 }, /* SYS_RST alone: chooses the kind, does not reset */
		{ 0x06, 0x02, 1 }, /* the FADT's RESET_VALUE */
		{ 0x04, 0x00, 1 }, /* RST_CPU alone */
		{ 0x0e, 0x0a, 1 }, /* a full reset */
		{ 0x08, 0x08, 0 },
		{ 0x00, 0x00, 0 },
		{ 0xff, 0x0a, 1 },
		{ 0xf1, 0x00, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned before = w.resets;
		acpi_pm_reset_write(&pm, 0, 1, cases[i].value);
		assert_int_equal(w.resets - before, cases[i].resets);
		assert_int_equal(acpi_pm_reset_read(&pm, 0, 1), cases[i].reads);
	}

	/* Linux's "cf9" reboot: read, bit 1, then bits 1-2 (or 1-3): one reset. */
	start(&pm, &w);
	uint8_t cf9 = (uint8_t)acpi_pm_reset_read(&pm, 0, 1) & ~0x06;
	acpi_pm_reset_write(&pm, 0, 1, cf9 | 0x02);
	assert_int_equal(w.resets, 0);
	acpi_pm_reset_write(&pm, 0, 1, cf9 | 0x06);
	assert_int_equal(w.resets, 1);

	/* Sizes: one port; bytes past it float, and are dropped. */
	assert_int_equal(acpi_pm_reset_read(&pm, 0, 2), 0xff02);
	assert_int_equal(acpi_pm_reset_read(&pm, 1, 1), 0xff);
	acpi_pm_reset_write(&pm, 0, 2, 0x0406);
	assert_int_equal(w.resets, 2);
	acpi_pm_reset_write(&pm, 1, 1, 0x06);
	assert_int_equal(w.resets, 2);
	acpi_pm_reset_write(&pm, 0, 2, 0x0600);
	assert_int_equal(w.resets, 2);
	assert_int_equal(w.power_offs, 0);
}

/* The keyboard controller's command port --------------------------------------------- */

static void keyboard_controller_reset(void **state)
{
	(void)state;
	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);
	static const struct {
		uint8_t command;
		unsigned resets;
	} cases[] = {
		{ 0xfe, 1 }, /* pulse the reset line */
		{ 0xf0, 1 }, /* pulse lines 0-3, the reset among them */
		{ 0xfc, 1 },
		{ 0xff, 0 }, /* pulse nothing */
		{ 0xf1, 0 }, /* lines 1-3, not the reset */
		{ 0xfd, 0 },
		{ 0xd1, 0 }, /* write the output port: its data byte goes to 0x60, not here */
		{ 0xad, 0 },
		{ 0xaa, 0 },
		{ 0x0e, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned before = w.resets;
		acpi_pm_kbd_write(&pm, 0, 1, cases[i].command);
		assert_int_equal(w.resets - before, cases[i].resets);
	}
	/* The status: nothing to read, room to write, so a kernel's wait ends at once. */
	assert_int_equal(acpi_pm_kbd_read(&pm, 0, 1), 0x00);
	assert_int_equal(acpi_pm_kbd_read(&pm, 0, 2), 0xff00);
	assert_int_equal(acpi_pm_kbd_read(&pm, 0, 4), 0xffffff00);
	unsigned before = w.resets;
	acpi_pm_kbd_write(&pm, 0, 2, 0xfeff);
	acpi_pm_kbd_write(&pm, 1, 1, 0xfe);
	assert_int_equal(w.resets, before);
	acpi_pm_kbd_write(&pm, 0, 4, 0x123456fe);
	assert_int_equal(w.resets, before + 1);
	assert_int_equal(w.power_offs, 0);
}

/* The tables and the model ------------------------------------------------------------- */

#define AREA_ADDRESS 0xe0000ull
static uint8_t area[0x4000];

static const uint8_t *at(uint64_t address)
{
	assert_true(address >= AREA_ADDRESS && address < AREA_ADDRESS + sizeof(area));
	return area + (address - AREA_ADDRESS);
}

static uint64_t get(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	memcpy(&v, p, n);
	return v;
}

/* The first element of \_S5's package: Name (\_S5, Package (4) {n, ...}). */
static uint64_t dsdt_s5_slp_typ(const uint8_t *dsdt)
{
	uint32_t length = (uint32_t)get(dsdt + ACPI_SDT_LENGTH, 4);
	for (uint32_t i = ACPI_SDT_HEADER_SIZE; i + 8 < length; i++) {
		if (memcmp(dsdt + i, "_S5_", 4) != 0)
			continue;
		const uint8_t *p = dsdt + i + 4;
		assert_int_equal(p[0], 0x12);       /* PackageOp */
		assert_int_equal(p[1] & 0xc0, 0);   /* a one-byte PkgLength */
		p += 3;                             /* and NumElements */
		if (p[0] == 0x00 || p[0] == 0x01)   /* ZeroOp, OneOp */
			return p[0];
		assert_int_equal(p[0], 0x0a);       /* BytePrefix */
		return p[1];
	}
	fail_msg("no \\_S5 in the DSDT");
	return 0;
}

static void the_tables_say_what_the_model_does(void **state)
{
	(void)state;
	struct acpi_platform p = {
		.vcpus = 1, .lapic_address = (uint32_t)PC_LAPIC_BASE, .ioapic_address = (uint32_t)PC_IOAPIC_BASE,
		.ioapic_pins = PC_IOAPIC_PINS, .pm1a_event_port = PC_PM1A_EVENT,
		.pm1a_control_port = PC_PM1A_CONTROL, .pm_timer_port = PC_PM_TIMER,
		.reset_port = PC_RESET, .sci_irq = PC_IRQ_SCI, .com1_port = 0x3f8,
		.com1_irq = PC_IRQ_COM1, .pvpanic_port = PC_PVPANIC, .area_address = AREA_ADDRESS, .area_size = sizeof(area),
	};
	struct acpi_tables tables;
	assert_int_equal(acpi_tables_build(&p, area, &tables), 0);
	const uint8_t *xsdt = at(get(at(tables.rsdp_address) + ACPI_RSDP_XSDT_ADDRESS, 8));
	const uint8_t *fadt = at(get(xsdt + ACPI_SDT_HEADER_SIZE, 8));
	assert_memory_equal(fadt, "FACP", 4);

	/* The blocks: where the model's ranges go, as long as they are. */
	assert_int_equal(get(fadt + ACPI_FADT_PM1A_EVT_BLK, 4), PC_PM1A_EVENT);
	assert_int_equal(fadt[ACPI_FADT_PM1_EVT_LEN], ACPI_PM_EVENT_PORTS);
	assert_int_equal(get(fadt + ACPI_FADT_PM1A_CNT_BLK, 4), PC_PM1A_CONTROL);
	assert_int_equal(fadt[ACPI_FADT_PM1_CNT_LEN], ACPI_PM_CONTROL_PORTS);
	assert_int_equal(get(fadt + ACPI_FADT_PM_TMR_BLK, 4), PC_PM_TIMER);
	assert_int_equal(fadt[ACPI_FADT_PM_TMR_LEN], ACPI_PM_TIMER_PORTS);
	assert_int_equal(get(fadt + ACPI_FADT_SCI_INT, 2), PC_IRQ_SCI);

	struct acpi_pm pm;
	struct world w;
	start(&pm, &w);

	/* No SMI_CMD: ACPI mode from reset, SCI_EN reads 1. */
	assert_int_equal(get(fadt + ACPI_FADT_SMI_CMD, 4), 0);
	assert_int_equal(control(&pm) & SCI_EN, SCI_EN);

	/* TMR_VAL_EXT: the timer counts 32 bits. */
	uint32_t flags = (uint32_t)get(fadt + ACPI_FADT_FLAGS, 4);
	assert_true(flags & ACPI_FADT_TMR_VAL_EXT);
	w.fake.now = WRAP_NS - 1;
	assert_int_equal(timer(&pm), 0xffffffffu);

	/* The reset register: a byte at 0xcf9 in I/O space, and its value resets. */
	assert_true(flags & ACPI_FADT_RESET_REG_SUP);
	const uint8_t *reset = fadt + ACPI_FADT_RESET_REG;
	assert_int_equal(reset[0], ACPI_GAS_SYSTEM_IO);
	assert_int_equal(reset[1], 8);
	assert_int_equal(reset[2], 0);
	assert_int_equal(get(reset + 4, 8), PC_RESET);
	acpi_pm_reset_write(&pm, 0, 1, fadt[ACPI_FADT_RESET_VALUE]);
	assert_int_equal(w.resets, 1);

	/* \_S5's SLP_TYP powers off. */
	const uint8_t *dsdt = at(get(fadt + ACPI_FADT_X_DSDT, 8));
	uint64_t s5 = dsdt_s5_slp_typ(dsdt);
	assert_int_equal(s5, ACPI_SLP_TYP_S5);
	set_control(&pm, (uint16_t)(SLP_TYP(s5) | SLP_EN));
	assert_int_equal(w.power_offs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(power_on_state),
		cmocka_unit_test(timer_counts_at_3579545_hz),
		cmocka_unit_test(timer_wraps_at_2_to_the_32),
		cmocka_unit_test(timer_access_sizes),
		cmocka_unit_test(tmr_sts_when_bit_31_changes),
		cmocka_unit_test(tmr_en_raises_the_sci),
		cmocka_unit_test(enable_bits_are_kept),
		cmocka_unit_test(power_button),
		cmocka_unit_test(event_block_access_sizes),
		cmocka_unit_test(control_register_bits),
		cmocka_unit_test(s5_powers_off),
		cmocka_unit_test(other_sleep_types_wake_at_once),
		cmocka_unit_test(reset_control_register),
		cmocka_unit_test(keyboard_controller_reset),
		cmocka_unit_test(the_tables_say_what_the_model_does),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
