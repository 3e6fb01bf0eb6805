/* The 8254 PIT and port 0x61 (see i8254.h). Commands, modes and flags follow the Intel
 * 8254 datasheet, cited by section: "Control Word Format", "Write Operations", "Read
 * Operations" (with "Counter Latch Command" and "Read-Back Command"), "Mode Definitions"
 * (one section a mode) and "Gate Pin Operations Summary". */
#include "vmm/dev/i8254.h"
#include "vmm/dev/ticks.h"

#define NEVER UINT64_MAX /* a tick that never comes */

/* The control word (offset 3): SC1-SC0 bits 7-6, RW1-RW0 bits 5-4, M2-M0 bits 3-1, BCD
 * bit 0. SC = 11 is the read-back command, RW = 00 the counter latch command. */
#define CONTROL_SC_SHIFT 6
#define CONTROL_RW_SHIFT 4
#define CONTROL_MODE_SHIFT 1
#define CONTROL_BCD 0x01
#define CONTROL_BITS 0x3f /* what a channel keeps, and its status byte shows */
#define SC_READ_BACK 3

enum access { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_LSB_MSB = 3 };

/* The read-back command: bit 5 clear latches counts, bit 4 clear latches status, bits
 * 3-1 select channels 2-0 ("Read-Back Command"). */
#define READ_BACK_NO_COUNT 0x20
#define READ_BACK_NO_STATUS 0x10

/* The status byte: OUT, null count, then the control word's bits 5-0. */
#define STATUS_OUT 0x80
#define STATUS_NULL_COUNT 0x40

/* Port 0x61. */
#define PORT61_GATE2 0x01
#define PORT61_STORED 0x0f /* gate 2, speaker data, parity and channel check enables */
#define PORT61_REFRESH 0x10
#define PORT61_OUT2 0x20

#define POWER_ON_CONTROL 0x30 /* LSB then MSB, mode 0, binary */

/* Keel's clock and the PIT's ---------------------------------------------------------- */

static uint64_t clock_ns(const struct i8254 *pit)
{
	return pit->env.now_ns(pit->env.ctx);
}

/* Keel's clock at tick of run r; DEVICE_NO_DEADLINE where it would not fit. */
static uint64_t tick_ns(const struct i8254_run *r, uint64_t tick)
{
	if (tick == NEVER)
		return DEVICE_NO_DEADLINE;
	uint64_t ns = ticks_first_ns(tick, PIT_HZ);
	if (ns >= DEVICE_NO_DEADLINE - r->anchor_ns)
		return DEVICE_NO_DEADLINE;
	return r->anchor_ns + ns;
}

static uint64_t run_tick(const struct i8254_run *r, uint64_t now)
{
	return ticks_at_ns(now - r->anchor_ns, PIT_HZ);
}

/* What the control word says -------------------------------------------------------- */

/* Modes 6 and 7 are 2 and 3 ("Control Word Format": M2 is a don't-care for them). */
static unsigned mode(const struct i8254_channel *ch)
{
	unsigned m = (ch->control >> CONTROL_MODE_SHIFT) & 7;
	return m >= 6 ? m - 4 : m;
}

static bool periodic(const struct i8254_channel *ch)
{
	return mode(ch) == 2 || mode(ch) == 3;
}

static enum access access_mode(const struct i8254_channel *ch)
{
	return (enum access)((ch->control >> CONTROL_RW_SHIFT) & 3);
}

static bool bcd(const struct i8254_channel *ch)
{
	return ch->control & CONTROL_BCD;
}

/* Counts: binary 0-65535, BCD 0-9999; as a count loaded, 0 is the largest. */
static uint32_t modulus(const struct i8254_channel *ch)
{
	return bcd(ch) ? 10000 : 0x10000;
}

static uint32_t from_bcd(uint16_t raw)
{
	return (raw & 0xf) + 10 * ((raw >> 4) & 0xf) + 100 * ((raw >> 8) & 0xf) + 1000 * (raw >> 12);
}

