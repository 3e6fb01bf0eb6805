/* The CMOS real-time clock (see mc146818.h). Register bits and behaviour follow the
 * Motorola MC146818A datasheet: "Address Map", "Time, Calendar and Alarm Locations",
 * "Register A" to "Register D", "Update Cycle", "Interrupts", "Divider Control", cited
 * below by section; and the Dallas DS12887 datasheet where the PC's chips went further. */
#include "lib/calendar.h"
#include "vmm/dev/mc146818.h"
#include "vmm/dev/ticks.h"

/* The CMOS bytes ("Address Map"); 0x32 is the IBM PC's century byte. */
enum {
	REG_SEC = 0x00,
	REG_ALARM_SEC = 0x01,
	REG_MIN = 0x02,
	REG_ALARM_MIN = 0x03,
	REG_HOUR = 0x04,
	REG_ALARM_HOUR = 0x05,
	REG_WDAY = 0x06,
	REG_MDAY = 0x07,
	REG_MON = 0x08,
	REG_YEAR = 0x09,
	REG_A = 0x0a,
	REG_B = 0x0b,
	REG_C = 0x0c,
	REG_D = 0x0d,
	REG_CENTURY = 0x32,
};

#define INDEX_NMI_DISABLE 0x80
#define INDEX_MASK 0x7f

#define A_UIP 0x80            /* update in progress, read-only */
#define A_DIVIDER 0x70        /* DV2-DV0 */
#define A_DIVIDER_NORMAL 0x20 /* 010: a 32.768 kHz time base, running */
#define A_RATE 0x0f           /* RS3-RS0 */
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04      /* DM: 1 binary, 0 BCD */
#define B_24_HOUR 0x02
/* Register C's flags sit at the bits of their enables in register B ("Register C"). */
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define C_FLAGS (C_PF | C_AF | C_UF)
#define D_VRT 0x80

#define HOUR_PM 0x80          /* in the hours byte, in 12-hour mode */
#define ALARM_DONT_CARE 0xc0  /* an alarm byte with both top bits set matches any value */

#define POWER_ON_A 0x26       /* divider 010, rate 6: 1024 Hz */
#define POWER_ON_B B_24_HOUR

#define NS_PER_S 1000000000ull
#define UIP_NS 244000ull              /* tBUC: UIP is set this long before an update */
#define FIRST_UPDATE_NS (NS_PER_S / 2) /* after the divider leaves reset ("Divider Control") */
#define TIME_BASE_HZ 32768u

#define MAX_EPOCH_SECONDS 253402300799ull /* 9999-12-31 23:59:59 */
#define NEVER_S INT64_MAX                 /* a time in seconds that never comes */
#define EPOCH_WDAY 5                      /* 1970-01-01 was a Thursday; 1 is Sunday */

/* The time registers (as numbers) for a time in seconds since the epoch. */
static struct mc146818_fields fields_of(int64_t t)
{
	int64_t days = calendar_floor_div(t, CALENDAR_SECONDS_PER_DAY);
	int64_t second_of_day = t - days * CALENDAR_SECONDS_PER_DAY;
	int64_t y;
	unsigned m, d;

	calendar_civil_from_days(days, &y, &m, &d);
	return (struct mc146818_fields){
		.sec = (uint8_t)(second_of_day % 60),
		.min = (uint8_t)(second_of_day / 60 % 60),
		.hour = (uint8_t)(second_of_day / 3600),
		.wday = (uint8_t)(calendar_floor_mod(days + EPOCH_WDAY - 1, 7) + 1),
		.mday = (uint8_t)d,
		.mon = (uint8_t)m,
		.year = (uint8_t)calendar_floor_mod(y, 100),
		.century = (uint8_t)calendar_floor_div(y, 100),
	};
}

/* The time the registers make, each field added in (see mc146818.h, "Model choices"). */
static int64_t seconds_of(const struct mc146818_fields *f)
{
	unsigned mon = f->mon < 1 ? 1 : f->mon > 12 ? 12 : f->mon;
	int64_t days = calendar_days_from_civil(f->century * 100 + f->year, mon, f->mday);
	return days * CALENDAR_SECONDS_PER_DAY + f->hour * 3600 + f->min * 60 + f->sec;
}

/* The register formats ------------------------------------------------------------- */

