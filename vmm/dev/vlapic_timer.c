/* The local APIC's timer (§11.5.4; see vlapic.h): one-shot, periodic and TSC-deadline
 * modes, counting Keel's clock. */
#include "vmm/dev/vlapic_internal.h"

/* A timer tick is a nanosecond of Keel's clock, so a count of up to 2^32 - 1 ticks divided
 * by up to 128 spans less than 2^39 ns and the timer's arithmetic fits 64 bits (the core
 * has no 128-bit division). */
_Static_assert(VLAPIC_TIMER_HZ == 1000000000ull, "the timer counts Keel's nanoseconds");

uint32_t vlapic_timer_mode(const struct vlapic *l)
{
	return l->lvt[LVT_TIMER] & LVT_TIMER_MODE;
}

/* Figure 11-10: bits 3, 1, 0 = 000 divide by 2, 001 by 4, ..., 110 by 128, 111 by 1. */
static unsigned timer_divider(const struct vlapic *l)
{
	unsigned code = (l->timer_divide_config & 3) | ((l->timer_divide_config & 8) >> 1);
	return 1u << ((code + 1) & 7);
}

/* Never 0: the timer runs only with a non-zero initial count. */
static uint64_t timer_period_ns(const struct vlapic *l)
{
	return (uint64_t)l->timer_initial * timer_divider(l);
}

static bool timer_armed(const struct vlapic *l)
{
	return l->timer_deadline != DEVICE_NO_DEADLINE;
}

static void timer_set_deadline(struct vlapic *l, uint64_t deadline)
{
	l->timer_deadline = deadline;
	l->env.dev.set_deadline(l->env.dev.ctx, deadline);
}

void vlapic_timer_disarm(struct vlapic *l)
{
	if (timer_armed(l))
		timer_set_deadline(l, DEVICE_NO_DEADLINE);
}

/* Expires the timer if its deadline has passed: one-shot and TSC-deadline disarm (the
 * deadline MSR reads 0 again, §11.5.4.1); periodic reloads from the deadline it had, past
 * every period already over, and raises one interrupt for them all. */
void vlapic_timer_catch_up(struct vlapic *l)
{
	if (!timer_armed(l))
		return;
	uint64_t t = vlapic_clock_ns(l);
	if (t < l->timer_deadline)
		return;
	if (vlapic_timer_mode(l) == TIMER_PERIODIC) {
		uint64_t period = timer_period_ns(l);
		uint64_t periods = (t - l->timer_deadline) / period + 1;
		timer_set_deadline(l, l->timer_deadline + periods * period);
	} else {
		l->tsc_deadline = 0;
		timer_set_deadline(l, DEVICE_NO_DEADLINE);
	}
	vlapic_raise_local(l, LVT_TIMER);
}

/* The current count (§11.5.4): the ticks left to the next expiry, rounded up; it reads
 * the initial count right at a (re)load and 0 once a one-shot count is over. */
uint32_t vlapic_timer_current(const struct vlapic *l)
{
	if (!timer_armed(l) || vlapic_timer_mode(l) == TIMER_TSC_DEADLINE)
		return 0;
	uint64_t t = vlapic_clock_ns(l);
	uint64_t left;
	if (t < l->timer_deadline) {
		left = l->timer_deadline - t;
	} else if (vlapic_timer_mode(l) == TIMER_PERIODIC) {
		uint64_t period = timer_period_ns(l);
		left = period - (t - l->timer_deadline) % period;
	} else {
		return 0;
	}
	unsigned divider = timer_divider(l);
	return (uint32_t)((left + divider - 1) / divider); /* left <= the period */
}

/* §11.5.4: writing the initial count starts counting from it; 0 stops the timer. In
 * TSC-deadline mode the write is ignored (§11.5.4.1). */
void vlapic_write_timer_initial(struct vlapic *l, uint32_t value)
{
	if (vlapic_timer_mode(l) == TIMER_TSC_DEADLINE)
		return;
	vlapic_timer_catch_up(l);
	l->timer_initial = value;
	if (value)
		timer_set_deadline(l, vlapic_clock_ns(l) + timer_period_ns(l));
	else
		vlapic_timer_disarm(l);
}

/* A new divider: the count left goes on at the new rate. */
void vlapic_write_timer_divide(struct vlapic *l, uint32_t value)
{
	vlapic_timer_catch_up(l);
	unsigned old_divider = timer_divider(l);
	l->timer_divide_config = value & DIVIDE_WRITABLE;
	unsigned divider = timer_divider(l);
	if (!timer_armed(l) || vlapic_timer_mode(l) == TIMER_TSC_DEADLINE || divider == old_divider)
		return;
	uint64_t t = vlapic_clock_ns(l);
	uint64_t left = (l->timer_deadline - t) * divider / old_divider; /* < 2^46 */
	timer_set_deadline(l, t + (left ? left : 1));
}

uint64_t vlapic_tsc_deadline(const struct vlapic *l)
{
	return vlapic_timer_mode(l) == TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
}

void vlapic_set_tsc_deadline(struct vlapic *l, uint64_t tsc)
{
	if (!vlapic_hw_on(l) || vlapic_timer_mode(l) != TIMER_TSC_DEADLINE)
		return;
	l->tsc_deadline = tsc;
	if (tsc == 0) {
		vlapic_timer_disarm(l);
	} else {
		timer_set_deadline(l, l->env.tsc_to_ns(l->env.dev.ctx, tsc));
		vlapic_timer_catch_up(l); /* a deadline already past fires now */
	}
	vlapic_update_output(l);
}

void vlapic_timer(struct vlapic *l)
{
	vlapic_timer_catch_up(l);
	vlapic_update_output(l);
}