static uint16_t to_bcd(uint32_t value)
{
	return (uint16_t)(value % 10 | (value / 10 % 10) << 4 | (value / 100 % 10) << 8 |
			  (value / 1000 % 10) << 12);
}

/* A count register or counting element value as a number of ticks; 0 is the largest. */
static uint32_t count_value(const struct i8254_channel *ch, uint16_t raw)
{
	uint32_t value = bcd(ch) ? from_bcd(raw) : raw;
	return value ? value : modulus(ch);
}

/* A number of ticks as the counting element holds it. */
static uint16_t raw_count(const struct i8254_channel *ch, uint32_t value)
{
	value %= modulus(ch);
	return bcd(ch) ? to_bcd(value) : (uint16_t)value;
}

/* The count register as loaded: a count of 1, illegal in mode 2 ("Mode 2"), runs as 2 in
 * the periodic modes (see i8254.h). */
static uint32_t loaded_count(const struct i8254_channel *ch)
{
	uint32_t n = count_value(ch, ch->cr);
	return periodic(ch) && n == 1 ? 2 : n;
}

/* Mode 3 spends ceil(N / 2) ticks high, floor(N / 2) low ("Mode 3"). */
static uint32_t high_half(uint32_t n)
{
	return (n + 1) / 2;
}

/* A running counting element at tick -------------------------------------------------- */

/* Where tick is in the period of a periodic mode (modulo n); in the other modes phase is
 * 0, and this is the ticks since the load. */
static uint64_t position(const struct i8254_run *r, uint64_t tick)
{
	return tick - r->start + r->phase;
}

/* The counting element's value, as a number of ticks (modulus: 0). */
static uint32_t run_value(const struct i8254_channel *ch, const struct i8254_run *r, uint64_t tick)
{
	uint32_t n = r->n, m = modulus(ch);
	switch (mode(ch)) {
	case 2:
		/* N down to 1; reloaded as it would reach 0 ("Mode 2") */
		return n - (uint32_t)(position(r, tick) % n);
	case 3: {
		/* Each half counts down by two from N, or N - 1 for an odd N: OUT toggles as
		 * the count expires; an odd N's high half takes one more tick, at 0 ("Mode 3"). */
		uint32_t p = (uint32_t)(position(r, tick) % n), high = high_half(n);
		uint32_t into_half = p < high ? p : p - high;
		return (n & ~1u) - 2 * into_half;
	}
	default:
		/* one a tick, wrapping past 0 and going on ("Mode 0": counting continues) */
		return (n + m - (uint32_t)((tick - r->start) % m)) % m;
	}
}

static bool run_out(const struct i8254_channel *ch, const struct i8254_run *r, uint64_t tick)
{
	uint64_t elapsed = tick - r->start;
	switch (mode(ch)) {
	case 0: /* low until terminal count, then high */
	case 1:
		return r->tc_passed || elapsed >= r->n;
	case 2: /* low while the count is 1 */
		return position(r, tick) % r->n != r->n - 1;
	case 3:
		return position(r, tick) % r->n < high_half(r->n);
	default: /* modes 4 and 5: low for the tick at terminal count */
		return r->tc_passed || elapsed != r->n;
	}
}

/* The first tick after `after` (not before r->start) at which OUT rises in run r, or
 * NEVER. The periodic modes rise as each period ends. */
static uint64_t run_next_rise(const struct i8254_channel *ch, const struct i8254_run *r, uint64_t after)
{
	uint64_t rise;
	switch (mode(ch)) {
	case 0:
	case 1:
		rise = r->start + r->n;
		break;
	case 2:
	case 3:
		return after + (r->n - position(r, after) % r->n);
	default:
		rise = r->start + r->n + 1;
		break;
	}
	return !r->tc_passed && rise > after ? rise : NEVER;
}

/* A channel's counting element ------------------------------------------------------- */

/* The run that follows a pending reload of mode 2 or 3: the count register from
 * reload_tick, a low half first if the reload ends a high half. */
