/* The proleptic Gregorian calendar (leap years by the 4/100/400 rule) counted in days from
 * the Unix epoch, 1970-01-01: what the CMOS RTC's registers (Keel's reading of the
 * machine's, and each domain's model of one) and seconds since the epoch convert through. */
#ifndef KEEL_LIB_CALENDAR_H
#define KEEL_LIB_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#define CALENDAR_EPOCH_YEAR 1970
#define CALENDAR_SECONDS_PER_DAY 86400

/* Division rounding toward minus infinity (C's rounds toward 0), and its remainder; b > 0. */
static inline int64_t calendar_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b < 0) ? q - 1 : q;
}

static inline int64_t calendar_floor_mod(int64_t a, int64_t b)
{
	return a - calendar_floor_div(a, b) * b;
}

bool calendar_leap_year(int64_t y);
/* Days from 1970-01-01 to y-m-d, m 1-12; a day of the month past the month's end (or 0)
 * carries into the next month (or the one before). */
int64_t calendar_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The date days after 1970-01-01 (before it for negative days). */
void calendar_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
