/* The ACPI fixed hardware and the reset ports (see acpi_pm.h). Register bits follow ACPI
 * 6.3 §4.8.3 (Tables 4-16 PM1 status, 4-17 PM1 enable, 4-18 PM1 control) and §4.8.3.3
 * (the PM timer); the reset register the PIIX4 and ICH datasheets; the keyboard
 * controller the 8042's command set ("Pulse Output Port"). */
#include "vmm/dev/acpi_pm.h"
#include "vmm/dev/acpi_tables.h"
#include "vmm/dev/ticks.h"

/* PM1_STS (Table 4-16) and PM1_EN (Table 4-17): an enable bit sits at its status bit. */
#define PM1_TMR (1u << 0)
#define PM1_GBL (1u << 5)
#define PM1_PWRBTN (1u << 8)
#define PM1_SLPBTN (1u << 9)
#define PM1_RTC (1u << 10)
#define PM1_PCIEXP_WAKE_DIS (1u << 14) /* PM1_EN only: a disable, not an event */
#define PM1_WAK_STS (1u << 15)          /* PM1_STS only: no enable, no SCI */
/* The events that raise the SCI when both their bits are set. */
#define PM1_SCI_EVENTS (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)
#define PM1_EN_BITS (PM1_SCI_EVENTS | PM1_PCIEXP_WAKE_DIS)

/* PM1_CNT (Table 4-18). */
#define PM1_CNT_SCI_EN (1u << 0)
#define PM1_CNT_BM_RLD (1u << 1)
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP (7u << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN (1u << 13)
#define PM1_CNT_KEPT (PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP)

/* The reset control register at 0xcf9. */
#define RC_SYS_RST (1u << 1)
#define RC_RST_CPU (1u << 2)
#define RC_FULL_RST (1u << 3)
#define RC_KEPT (RC_SYS_RST | RC_FULL_RST)

/* The 8042's "pulse output port" commands 0xf0-0xff: a 0 in bits 3-0 pulses that output
 * line; line 0 is the CPU's reset. */
#define KBD_PULSE_COMMANDS 0xf0
#define KBD_PULSE_RESET_LINE 0x01
#define KBD_STATUS_IDLE 0x00 /* no output for the CPU, input buffer empty */

/* The PM timer's count wraps at 2^ACPI_PM_TIMER_BITS; TMR_STS watches its top bit. */
#define TIMER_MASK ((1ull << ACPI_PM_TIMER_BITS) - 1)
#define TIMER_TOP_BIT (ACPI_PM_TIMER_BITS - 1)

_Static_assert(ACPI_PM_TIMER_BITS == 24 || ACPI_PM_TIMER_BITS == 32,
	       "the FADT's PM timer counts 24 bits, or 32 with TMR_VAL_EXT (§5.2.9.1)");
_Static_assert(ACPI_SLP_TYP_S5 <= 7, "SLP_TYP is three bits of PM1_CNT");
_Static_assert(ACPI_RESET_VALUE & RC_RST_CPU, "the FADT's RESET_VALUE must reset");

/* Accesses -------------------------------------------------------------------------- */

/* The bytes an access of size bytes at offset reads, from a range of ports whose bytes
 * are those of regs, little endian; 0xff for bytes past the range. */
static uint64_t read_bytes(uint64_t regs, unsigned ports, uint64_t offset, unsigned size)
{
	uint64_t value = 0;
	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t byte = 0xff;
		if (offset < ports && i < ports - offset)
			byte = (regs >> (8 * (offset + i))) & 0xff;
		value |= byte << (8 * i);
	}
	return value;
}

/* What an access of size bytes at offset writes into a range of ports: the bytes, as the
 * range's value, and a mask of the bytes it writes. Bytes past the range are dropped. */
struct written {
	uint32_t value, mask;
};

static struct written write_bytes(unsigned ports, uint64_t offset, unsigned size, uint64_t value)
{
	struct written w = { 0, 0 };
	for (unsigned i = 0; i < size && i < 8; i++) {
		if (offset >= ports || i >= ports - offset)
			continue;
		unsigned shift = 8 * (unsigned)(offset + i);
		w.value |= (uint32_t)((value >> (8 * i)) & 0xff) << shift;
		w.mask |= 0xffu << shift;
	}
	return w;
}

/* The PM timer, TMR_STS and the SCI ---------------------------------------------------- */

static uint64_t now_ns(const struct acpi_pm *pm)
{
	return pm->env.now_ns(pm->env.ctx);
}

/* The timer's ticks since now_ns 0, all 64 bits of them. */
static uint64_t ticks(const struct acpi_pm *pm)
{
	return ticks_at_ns(now_ns(pm), ACPI_PM_TIMER_HZ);
}

/* TMR_STS "gets set any time the most significant bit of [the] counter changes from clear
 * to set or set to clear" (Table 4-16): that is, each time the count passes a multiple of
 * 2^TIMER_TOP_BIT. */
static void catch_up(struct acpi_pm *pm)
{
	uint64_t t = ticks(pm);
	if (t >> TIMER_TOP_BIT != pm->synced_ticks >> TIMER_TOP_BIT)
		pm->status |= PM1_TMR;
	pm->synced_ticks = t;
}

/* With TMR_EN set and TMR_STS clear, the next change of the top bit; else none. */
static uint64_t next_deadline(const struct acpi_pm *pm)
{
	if (!(pm->enable & PM1_TMR) || (pm->status & PM1_TMR))
		return DEVICE_NO_DEADLINE;
	uint64_t next = ((pm->synced_ticks >> TIMER_TOP_BIT) + 1) << TIMER_TOP_BIT;
	return ticks_first_ns(next, ACPI_PM_TIMER_HZ);
}