static struct i8254_run reloaded_run(const struct i8254_channel *ch)
{
	struct i8254_run r = {
		.anchor_ns = ch->run.anchor_ns,
		.start = ch->reload_tick,
		.n = loaded_count(ch),
	};
	if (ch->reload_low_half)
		r.phase = high_half(r.n);
	return r;
}

/* Brings a channel to now: a pending reload whose tick has come is made. */
static void advance(struct i8254_channel *ch, uint64_t now)
{
	if (ch->ce != I8254_CE_RUNNING || !ch->reload_pending)
		return;
	if (run_tick(&ch->run, now) < ch->reload_tick)
		return;
	ch->run = reloaded_run(ch);
	ch->reload_pending = false;
	ch->null_count = false;
}

static uint16_t ce_value(const struct i8254_channel *ch, uint64_t now)
{
	if (ch->ce != I8254_CE_RUNNING)
		return ch->held;
	return raw_count(ch, run_value(ch, &ch->run, run_tick(&ch->run, now)));
}

static bool channel_out(const struct i8254_channel *ch, uint64_t now)
{
	if (ch->ce != I8254_CE_RUNNING)
		return ch->held_out;
	return run_out(ch, &ch->run, run_tick(&ch->run, now));
}

/* Counting starts from n at now. */
static void start_run(struct i8254_channel *ch, uint64_t now, uint32_t n, bool tc_passed)
{
	ch->ce = I8254_CE_RUNNING;
	ch->run = (struct i8254_run){ .anchor_ns = now, .n = n, .tc_passed = tc_passed };
	ch->reload_pending = false;
}

/* The count register is loaded and counting starts from it. */
static void load(struct i8254_channel *ch, uint64_t now)
{
	start_run(ch, now, loaded_count(ch), false);
	ch->null_count = false;
}

/* Counting stops; the counting element keeps its value and OUT is out. */
static void stop(struct i8254_channel *ch, uint64_t now, bool out)
{
	ch->held = ce_value(ch, now);
	ch->held_out = out;
	ch->ce = I8254_CE_STOPPED;
	ch->reload_pending = false;
}

/* Modes 0 and 4 with the gate low: not counting, the counting element at value, OUT
 * unchanged; counting goes on from value when the gate rises. */
static void hold_paused(struct i8254_channel *ch, uint16_t value, bool out, bool tc_passed)
{
	ch->ce = I8254_CE_PAUSED;
	ch->held = value;
	ch->held_out = out;
	ch->held_tc_passed = tc_passed;
	ch->reload_pending = false;
}

/* Modes 0 and 4, the gate falling: counting is suspended where it is. */
static void pause_counting(struct i8254_channel *ch, uint64_t now)
{
	uint64_t tick = run_tick(&ch->run, now);
	bool tc_passed = ch->run.tc_passed || tick - ch->run.start >= ch->run.n;
	hold_paused(ch, ce_value(ch, now), channel_out(ch, now), tc_passed);
}

/* Modes 0 and 4, the gate rising: counting goes on from the value held. */
static void resume_counting(struct i8254_channel *ch, uint64_t now)
{
	start_run(ch, now, count_value(ch, ch->held), ch->held_tc_passed);
}

/* Modes 2 and 3, a count written while counting: it is loaded as the period ends (mode
 * 2) or as the half-cycle ends (mode 3), the null count flag set until then ("Mode 2",
 * "Mode 3"). */
static void schedule_reload(struct i8254_channel *ch, uint64_t now)
{
	const struct i8254_run *r = &ch->run;
	uint64_t tick = run_tick(r, now);
	uint32_t p = (uint32_t)(position(r, tick) % r->n);
	uint32_t high = high_half(r->n);

	ch->reload_pending = true;
	ch->reload_low_half = mode(ch) == 3 && p < high;
	ch->reload_tick = tick + (ch->reload_low_half ? high - p : r->n - p);
}

/* Programming a channel -------------------------------------------------------------- */

