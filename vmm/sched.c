/* Round robin, one exit at a time: after each exit the next runnable vCPU runs, so every
 * exit ends a vCPU's turn. A blocked vCPU with a deadline becomes runnable once Keel's
 * clock passes it; while nothing can run before that, the CPU waits. Keel takes no timer
 * interrupt yet, so a guest that never exits keeps the CPU. */
#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/sched.h"

/* Wakes vCPUs whose deadline has passed and picks the first runnable one from start on.
 * *earliest gets the nearest deadline of those still blocked (0: none). */
static struct domain *pick(unsigned start, unsigned *picked, uint64_t *earliest)
{
	uint64_t now = tsc_now_ns();
	struct domain *chosen = NULL;
	unsigned n = domain_count();
	*earliest = 0;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (start + k) % n;
		struct domain *d = domain_at(i);
		struct vcpu *v = &d->vcpu;
		if (d->state != DOMAIN_RUNNING)
			continue;
		if (v->state == VCPU_BLOCKED && v->wake_ns && v->wake_ns <= now)
			v->state = VCPU_RUNNABLE;
		if (v->state == VCPU_BLOCKED && v->wake_ns && (!*earliest || v->wake_ns < *earliest))
			*earliest = v->wake_ns;
		if (v->state == VCPU_RUNNABLE && !chosen) {
			chosen = d;
			*picked = i;
		}
	}
	return chosen;
}

void sched_run(void)
{
	unsigned next = 0, picked = 0;
	for (;;) {
		uint64_t earliest;
		struct domain *d = pick(next, &picked, &earliest);
		if (!d) {
			if (!earliest)
				return; /* every domain has ended or waits for an event that cannot come */
			while (tsc_now_ns() < earliest)
				cpu_relax();
			continue;
		}
		next = picked + 1;
		struct vm_exit exit;
		hvm->vcpu_run(d->vcpu.vendor, &d->vcpu.regs, &exit);
		exit_dispatch(&d->vcpu, &exit);
		domain_apply_end(d);
	}
}
