/* Device models' timers (vmm/dev/device.h's set_deadline), kept per vCPU: the local APIC's
 * on its own vCPU, the platform's (PIT, RTC, PM timer) on the domain's first. The scheduler
 * fires them when Keel's clock reaches their deadline, at the start of the vCPU's turn, in
 * time charged to it, and ends a run early enough for the running vCPU's next one; a device
 * that sets a deadline earlier than the current run's end makes the scheduler look again
 * after the exit. */
#ifndef KEEL_VMM_VTIMER_H
#define KEEL_VMM_VTIMER_H

#include <stdint.h>

struct vcpu;

/* A timer fires at most once in this long: a guest asking for more (a periodic timer of a
 * nanosecond) gets its interrupts this far apart. And its vCPU runs at least this long
 * between two (vmm/sched.c), so that it makes progress however slow Keel's exit path is. */
#define VTIMER_MIN_INTERVAL_NS 20000

struct vtimer {
	uint64_t deadline_ns; /* 0: not armed */
	uint64_t fired_ns;    /* when it last fired */
	void (*fire)(void *dev);
	void *dev;
	struct vcpu *v;
};

/* A timer of v's for the device dev: fire(dev) will be called once its deadline passes.
 * NULL when v has VCPU_TIMERS already (a build-time limit, not the guest's doing). */
struct vtimer *vtimer_add(struct vcpu *v, void (*fire)(void *dev), void *dev);
/* struct device_env's set_deadline, with a struct vtimer as its context. */
void vtimer_set_deadline(void *timer, uint64_t deadline_ns);
/* Fires v's timers whose deadline is at or before now_ns (the scheduler, in v's turn). */
void vtimer_fire_due(struct vcpu *v, uint64_t now_ns);

#endif