/* A control word: the channel's logic is reset, OUT goes low in mode 0 and high in the
 * others, and nothing is counted until a count is written ("Write Operations", "Mode
 * Definitions"). */
static void write_control(struct i8254_channel *ch, uint64_t now, uint8_t value)
{
	ch->held = ce_value(ch, now);
	ch->control = value & CONTROL_BITS;
	ch->ce = I8254_CE_STOPPED;
	ch->held_out = mode(ch) != 0;
	ch->reload_pending = false;
	ch->null_count = true;
	ch->count_written = false;
	ch->write_msb = false;
	ch->read_msb = false;
	ch->latched_bytes = 0;
	ch->status_latched = false;
}

/* A whole count is in the count register; each mode takes it its own way ("Mode
 * Definitions"). */
static void count_written(struct i8254_channel *ch, uint64_t now)
{
	ch->count_written = true;
	ch->null_count = true;
	switch (mode(ch)) {
	case 0:
	case 4:
		/* loaded at once, OUT low (mode 0) until terminal count; a new count restarts */
		if (ch->gate) {
			load(ch, now);
		} else {
			hold_paused(ch, ch->cr, mode(ch) == 4, false);
			ch->null_count = false;
		}
		break;
	case 1:
	case 5:
		/* waits for the gate's rising edge; a count running goes on */
		break;
	default:
		if (ch->ce == I8254_CE_RUNNING) {
			schedule_reload(ch, now);
		} else if (ch->gate) {
			load(ch, now);
		} else {
			ch->held = ch->cr;
			ch->null_count = false;
		}
		break;
	}
}

/* A count byte ("Write Operations"): LSB only and MSB only clear the other byte; LSB then
 * MSB loads the count with its MSB. In mode 0 the first of two bytes stops counting and
 * sets OUT low at once ("Mode 0"). */
static void write_count(struct i8254_channel *ch, uint64_t now, uint8_t value)
{
	switch (access_mode(ch)) {
	case RW_LSB:
		ch->cr = value;
		break;
	case RW_MSB:
		ch->cr = (uint16_t)(value << 8);
		break;
	default:
		if (!ch->write_msb) {
			ch->cr_lsb = value;
			ch->write_msb = true;
			if (mode(ch) == 0)
				stop(ch, now, false);
			return;
		}
		ch->cr = (uint16_t)(ch->cr_lsb | value << 8);
		ch->write_msb = false;
		break;
	}
	count_written(ch, now);
}

/* Channel 2's gate from port 0x61 ("Gate Pin Operations Summary"). */
static void set_gate(struct i8254_channel *ch, uint64_t now, bool gate)
{
	if (gate == ch->gate)
		return;
	ch->gate = gate;
	switch (mode(ch)) {
	case 0:
	case 4:
		if (!gate && ch->ce == I8254_CE_RUNNING)
			pause_counting(ch, now);
		else if (gate && ch->ce == I8254_CE_PAUSED)
			resume_counting(ch, now);
		break;
	case 1:
	case 5:
		/* a rising edge triggers: the count is loaded, mode 1's OUT goes low */
		if (gate && ch->count_written)
			load(ch, now);
		break;
	default:
		/* low: counting stops and OUT goes high at once; rising: the count is reloaded */
		if (!gate && ch->ce == I8254_CE_RUNNING)
			stop(ch, now, true);
		else if (gate && ch->count_written)
			load(ch, now);
		break;
	}
}

/* Reading a channel ------------------------------------------------------------------- */

static void latch_count(struct i8254_channel *ch, uint64_t now)
{
	if (ch->latched_bytes)
		return; /* the first latch holds until read ("Counter Latch Command") */
	ch->latch = ce_value(ch, now);
	ch->latched_bytes = access_mode(ch) == RW_LSB_MSB ? 2 : 1;
}

static void latch_status(struct i8254_channel *ch, uint64_t now)
{
	if (ch->status_latched)
		return;
	ch->status = (uint8_t)((channel_out(ch, now) ? STATUS_OUT : 0) |
			       (ch->null_count ? STATUS_NULL_COUNT : 0) | ch->control);
	ch->status_latched = true;
}

