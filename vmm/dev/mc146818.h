/* A model of the PC's CMOS real-time clock, a Motorola MC146818A (or its successors, the
 * Dallas DS12887 and the RTC inside PIIX and ICH chipsets): a clock and calendar, its
 * alarm, its periodic and update-ended interrupts, and 128 bytes of CMOS. Its interrupt
 * output is ISA IRQ 8, reported through env->set_irq(ctx, 0, level). Pure code: no
 * allocation, no globals, no port bus; the time comes from env->now_ns and the epoch
 * given to mc146818_init.
 *
 * Ports: one range of two ports (PC_RTC, 0x70-0x71), reached through mc146818_read/write
 * (io_ops shape, dev a struct mc146818). Offset 0 is the index port: a write selects the
 * CMOS byte (bits 6-0) and sets NMI disable (bit 7, kept in nmi_disabled and acted on
 * nowhere); a read gives 0xff, as on most chipsets, where the port is write-only. Offset 1
 * is the data port: the selected byte. They are byte-wide ISA registers: a 2-, 4- or
 * 8-byte access reaches one port a byte, in ascending order; bytes past the range read
 * 0xff and their writes are dropped.
 *
 * The CMOS bytes (MC146818A datasheet, "Address Map"):
 *   0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of the week (1 = Sunday), 0x07 day
 *   of the month, 0x08 month, 0x09 year (two digits), and 0x32 the century, where IBM PCs
 *   keep it (the FADT's CENTURY); in BCD or binary as register B's DM bit says, the hours
 *   in 24- or 12-hour form (bit 7 set: PM) as its 24/12 bit says;
 *   0x01, 0x03, 0x05 the alarm's seconds, minutes and hours;
 *   0x0a-0x0d registers A to D;
 *   0x0e-0x7f (but 0x32) NVRAM: kept as written, 0 at power-on.
 *
 * Modelled (datasheet, "Register A" to "Register D", "Update Cycle", "Interrupts"):
 * - The clock counts seconds since the Unix epoch (UTC), read back as the calendar of the
 *   proleptic Gregorian calendar (leap years by the 4/100/400 rule), years 0-9999 of the
 *   century and year registers. The day of the week follows the date.
 * - An update each second, when the divider (A bits 6-4) is 010 and register B's SET bit
 *   is clear. UIP (A bit 7) reads 1 during the 244 us before each update (the datasheet's
 *   tBUC); after an update the time reads one second later and UF is set; AF is set when
 *   the new time matches the alarm, an alarm byte of 0xc0-0xff matching any value
 *   ("don't care").
 * - The periodic interrupt: A's rate select n (bits 3-0) gives a period of 2^(n-1) /
 *   32768 s for n = 3-15, 1 and 2 giving those of 8 and 9 (3.90625 ms and 7.8125 ms), as
 *   the datasheet's table for a 32.768 kHz time base says; n = 0: none. Period k ends at
 *   the first whole nanosecond at or after k * period from the start of the divider chain:
 *   1024 Hz (n = 6) is 976562.5 ns, so periods end at 976563 ns, 1953125 ns, 2929688 ns...
 *   with no drift. PF is set at each.
 * - PF, AF and UF are set whatever PIE, AIE and UIE say (a guest may poll them); IRQF and
 *   the IRQ output are (PF and PIE) or (AF and AIE) or (UF and UIE). Reading register C
 *   returns the flags and clears them all, lowering the output. Register D reads 0x80
 *   (VRT: the battery is good).
 * - SET (B bit 7) stops the updates and clears UIE and UIP (DS12887 datasheet); the time
 *   registers then hold what the guest writes. When SET clears, the clock runs from that
 *   time, its next update at the next second of the divider chain, as before SET.
 * - The divider in reset (A bits 6-4 anything but 010) stops the clock and the periodic
 *   interrupt; when it goes back to 010 "the first update cycle begins one-half second
 *   later" (datasheet, "Divider Control"), and the periodic interrupt counts from then.
 *   Linux writes 0x70 there while it sets the time.
 * - A write to a time register while the clock runs sets it at once; the clock goes on
 *   from the time it makes, on the same second boundaries.
 *
 * Model choices:
 * - The flags are not kept up to date in the background: every access (and
 *   mc146818_timer) first accounts for the updates and periods since the one before. The
 *   model asks env->set_deadline for the next event whose interrupt is enabled (none while
 *   the output is already asserted: nothing can change until register C is read), and
 *   mc146818_timer raises the output. A late call raises it once, whatever it missed.
 * - The update takes no time: the registers hold the old time until the instant of the
 *   update and the new one from then on. The chip keeps UIP set during its update cycle
 *   (about 2 ms after the 244 us) and its time registers are unreadable then; here UIP
 *   clears at the update.
 * - The time registers are views of the clock, so changing DM or 24/12 shows the same time
 *   in the new form at once (on the chip the registers keep their bits and must be
 *   rewritten). The alarm bytes are compared, as on the chip, with the time registers'
 *   bytes in the current form.
 * - A time written while the clock is stopped reads back as written (a valid BCD or
 *   binary value); when the clock starts, the fields are added up: a second of 60 is the
 *   next minute, 31 February is 3 March (2 March in a leap year); a month outside 1-12 is
 *   taken as 1 (0) or 12 (13 and up), a BCD digit above 9 counts as its value (0x1a = 20).
 *   The day of the week written is shown until the clock starts, then follows the date.
 * - The century byte 0x32 is part of the clock: written, it sets the century; it is not
 *   NVRAM as on a PC, where the BIOS keeps it.
 *
 * Not modelled: the square-wave output (SQWE is kept, nothing else); daylight saving
 * (DSE is kept, changes nothing); the divider's other time bases (000 and 001, 4.194304
 * and 1.048576 MHz on the MC146818A; 011-111 reset on later chips): every value but 010
 * stops the clock; the day and month alarms of later chips (the FADT says there are none);
 * the extended CMOS banks of PIIX/ICH (ports 0x72-0x73); what a BIOS keeps in NVRAM (the
 * equipment and memory-size bytes read 0). */
