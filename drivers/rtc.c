#include "arch/x86/cpu.h"
#include "drivers/rtc.h"
#include "drivers/tsc.h"
#include "lib/calendar.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define REG_SEC 0x00
#define REG_MIN 0x02
#define REG_HOUR 0x04
#define REG_MDAY 0x07
#define REG_MON 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define A_UIP 0x80     /* an update is in progress, or starts within 244 us */
#define B_BINARY 0x04  /* DM */
#define B_24_HOUR 0x02
#define HOUR_PM 0x80   /* 12-hour clock: bit 7 of the hours */
#define UIP_WAIT_NS 10000000ull /* an update lasts under 2 ms: 10 ms is plenty */

static uint64_t epoch_at_boot;

static bool field(uint8_t raw, bool binary, unsigned low, unsigned high, unsigned *out)
{
	if (!binary && ((raw & 0xf) > 9 || (raw >> 4) > 9))
		return false;
	unsigned v = binary ? raw : (raw >> 4) * 10 + (raw & 0xf);
	*out = v;
	return v >= low && v <= high;
}

bool rtc_seconds_of(const struct rtc_time_registers *r, uint64_t *seconds)
{
	bool binary = r->status_b & B_BINARY;
	bool pm = !(r->status_b & B_24_HOUR) && (r->hour & HOUR_PM);
	uint8_t hour_raw = r->status_b & B_24_HOUR ? r->hour : r->hour & ~HOUR_PM;
	unsigned sec, min, hour, mday, mon, year;
	if (!field(r->sec, binary, 0, 59, &sec) || !field(r->min, binary, 0, 59, &min) ||
	    !field(hour_raw, binary, r->status_b & B_24_HOUR ? 0 : 1, r->status_b & B_24_HOUR ? 23 : 12, &hour) ||
	    !field(r->mday, binary, 1, 31, &mday) || !field(r->mon, binary, 1, 12, &mon) ||
	    !field(r->year, binary, 0, 99, &year))
		return false;
	if (!(r->status_b & B_24_HOUR))
		hour = hour % 12 + (pm ? 12 : 0); /* 12 AM is 0:00, 12 PM 12:00 */
	int64_t full_year = year < 70 ? 2000 + year : 1900 + year;
	int64_t days = calendar_days_from_civil(full_year, mon, mday);
	*seconds = (uint64_t)days * CALENDAR_SECONDS_PER_DAY + hour * 3600 + min * 60 + sec;
	return true;
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg); /* bit 7 clear: the NMI line stays unmasked (the watchdog uses it) */
	return inb(CMOS_DATA);
}

static void read_registers(struct rtc_time_registers *r)
{
	*r = (struct rtc_time_registers){ cmos_read(REG_SEC), cmos_read(REG_MIN), cmos_read(REG_HOUR),
					  cmos_read(REG_MDAY), cmos_read(REG_MON), cmos_read(REG_YEAR),
					  cmos_read(REG_B) };
}

/* Registers read while no update is in progress, twice alike: an update between the
 * reads would have changed one (MC146818A data sheet, "Update Cycle"). */
void rtc_init(void)
{
	uint64_t give_up = tsc_now_ns() + UIP_WAIT_NS;
	struct rtc_time_registers a, b;
	do {
		while ((cmos_read(REG_A) & A_UIP) && tsc_now_ns() < give_up)
			;
		read_registers(&a);
		read_registers(&b);
	} while ((a.sec != b.sec || a.min != b.min || a.hour != b.hour || a.mday != b.mday) && tsc_now_ns() < give_up);
	uint64_t now_ns = tsc_now_ns();
	uint64_t seconds;
	if (rtc_seconds_of(&b, &seconds) && seconds >= now_ns / 1000000000ull)
		epoch_at_boot = seconds - now_ns / 1000000000ull;
}

uint64_t rtc_epoch_at_boot(void)
{
	return epoch_at_boot;
}