/* The byte of a count the access mode gives next. */
static uint8_t count_byte(struct i8254_channel *ch, uint16_t count)
{
	bool msb;
	switch (access_mode(ch)) {
	case RW_LSB:
		msb = false;
		break;
	case RW_MSB:
		msb = true;
		break;
	default:
		msb = ch->read_msb;
		ch->read_msb = !ch->read_msb;
		break;
	}
	return (uint8_t)(msb ? count >> 8 : count);
}

/* Status first if latched, then a latched count, else the counting element as it is
 * ("Read-Back Command": status and count both latched). */
static uint8_t read_channel(struct i8254_channel *ch, uint64_t now)
{
	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	if (ch->latched_bytes) {
		ch->latched_bytes--;
		return count_byte(ch, ch->latch);
	}
	return count_byte(ch, ce_value(ch, now));
}

/* The control word register ------------------------------------------------------------ */

static void read_back(struct i8254 *pit, uint64_t now, uint8_t value)
{
	for (unsigned i = 0; i < I8254_CHANNELS; i++) {
		if (!(value & (2u << i)))
			continue;
		if (!(value & READ_BACK_NO_STATUS))
			latch_status(&pit->channel[i], now);
		if (!(value & READ_BACK_NO_COUNT))
			latch_count(&pit->channel[i], now);
	}
}

static void write_command(struct i8254 *pit, uint64_t now, uint8_t value)
{
	unsigned select = value >> CONTROL_SC_SHIFT;
	if (select == SC_READ_BACK) {
		read_back(pit, now, value);
		return;
	}
	struct i8254_channel *ch = &pit->channel[select];
	if (((value >> CONTROL_RW_SHIFT) & 3) == RW_LATCH)
		latch_count(ch, now);
	else
		write_control(ch, now, value);
}

/* OUT0 and the interrupt --------------------------------------------------------------- */

static void set_irq(struct i8254 *pit, bool level)
{
	pit->irq = level;
	if (pit->env.set_irq)
		pit->env.set_irq(pit->env.ctx, 0, level);
}

/* When OUT0 next rises, on Keel's clock: through a pending reload, whose count gives the
 * edges after it; DEVICE_NO_DEADLINE if never. */
static uint64_t out0_next_rise(const struct i8254 *pit, uint64_t now)
{
	const struct i8254_channel *ch = &pit->channel[0];
	if (ch->ce != I8254_CE_RUNNING)
		return DEVICE_NO_DEADLINE;
	uint64_t tick = run_tick(&ch->run, now);
	uint64_t rise = run_next_rise(ch, &ch->run, tick);
	if (ch->reload_pending && rise > ch->reload_tick) {
		struct i8254_run next = reloaded_run(ch);
		rise = run_next_rise(ch, &next, ch->reload_tick);
	}
	return tick_ns(&ch->run, rise);
}

/* Every entry starts here: the channels are brought to now, and if OUT0 has risen since
 * the last entry (the deadline has passed), one edge is given for however many rises
 * (lost ticks are dropped, see i8254.h). */
static uint64_t catch_up(struct i8254 *pit)
{
	uint64_t now = clock_ns(pit);
	bool rose = pit->deadline_ns != DEVICE_NO_DEADLINE && now >= pit->deadline_ns;
	for (unsigned i = 0; i < I8254_CHANNELS; i++)
		advance(&pit->channel[i], now);
	if (rose) {
		if (pit->irq)
			set_irq(pit, false);
		set_irq(pit, true);
	}
	return now;
}

/* Every entry ends here: the interrupt output follows OUT0, and the deadline is its next
 * rising edge (set_deadline called when it changes, or always). */
