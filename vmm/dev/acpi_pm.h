/* A model of the PC's ACPI fixed hardware (ACPI 6.3 §4.8) and of the ports through which
 * software resets or powers off a PC: the PM1a event block (PM1 status and enable), the
 * PM1a control block, the PM timer, the reset control register at 0xcf9 (PIIX4 and ICH
 * "RC") and the reset line of the keyboard controller's command port 0x64. The SCI is
 * reported through env->set_irq(ctx, 0, level), asserted while it is; a power-off and a
 * reset through struct acpi_pm_ops. Pure code: no allocation, no globals, no port bus.
 *
 * The model matches the tables of vmm/dev/acpi_tables.c (the constants of acpi_tables.h):
 * the block lengths PM1_EVT_LEN 4, PM1_CNT_LEN 2 and PM_TMR_LEN 4; a 32-bit PM timer
 * (TMR_VAL_EXT, ACPI_PM_TIMER_BITS); SMI_CMD 0, so the PC is in ACPI mode from reset and
 * SCI_EN reads 1; \_S5's SLP_TYP ACPI_SLP_TYP_S5; the reset register, a byte, and its
 * value ACPI_RESET_VALUE; no 8042 (the IA-PC boot flags), though its reset command works.
 *
 * Ports: five ranges, each reached through a pair of functions of the io_ops shape (dev a
 * struct acpi_pm), offset from the range's first port:
 *   acpi_pm_event_*    4 ports (PC_PM1A_EVENT): PM1_STS at 0-1, PM1_EN at 2-3;
 *   acpi_pm_control_*  2 ports (PC_PM1A_CONTROL): PM1_CNT;
 *   acpi_pm_timer_*    4 ports (PC_PM_TIMER): PM_TMR, read-only;
 *   acpi_pm_reset_*    1 port (PC_RESET);
 *   acpi_pm_kbd_*      1 port (PC_KBD_COMMAND).
 * An access of any size (1, 2, 4, 8) takes the bytes of the range it covers, little
 * endian, all at the same instant (a 4-byte read of the timer is one count); bytes past
 * the range read 0xff and their writes are dropped. So a 1- or 2-byte read of the timer
 * gives its low bytes, and a 4-byte access to the event block reaches status and enable.
 *
 * Modelled:
 * - PM_TMR (§4.8.3.3): a free-running count of ACPI_PM_TIMER_HZ ticks a second since
 *   now_ns 0, floor(now_ns * 3579545 / 10^9), its low 32 bits; writes are ignored.
 * - PM1_STS (§4.8.3.1.1), write 1 to clear: TMR_STS (bit 0) set each time the timer's bit
 *   31 changes; PWRBTN_STS (bit 8) set by acpi_pm_power_button; WAK_STS (bit 15), see the
 *   sleep states below. Its other bits read 0.
 * - PM1_EN (§4.8.3.1.2): TMR_EN (0), GBL_EN (5), PWRBTN_EN (8), SLPBTN_EN (9), RTC_EN (10)
 *   and PCIEXP_WAKE_DIS (14) keep what is written (Linux checks that GBL_EN sticks); its
 *   reserved bits read 0.
 * - The SCI is asserted while a status bit and its enable bit are both set: (PM1_STS &
 *   PM1_EN) over TMR, GBL, PWRBTN, SLPBTN and RTC (§4.8.3.1; SCI_EN is always 1).
 * - PM1_CNT (§4.8.3.2.1): SCI_EN (bit 0) reads 1 and ignores writes; BM_RLD (1) and
 *   SLP_TYP (10-12) keep what is written; GBL_RLS (2) and SLP_EN (13) are write-only and
 *   read 0; the other bits read 0. A write with SLP_EN set and SLP_TYP ACPI_SLP_TYP_S5
 *   powers off: ops.power_off.
 * - The reset control register (PIIX4 datasheet "RC - Reset Control Register", ICH
 *   datasheets "RST_CNT"): a write with RST_CPU (bit 2) set resets (ops.reset), whatever
 *   SYS_RST (bit 1) and FULL_RST (bit 3) say: 0x02 does not, 0x04, 0x06 (the FADT's) and
 *   0x0e do. Bits 1 and 3 read back as written; bit 2 reads 0, so each write of it is the
 *   0-to-1 transition the chipset acts on; the other bits read 0.
 * - The keyboard controller's "pulse output port" commands 0xf0-0xff (8042 command set)
 *   pulse low the output-port lines whose bit in the command's low nibble is 0; line 0 is
 *   the CPU's reset: so the even commands 0xf0-0xfe, Linux's and DOS's 0xfe among them,
 *   reset (ops.reset). Other commands are ignored; port 0x64 reads 0x00 (status: no output
 *   waiting, input buffer empty), so a kernel waiting to send its command does not wait.
 *
 * Model choices:
 * - TMR_STS is not kept up to date in the background: each access to the event block (and
 *   acpi_pm_timer) first looks whether bit 31 changed since the one before. With TMR_EN
 *   set and TMR_STS clear, env->set_deadline asks for the next change (every 2^31 ticks,
 *   about 600 s), and acpi_pm_timer sets TMR_STS and the SCI; a late call does it once.
 * - Sleep states other than S5 (SLP_EN with any other SLP_TYP) do not exist here: the DSDT
 *   has no \_S1 to \_S4, so an OS does not ask for them. Such a write is ignored but sets
 *   WAK_STS, as a PC would that woke at once, so that an OS that waits for WAK_STS after
 *   it (Linux does) goes on.
 * - The callbacks are made during the port write, after the model's state is updated; the
 *   model does not reset itself on ops.reset (Keel initialises a domain's devices again).
 *
 * Not modelled: the PM1b, PM2 and GPE blocks (the FADT has none); BM_STS and GBL_STS (no
 * bus master activity, no firmware to release the global lock) and the events that would
 * set SLPBTN_STS, RTC_STS (the FADT's FIX_RTC) and PCIEXP_WAKE_STS: their enables are kept,
 * they never interrupt; the SMI side of GBL_RLS and BM_RLD's effect on C3 (there is no C3);
 * the rest of the 8042 (its data port 0x60, the output port written through command 0xd1,
 * A20: the command byte is dropped). */