/* The SCI follows (PM1_STS & PM1_EN) (§4.8.3.1); SCI_EN is always set. The deadline is
 * given again when it changed or when always (after the timer fired). */
static void update(struct acpi_pm *pm, bool always)
{
	bool sci = pm->status & pm->enable & PM1_SCI_EVENTS;
	if (sci != pm->sci) {
		pm->sci = sci;
		pm->env.set_irq(pm->env.ctx, 0, sci);
	}
	uint64_t deadline = next_deadline(pm);
	if (deadline != pm->deadline || always) {
		pm->deadline = deadline;
		pm->env.set_deadline(pm->env.ctx, deadline);
	}
}

/* The PM1 event block: status, then enable ---------------------------------------------- */

uint64_t acpi_pm_event_read(void *dev, uint64_t offset, unsigned size)
{
	struct acpi_pm *pm = dev;
	catch_up(pm);
	update(pm, false);
	return read_bytes(pm->status | (uint32_t)pm->enable << 16, ACPI_PM_EVENT_PORTS, offset, size);
}

/* Status bits are cleared by writing 1s (§4.8.3.1.1); enable bits are written. */
void acpi_pm_event_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct acpi_pm *pm = dev;
	struct written w = write_bytes(ACPI_PM_EVENT_PORTS, offset, size, value);
	uint16_t clear = (uint16_t)(w.value & w.mask);
	uint16_t enable_mask = (uint16_t)(w.mask >> 16);
	uint16_t enable = (uint16_t)(w.value >> 16);

	catch_up(pm);
	pm->status &= (uint16_t)~clear;
	pm->enable = (uint16_t)((pm->enable & ~enable_mask) | (enable & enable_mask & PM1_EN_BITS));
	update(pm, false);
}

/* The PM1 control block ----------------------------------------------------------------- */

uint64_t acpi_pm_control_read(void *dev, uint64_t offset, unsigned size)
{
	struct acpi_pm *pm = dev;
	return read_bytes(pm->control | PM1_CNT_SCI_EN, ACPI_PM_CONTROL_PORTS, offset, size);
}

/* SLP_EN "causes the system to sequence into the sleeping state associated with the
 * SLP_TYPx fields" (Table 4-18). Only S5 is a state here (see acpi_pm.h). */
static void enter_sleep_state(struct acpi_pm *pm, unsigned slp_typ)
{
	if (slp_typ == ACPI_SLP_TYP_S5) {
		pm->ops.power_off(pm->env.ctx);
		return;
	}
	pm->status |= PM1_WAK_STS; /* as if the PC woke at once */
}

void acpi_pm_control_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct acpi_pm *pm = dev;
	struct written w = write_bytes(ACPI_PM_CONTROL_PORTS, offset, size, value);

	pm->control = (uint16_t)((pm->control & ~w.mask) | (w.value & w.mask & PM1_CNT_KEPT));
	if (w.mask & w.value & PM1_CNT_SLP_EN)
		enter_sleep_state(pm, (pm->control & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT);
}

/* The PM timer ------------------------------------------------------------------------ */

uint64_t acpi_pm_timer_read(void *dev, uint64_t offset, unsigned size)
{
	struct acpi_pm *pm = dev;
	return read_bytes(ticks(pm) & TIMER_MASK, ACPI_PM_TIMER_PORTS, offset, size);
}

void acpi_pm_timer_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	(void)dev, (void)offset, (void)size, (void)value; /* read-only */
}

/* The reset control register ------------------------------------------------------------ */

uint64_t acpi_pm_reset_read(void *dev, uint64_t offset, unsigned size)
{
	struct acpi_pm *pm = dev;
	return read_bytes(pm->reset_control, ACPI_PM_RESET_PORTS, offset, size);
}

void acpi_pm_reset_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct acpi_pm *pm = dev;
	struct written w = write_bytes(ACPI_PM_RESET_PORTS, offset, size, value);

	if (!w.mask)
		return;
	pm->reset_control = (uint8_t)(w.value & RC_KEPT);
	if (w.value & RC_RST_CPU)
		pm->ops.reset(pm->env.ctx);
}

/* The keyboard controller's command port ------------------------------------------------- */

uint64_t acpi_pm_kbd_read(void *dev, uint64_t offset, unsigned size)
{
	(void)dev;
	return read_bytes(KBD_STATUS_IDLE, ACPI_PM_KBD_PORTS, offset, size);
}

void acpi_pm_kbd_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct acpi_pm *pm = dev;
	struct written w = write_bytes(ACPI_PM_KBD_PORTS, offset, size, value);
	uint8_t command = (uint8_t)w.value;

	if (w.mask && (command & KBD_PULSE_COMMANDS) == KBD_PULSE_COMMANDS &&
	    !(command & KBD_PULSE_RESET_LINE))
		pm->ops.reset(pm->env.ctx);
}

/* The platform's side ------------------------------------------------------------------- */

void acpi_pm_timer(struct acpi_pm *pm)
{
	catch_up(pm);
	update(pm, true);
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
	catch_up(pm);
	pm->status |= PM1_PWRBTN;
	update(pm, false);
}

void acpi_pm_init(struct acpi_pm *pm, const struct device_env *env, const struct acpi_pm_ops *ops)
{
	*pm = (struct acpi_pm){
		.env = *env,
		.ops = *ops,
		.deadline = DEVICE_NO_DEADLINE,
	};
}
