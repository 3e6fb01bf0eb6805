#include "vmm/dev/device.h"
#include "vmm/domain.h"
#include "vmm/sched.h"
#include "vmm/vtimer.h"

struct vtimer *vtimer_add(struct vcpu *v, void (*fire)(void *dev), void *dev)
{
	if (v->ntimers == VCPU_TIMERS)
		return NULL;
	struct vtimer *t = &v->timers[v->ntimers++];
	*t = (struct vtimer){ .deadline_ns = 0, .fired_ns = 0, .fire = fire, .dev = dev, .v = v };
	return t;
}

/* The earliest of v's deadlines, what the scheduler reads (0: none). */
static void recompute(struct vcpu *v)
{
	uint64_t due = 0;
	for (unsigned i = 0; i < v->ntimers; i++) {
		uint64_t d = v->timers[i].deadline_ns;
		if (d && (!due || d < due))
			due = d;
	}
	v->timer_due_ns = due;
}

void vtimer_set_deadline(void *timer, uint64_t deadline_ns)
{
	struct vtimer *t = timer;
	if (deadline_ns == DEVICE_NO_DEADLINE)
		deadline_ns = 0; /* Keel's "none" */
	else if (deadline_ns < t->fired_ns + VTIMER_MIN_INTERVAL_NS)
		deadline_ns = t->fired_ns + VTIMER_MIN_INTERVAL_NS;
	t->deadline_ns = deadline_ns;
	recompute(t->v);
	if (t->deadline_ns)
		sched_deadline_changed(t->v, t->deadline_ns);
}

void vtimer_fire_due(struct vcpu *v, uint64_t now_ns)
{
	for (unsigned i = 0; i < v->ntimers; i++) {
		struct vtimer *t = &v->timers[i];
		if (t->deadline_ns && t->deadline_ns <= now_ns) {
			t->deadline_ns = 0; /* fire sets it again for a periodic timer */
			t->fired_ns = now_ns;
			recompute(v);
			t->fire(t->dev);
		}
	}
}