#ifndef KEEL_VMM_DEV_ACPI_PM_H
#define KEEL_VMM_DEV_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/device.h"

#define ACPI_PM_EVENT_PORTS 4   /* PM1_EVT_LEN */
#define ACPI_PM_CONTROL_PORTS 2 /* PM1_CNT_LEN */
#define ACPI_PM_TIMER_PORTS 4   /* PM_TMR_LEN */
#define ACPI_PM_RESET_PORTS 1
#define ACPI_PM_KBD_PORTS 1
#define ACPI_PM_TIMER_HZ 3579545 /* as in drivers/acpi.h (§4.8.3.3) */

/* What the guest asks of the platform; each is called with env->ctx. */
struct acpi_pm_ops {
	void (*power_off)(void *ctx); /* SLP_EN with SLP_TYP S5 */
	void (*reset)(void *ctx);     /* 0xcf9 bit 2, or a reset pulse from the 8042 */
};

struct acpi_pm {
	struct device_env env;
	struct acpi_pm_ops ops;
	uint16_t status;        /* PM1_STS as set so far (TMR_STS up to synced_ticks) */
	uint16_t enable;        /* PM1_EN */
	uint16_t control;       /* PM1_CNT's BM_RLD and SLP_TYP */
	uint8_t reset_control;  /* 0xcf9's bits 1 and 3 */
	uint64_t synced_ticks;  /* the timer's count (all 64 bits) when TMR_STS was last brought up to date */
	uint64_t deadline;      /* the deadline last given to set_deadline */
	bool sci;               /* the level last given to set_irq */
};

/* Power-on state: PM1_STS, PM1_EN 0; PM1_CNT reads 1 (SCI_EN); 0xcf9 reads 0; the timer
 * counts from now_ns 0. env and ops are copied; now_ns, set_deadline, set_irq, power_off
 * and reset are all needed. Makes no call: the SCI starts low and there is no deadline. */
void acpi_pm_init(struct acpi_pm *pm, const struct device_env *env, const struct acpi_pm_ops *ops);

/* The deadline given to env->set_deadline has passed (the call may be late): TMR_STS is
 * set if the timer's bit 31 changed, and the SCI raised if TMR_EN is set. */
void acpi_pm_timer(struct acpi_pm *pm);

/* The power button is pressed: PWRBTN_STS is set; with PWRBTN_EN, the SCI is raised.
 * (The FADT built by acpi_tables.c says there is no fixed-feature power button, PWR_BUTTON
 * flag set: an OS will not set PWRBTN_EN until that changes.) */
void acpi_pm_power_button(struct acpi_pm *pm);

/* The port ranges (see above). */
uint64_t acpi_pm_event_read(void *pm, uint64_t offset, unsigned size);
void acpi_pm_event_write(void *pm, uint64_t offset, unsigned size, uint64_t value);
uint64_t acpi_pm_control_read(void *pm, uint64_t offset, unsigned size);
void acpi_pm_control_write(void *pm, uint64_t offset, unsigned size, uint64_t value);
uint64_t acpi_pm_timer_read(void *pm, uint64_t offset, unsigned size);
void acpi_pm_timer_write(void *pm, uint64_t offset, unsigned size, uint64_t value);
uint64_t acpi_pm_reset_read(void *pm, uint64_t offset, unsigned size);
void acpi_pm_reset_write(void *pm, uint64_t offset, unsigned size, uint64_t value);
uint64_t acpi_pm_kbd_read(void *pm, uint64_t offset, unsigned size);
void acpi_pm_kbd_write(void *pm, uint64_t offset, unsigned size, uint64_t value);

#endif
