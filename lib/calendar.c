#include "lib/calendar.h"

/* The Gregorian rule: every fourth year, but not every hundredth, but every 400th. */
bool calendar_leap_year(int64_t y)
{
	return (calendar_floor_mod(y, 4) == 0 && calendar_floor_mod(y, 100) != 0) || calendar_floor_mod(y, 400) == 0;
}

/* Leap years from year 1 to year y - 1 (negative for y < 1; differences are right for
 * any two years). */
static int64_t leap_years_before(int64_t y)
{
	return calendar_floor_div(y - 1, 4) - calendar_floor_div(y - 1, 100) + calendar_floor_div(y - 1, 400);
}

/* Days in the months of a common year before month m (1-12). */
static const uint16_t days_before_month[13] = {
	0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334,
};

/* Days from 1970-01-01 to 1 January of year y. */
static int64_t days_to_year(int64_t y)
{
	return 365 * (y - CALENDAR_EPOCH_YEAR) + leap_years_before(y) - leap_years_before(CALENDAR_EPOCH_YEAR);
}

int64_t calendar_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t days = days_to_year(y) + days_before_month[m] + d - 1;
	if (m > 2 && calendar_leap_year(y))
		days++;
	return days;
}

/* The year is first guessed from the mean Gregorian year (146097 days in 400 years), which
 * is off by at most one, then corrected. */
void calendar_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t year = CALENDAR_EPOCH_YEAR + calendar_floor_div(days * 400, 146097);
	while (days_to_year(year) > days)
		year--;
	while (days_to_year(year + 1) <= days)
		year++;

	unsigned day_of_year = (unsigned)(days - days_to_year(year)); /* 0-365 */
	unsigned leap = calendar_leap_year(year) ? 1 : 0;
	unsigned month = 12;
	while (days_before_month[month] + (month > 2 ? leap : 0) > day_of_year)
		month--;
	*y = year;
	*m = month;
	*d = day_of_year - days_before_month[month] - (month > 2 ? leap : 0) + 1;
}
