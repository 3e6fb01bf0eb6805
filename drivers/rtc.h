/* The machine's CMOS real-time clock (MC146818-compatible, at ports 0x70/0x71), read once
 * at boot: the time of day each domain's own RTC starts from (vmm/dev/mc146818.c). Keel
 * takes the RTC to keep UTC, as Linux and most hypervisors' hosts do, and reads a two-digit
 * year as 1970-2069 (PCs keep the century in a register whose index only the FADT gives). */
#ifndef KEEL_DRIVERS_RTC_H
#define KEEL_DRIVERS_RTC_H

#include <stdbool.h>
#include <stdint.h>

/* The time registers as read: seconds, minutes, hours, day of month, month, year, and
 * status register B (its DM bit: binary rather than BCD; 24/12: 24-hour clock). */
struct rtc_time_registers {
	uint8_t sec, min, hour, mday, mon, year, status_b;
};

/* Seconds since 1970-01-01 00:00:00 UTC for those registers; false if one is out of its
 * range (a clock not set, or not an RTC at all: the ports read all ones). */
bool rtc_seconds_of(const struct rtc_time_registers *r, uint64_t *seconds);

/* Reads the machine's RTC (waiting out an update in progress) and keeps what Keel's clock
 * (drivers/tsc.h) read then; after tsc_init. */
void rtc_init(void);
/* The time of day, in seconds since the epoch, at Keel's clock 0; 0 if the RTC could not
 * be read (a domain's RTC then starts at the epoch). */
uint64_t rtc_epoch_at_boot(void);

#endif