#ifndef KEEL_VMM_DEV_MC146818_H
#define KEEL_VMM_DEV_MC146818_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/device.h"

#define MC146818_PORTS 2    /* the index port, then the data port */
#define MC146818_CMOS 128   /* bytes of CMOS, clock and registers included */

/* The time registers as numbers, the hour 0-23: what a stopped clock shows. */
struct mc146818_fields {
	uint8_t sec, min, hour, wday, mday, mon, year, century;
};

struct mc146818 {
	struct device_env env;
	uint8_t index;              /* the selected CMOS byte, 0-127 */
	bool nmi_disabled;          /* bit 7 of the last index written */
	uint8_t cmos[MC146818_CMOS]; /* alarm bytes, registers A (bits 6-0) and B, NVRAM */
	uint8_t flags;              /* register C's PF, AF, UF */
	bool irq;                   /* the level last given to set_irq */
	/* The clock. Running: it shows base_s (seconds since the epoch) until update_ns, and
	 * one second more at update_ns and each second after it. Stopped (SET, or the divider
	 * in reset): it shows stopped. */
	int64_t base_s;
	uint64_t update_ns;         /* kept while SET stops the clock: the divider runs on */
	struct mc146818_fields stopped;
	uint64_t chain_ns;          /* when the divider chain last left reset */
	uint64_t synced_ns;         /* the flags account for the time up to here */
	uint64_t deadline;          /* the deadline last given to set_deadline */
};

/* Power-on state of a PC's RTC: register A 0x26 (divider 010, 1024 Hz), B 0x02 (24-hour,
 * BCD, no interrupt), C 0, D 0x80, NVRAM 0, index 0. The clock shows epoch_seconds
 * (seconds since 1970-01-01 00:00:00 UTC; at most 253402300799, the end of 9999, larger is
 * taken as that) at now_ns 0 and runs, its updates at now_ns 1 s, 2 s, ... env is copied;
 * now_ns, set_deadline and set_irq are all needed. Makes no call: the output starts low
 * and there is no deadline. */
void mc146818_init(struct mc146818 *rtc, const struct device_env *env, uint64_t epoch_seconds);

/* The ports (see above): offset 0 the index, 1 the data. */
uint64_t mc146818_read(void *rtc, uint64_t offset, unsigned size);
void mc146818_write(void *rtc, uint64_t offset, unsigned size, uint64_t value);

/* The deadline given to env->set_deadline has passed (the call may be late): the flags
 * catch up and the output rises if an enabled one is set. */
void mc146818_timer(struct mc146818 *rtc);

#endif