static void settle(struct i8254 *pit, uint64_t now, bool always)
{
	bool out = channel_out(&pit->channel[0], now);
	if (out != pit->irq)
		set_irq(pit, out);
	uint64_t deadline = out0_next_rise(pit, now);
	if (deadline == pit->deadline_ns && !always)
		return;
	pit->deadline_ns = deadline;
	if (pit->env.set_deadline)
		pit->env.set_deadline(pit->env.ctx, deadline);
}

/* Ports -------------------------------------------------------------------------------- */

static uint8_t read_port(struct i8254 *pit, unsigned port)
{
	if (port == I8254_PORTS - 1)
		return 0xff; /* no register to read */
	uint64_t now = catch_up(pit);
	uint8_t value = read_channel(&pit->channel[port], now);
	settle(pit, now, false);
	return value;
}

static void write_port(struct i8254 *pit, unsigned port, uint8_t value)
{
	uint64_t now = catch_up(pit);
	if (port == I8254_PORTS - 1)
		write_command(pit, now, value);
	else
		write_count(&pit->channel[port], now, value);
	settle(pit, now, false);
}

static uint8_t read_port61(struct i8254 *pit)
{
	uint64_t now = catch_up(pit);
	uint8_t value = pit->port61 & PORT61_STORED;
	if ((now / I8254_REFRESH_NS) & 1)
		value |= PORT61_REFRESH;
	if (channel_out(&pit->channel[2], now))
		value |= PORT61_OUT2;
	settle(pit, now, false);
	return value;
}

static void write_port61(struct i8254 *pit, uint8_t value)
{
	uint64_t now = catch_up(pit);
	pit->port61 = value & PORT61_STORED;
	set_gate(&pit->channel[2], now, value & PORT61_GATE2);
	settle(pit, now, false);
}

/* An access of size bytes: one port a byte, upward from offset, as a byte-wide ISA
 * device; bytes past the range float high. */
static uint64_t read_bytes(struct i8254 *pit, unsigned ports, uint64_t offset, unsigned size)
{
	uint64_t value = 0;
	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t byte = 0xff;
		if (offset < ports && offset + i < ports)
			byte = ports == 1 ? read_port61(pit) : read_port(pit, (unsigned)(offset + i));
		value |= byte << (8 * i);
	}
	return value;
}

static void write_bytes(struct i8254 *pit, unsigned ports, uint64_t offset, unsigned size, uint64_t value)
{
	for (unsigned i = 0; i < size && i < 8; i++) {
		if (!(offset < ports && offset + i < ports))
			continue;
		uint8_t byte = (uint8_t)(value >> (8 * i));
		if (ports == 1)
			write_port61(pit, byte);
		else
			write_port(pit, (unsigned)(offset + i), byte);
	}
}

/* Entry points ------------------------------------------------------------------------- */

void i8254_init(struct i8254 *pit, const struct device_env *env)
{
	for (unsigned i = 0; i < I8254_CHANNELS; i++) {
		pit->channel[i] = (struct i8254_channel){
			.control = POWER_ON_CONTROL,
			.null_count = true,
			.gate = i != 2, /* channels 0 and 1: tied high; 2: port 0x61 bit 0 */
			.ce = I8254_CE_STOPPED,
		};
	}
	pit->port61 = 0;
	pit->irq = false;
	pit->deadline_ns = DEVICE_NO_DEADLINE;
	pit->env = *env;
}

void i8254_timer(struct i8254 *pit)
{
	uint64_t now = catch_up(pit);
	settle(pit, now, true);
}

uint64_t i8254_read(void *pit, uint64_t offset, unsigned size)
{
	return read_bytes(pit, I8254_PORTS, offset, size);
}

void i8254_write(void *pit, uint64_t offset, unsigned size, uint64_t value)
{
	write_bytes(pit, I8254_PORTS, offset, size, value);
}

uint64_t i8254_port61_read(void *pit, uint64_t offset, unsigned size)
{
	return read_bytes(pit, 1, offset, size);
}

void i8254_port61_write(void *pit, uint64_t offset, unsigned size, uint64_t value)
{
	write_bytes(pit, 1, offset, size, value);
}