static bool binary_mode(const struct mc146818 *rtc)
{
	return rtc->cmos[REG_B] & B_DM_BINARY;
}

static bool hour_24(const struct mc146818 *rtc)
{
	return rtc->cmos[REG_B] & B_24_HOUR;
}

/* A number as register B's DM bit has it: binary, or two BCD digits. */
static uint8_t encode(const struct mc146818 *rtc, unsigned v)
{
	return binary_mode(rtc) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned decode(const struct mc146818 *rtc, uint8_t b)
{
	return binary_mode(rtc) ? b : (unsigned)(b >> 4) * 10 + (b & 0xf);
}

/* Hours 0-23; in 12-hour mode 1-12 with bit 7 for PM, midnight being 12 AM and noon
 * 12 PM ("Time, Calendar and Alarm Locations"). */
static uint8_t encode_hour(const struct mc146818 *rtc, unsigned h)
{
	if (hour_24(rtc))
		return encode(rtc, h);
	unsigned h12 = h % 12 == 0 ? 12 : h % 12;
	return (uint8_t)(encode(rtc, h12) | (h % 24 >= 12 ? HOUR_PM : 0));
}

static unsigned decode_hour(const struct mc146818 *rtc, uint8_t b)
{
	if (hour_24(rtc))
		return decode(rtc, b);
	return decode(rtc, b & (uint8_t)~HOUR_PM) % 12 + (b & HOUR_PM ? 12 : 0);
}

/* The clock ------------------------------------------------------------------------ */

/* The divider chain runs (and with it the periodic interrupt) only with DV = 010; the
 * clock also needs SET clear ("Register A", "Register B"). */
static bool chain_running(const struct mc146818 *rtc)
{
	return (rtc->cmos[REG_A] & A_DIVIDER) == A_DIVIDER_NORMAL;
}

static bool clock_running(const struct mc146818 *rtc)
{
	return chain_running(rtc) && !(rtc->cmos[REG_B] & B_SET);
}

/* Updates of a running clock up to now included: at update_ns and each second after. */
static uint64_t updates_by(const struct mc146818 *rtc, uint64_t now)
{
	return now < rtc->update_ns ? 0 : (now - rtc->update_ns) / NS_PER_S + 1;
}

/* The first update after now. */
static uint64_t next_update_ns(const struct mc146818 *rtc, uint64_t now)
{
	return rtc->update_ns + updates_by(rtc, now) * NS_PER_S;
}

/* What a running clock shows at now, in seconds since the epoch. */
static int64_t clock_seconds(const struct mc146818 *rtc, uint64_t now)
{
	return rtc->base_s + (int64_t)updates_by(rtc, now);
}

/* The time registers at now, as numbers. */
static struct mc146818_fields shown(const struct mc146818 *rtc, uint64_t now)
{
	return clock_running(rtc) ? fields_of(clock_seconds(rtc, now)) : rtc->stopped;
}

/* A running clock stops: its registers hold the time it showed. */
static void stop_clock(struct mc146818 *rtc, uint64_t now)
{
	rtc->stopped = fields_of(clock_seconds(rtc, now));
}

/* The clock starts from its registers; its first update is the divider chain's next
 * second (update_ns, half a second after the chain left reset, or a whole second of the
 * chain after it). */
static void start_clock(struct mc146818 *rtc, uint64_t now)
{
	rtc->base_s = seconds_of(&rtc->stopped);
	rtc->update_ns = next_update_ns(rtc, now);
}

/* UIP: an update comes within tBUC ("Update Cycle"). SET clears it (DS12887). */
static bool update_in_progress(const struct mc146818 *rtc, uint64_t now)
{
	return clock_running(rtc) && next_update_ns(rtc, now) - now <= UIP_NS;
}

/* The periodic interrupt ------------------------------------------------------------ */

/* Its rate in Hz, or 0 for none: a period of 2^(n-1) / 32768 s for rate select n = 3-15,
 * rates 1 and 2 being those of 8 and 9 ("Register A", table of periodic rates for a
 * 32.768 kHz time base). */
static uint64_t periodic_hz(const struct mc146818 *rtc)
{
	unsigned n = rtc->cmos[REG_A] & A_RATE;
	if (n == 0 || !chain_running(rtc))
		return 0;
	if (n < 3)
		n += 7;
	return TIME_BASE_HZ >> (n - 1);
}

/* Periods ended since the chain left reset, up to now included. */
static uint64_t periods_by(const struct mc146818 *rtc, uint64_t now, uint64_t hz)
{
	return ticks_at_ns(now - rtc->chain_ns, hz);
}

static uint64_t next_period_ns(const struct mc146818 *rtc, uint64_t now, uint64_t hz)
{
	uint64_t since_chain = ticks_first_ns(periods_by(rtc, now, hz) + 1, hz);
	if (since_chain > DEVICE_NO_DEADLINE - rtc->chain_ns)
		return DEVICE_NO_DEADLINE;
	return rtc->chain_ns + since_chain;
}

/* The alarm ------------------------------------------------------------------------ */

#define ALARM_ANY (-1)
#define ALARM_NONE (-2)

/* What an alarm byte matches: ALARM_ANY ("don't care"), the value (0 to limit - 1) whose
 * register byte it is, or ALARM_NONE when no time register ever holds it. */
static int alarm_value(const struct mc146818 *rtc, uint8_t b, bool hours, unsigned limit)
{
	if ((b & ALARM_DONT_CARE) == ALARM_DONT_CARE)
		return ALARM_ANY;
	unsigned v = hours ? decode_hour(rtc, b) : decode(rtc, b);
	uint8_t again = hours ? encode_hour(rtc, v) : encode(rtc, v);
	return v < limit && again == b ? (int)v : ALARM_NONE;
}

static bool alarm_matches(int alarm, unsigned v)
{
	return alarm == ALARM_ANY || alarm == (int)v;
}

/* The first second of the day from second `from` on that the alarm matches, or -1. */
static int64_t first_alarm_in_day(int hour, int min, int sec, int64_t from)
{
	for (int64_t minute = from / 60; minute < 24 * 60; minute++) {
		if (!alarm_matches(hour, (unsigned)(minute / 60)) || !alarm_matches(min, (unsigned)(minute % 60)))
			continue;
		int64_t first_sec = minute == from / 60 ? from % 60 : 0;
		if (sec == ALARM_ANY)
			return minute * 60 + first_sec;
		if (sec >= first_sec)
			return minute * 60 + sec;
	}
	return -1;
}

/* The first time after `after` (seconds since the epoch) that the alarm matches; NEVER_S
 * if an alarm byte holds what no time register can. */
static int64_t next_alarm(const struct mc146818 *rtc, int64_t after)
{
	int hour = alarm_value(rtc, rtc->cmos[REG_ALARM_HOUR], true, 24);
	int min = alarm_value(rtc, rtc->cmos[REG_ALARM_MIN], false, 60);
	int sec = alarm_value(rtc, rtc->cmos[REG_ALARM_SEC], false, 60);
	if (hour == ALARM_NONE || min == ALARM_NONE || sec == ALARM_NONE)
		return NEVER_S;

	int64_t t = after + 1;
	int64_t day = calendar_floor_div(t, CALENDAR_SECONDS_PER_DAY) * CALENDAR_SECONDS_PER_DAY;
	int64_t found = first_alarm_in_day(hour, min, sec, t - day);
	if (found >= 0)
		return day + found;
	return day + CALENDAR_SECONDS_PER_DAY + first_alarm_in_day(hour, min, sec, 0);
}

/* Flags and the interrupt output ---------------------------------------------------- */

/* Sets the flags of what happened since the last access, up to now: a period ended (PF),
 * an update (UF), an update to a time the alarm matches (AF). */
static void catch_up(struct mc146818 *rtc, uint64_t now)
{
	uint64_t then = rtc->synced_ns;
	uint64_t hz = periodic_hz(rtc);

	if (hz && periods_by(rtc, now, hz) > periods_by(rtc, then, hz))
		rtc->flags |= C_PF;
	if (clock_running(rtc)) {
		int64_t from = clock_seconds(rtc, then), to = clock_seconds(rtc, now);
		if (to > from)
			rtc->flags |= C_UF;
		if (to > from && next_alarm(rtc, from) <= to)
			rtc->flags |= C_AF;
	}
	rtc->synced_ns = now;
}

/* IRQF: a flag whose interrupt is enabled ("Register C"). */
static bool irqf(const struct mc146818 *rtc)
{
	return rtc->flags & rtc->cmos[REG_B] & C_FLAGS;
}

static void update_output(struct mc146818 *rtc)
{
	bool level = irqf(rtc);
	if (level == rtc->irq)
		return;
	rtc->irq = level;
	rtc->env.set_irq(rtc->env.ctx, 0, level);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* When the next enabled interrupt comes. None while the output is asserted: it stays so
 * until register C is read, which calls for a new deadline. */
static uint64_t next_interrupt_ns(const struct mc146818 *rtc, uint64_t now)
{
	uint8_t b = rtc->cmos[REG_B];
	uint64_t hz = periodic_hz(rtc);
	uint64_t next = DEVICE_NO_DEADLINE;

	if (rtc->irq)
		return next;
	if ((b & B_PIE) && hz)
		next = earliest(next, next_period_ns(rtc, now, hz));
	if (clock_running(rtc) && (b & B_UIE))
		next = earliest(next, next_update_ns(rtc, now));
	if (clock_running(rtc) && (b & B_AIE)) {
		int64_t alarm = next_alarm(rtc, clock_seconds(rtc, now));
		/* The update that makes the clock show alarm: the (alarm - base_s)th. */
		if (alarm != NEVER_S)
			next = earliest(next, rtc->update_ns + (uint64_t)(alarm - rtc->base_s - 1) * NS_PER_S);
	}
	return next;
}

/* Gives env->set_deadline the next interrupt's time if it changed, or anyway (always:
 * after the timer fired, Keel is told again what comes next). */
static void arm(struct mc146818 *rtc, uint64_t now, bool always)
{
	uint64_t deadline = next_interrupt_ns(rtc, now);
	if (deadline == rtc->deadline && !always)
		return;
	rtc->deadline = deadline;
	rtc->env.set_deadline(rtc->env.ctx, deadline);
}

/* The registers -------------------------------------------------------------------- */

static uint8_t read_time(const struct mc146818 *rtc, uint64_t now, uint8_t reg)
{
	struct mc146818_fields f = shown(rtc, now);

	switch (reg) {
	case REG_SEC:
		return encode(rtc, f.sec);
	case REG_MIN:
		return encode(rtc, f.min);
	case REG_HOUR:
		return encode_hour(rtc, f.hour);
	case REG_WDAY:
		return encode(rtc, f.wday);
	case REG_MDAY:
		return encode(rtc, f.mday);
	case REG_MON:
		return encode(rtc, f.mon);
	case REG_YEAR:
		return encode(rtc, f.year);
	default:
		return encode(rtc, f.century);
	}
}

/* Sets one time register of the stopped clock. */
static void write_time(struct mc146818 *rtc, uint8_t reg, uint8_t value)
{
	struct mc146818_fields *f = &rtc->stopped;
	uint8_t v = (uint8_t)decode(rtc, value);

	switch (reg) {
	case REG_SEC:
		f->sec = v;
		break;
	case REG_MIN:
		f->min = v;
		break;
	case REG_HOUR:
		f->hour = (uint8_t)decode_hour(rtc, value);
		break;
	case REG_WDAY:
		f->wday = v;
		break;
	case REG_MDAY:
		f->mday = v;
		break;
	case REG_MON:
		f->mon = v;
		break;
	case REG_YEAR:
		f->year = v;
		break;
	default:
		f->century = v;
		break;
	}
}

static bool time_register(uint8_t reg)
{
	return reg == REG_SEC || reg == REG_MIN || reg == REG_HOUR ||
	       (reg >= REG_WDAY && reg <= REG_YEAR) || reg == REG_CENTURY;
}

/* Register A: UIP is read-only. When the divider leaves reset the chain starts again: the
 * periodic interrupt counts from now, the first update half a second later. */
static void write_a(struct mc146818 *rtc, uint64_t now, uint8_t value)
{
	bool was_running = chain_running(rtc);

	rtc->cmos[REG_A] = value & (uint8_t)~A_UIP;
	if (!was_running && chain_running(rtc)) {
		rtc->chain_ns = now;
		rtc->update_ns = now + FIRST_UPDATE_NS;
	}
}

/* Register B: SET clears UIE (DS12887, "Register B"). */
static void write_b(struct mc146818 *rtc, uint8_t value)
{
	if (value & B_SET)
		value &= (uint8_t)~B_UIE;
	rtc->cmos[REG_B] = value;
}

/* Register C: all flags, then none; the output falls. */
static uint8_t read_c(struct mc146818 *rtc)
{
	uint8_t value = rtc->flags | (irqf(rtc) ? C_IRQF : 0);
	rtc->flags = 0;
	return value;
}

static uint8_t read_register(struct mc146818 *rtc, uint64_t now, uint8_t reg)
{
	if (time_register(reg))
		return read_time(rtc, now, reg);
	switch (reg) {
	case REG_A:
		return rtc->cmos[REG_A] | (update_in_progress(rtc, now) ? A_UIP : 0);
	case REG_C:
		return read_c(rtc);
	case REG_D:
		return D_VRT;
	default:
		return rtc->cmos[reg]; /* the alarm, register B, NVRAM */
	}
}

/* A write that may change the time or whether the clock runs (a time register, A, B):
 * the clock stops if it ran, the register is written, then it starts again if it runs
 * now, so that every change is made on the registers of a stopped clock. */
static void write_clock(struct mc146818 *rtc, uint64_t now, uint8_t reg, uint8_t value)
{
	if (clock_running(rtc))
		stop_clock(rtc, now);
	if (reg == REG_A)
		write_a(rtc, now, value);
	else if (reg == REG_B)
		write_b(rtc, value);
	else
		write_time(rtc, reg, value);
	if (clock_running(rtc))
		start_clock(rtc, now);
}

static void write_register(struct mc146818 *rtc, uint64_t now, uint8_t reg, uint8_t value)
{
	if (reg == REG_C || reg == REG_D)
		return; /* read-only */
	if (reg == REG_A || reg == REG_B || time_register(reg))
		write_clock(rtc, now, reg, value);
	else
		rtc->cmos[reg] = value; /* the alarm, NVRAM */
}

/* The ports ------------------------------------------------------------------------- */

/* One byte at port offset 0 (index) or 1 (data). Every access first catches up with
 * time, and ends with the output and the deadline made right. */
static uint8_t read_port(struct mc146818 *rtc, unsigned port)
{
	if (port == 0)
		return 0xff; /* the index port is write-only */
	uint64_t now = rtc->env.now_ns(rtc->env.ctx);
	catch_up(rtc, now);
	uint8_t value = read_register(rtc, now, rtc->index);
	update_output(rtc);
	arm(rtc, now, false);
	return value;
}

static void write_port(struct mc146818 *rtc, unsigned port, uint8_t value)
{
	if (port == 0) {
		rtc->index = value & INDEX_MASK;
		rtc->nmi_disabled = value & INDEX_NMI_DISABLE;
		return;
	}
	uint64_t now = rtc->env.now_ns(rtc->env.ctx);
	catch_up(rtc, now);
	write_register(rtc, now, rtc->index, value);
	update_output(rtc);
	arm(rtc, now, false);
}

static bool in_range(uint64_t offset, unsigned i)
{
	return offset < MC146818_PORTS && offset + i < MC146818_PORTS;
}

/* An access of size bytes: one port a byte, upward from offset, as a byte-wide ISA
 * device; bytes past the range float high. */
uint64_t mc146818_read(void *dev, uint64_t offset, unsigned size)
{
	uint64_t value = 0;
	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t byte = in_range(offset, i) ? read_port(dev, (unsigned)(offset + i)) : 0xff;
		value |= byte << (8 * i);
	}
	return value;
}

void mc146818_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	for (unsigned i = 0; i < size && i < 8; i++)
		if (in_range(offset, i))
			write_port(dev, (unsigned)(offset + i), (uint8_t)(value >> (8 * i)));
}

void mc146818_timer(struct mc146818 *rtc)
{
	uint64_t now = rtc->env.now_ns(rtc->env.ctx);
	catch_up(rtc, now);
	update_output(rtc);
	arm(rtc, now, true);
}

void mc146818_init(struct mc146818 *rtc, const struct device_env *env, uint64_t epoch_seconds)
{
	if (epoch_seconds > MAX_EPOCH_SECONDS)
		epoch_seconds = MAX_EPOCH_SECONDS;
	*rtc = (struct mc146818){
		.env = *env,
		.base_s = (int64_t)epoch_seconds,
		.update_ns = NS_PER_S,
		.deadline = DEVICE_NO_DEADLINE,
	};
	rtc->cmos[REG_A] = POWER_ON_A;
	rtc->cmos[REG_B] = POWER_ON_B;
}
