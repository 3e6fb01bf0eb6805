#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/sched.h"

/* Each runnable vCPU in turn runs until its next exit, which is then handled. Until Keel
 * takes the timer interrupt (a later step), a guest that never exits keeps the CPU. */
void sched_run(void)
{
	bool ran;
	do {
		ran = false;
		for (unsigned i = 0; i < domain_count(); i++) {
			struct domain *d = domain_at(i);
			if (d->state != DOMAIN_RUNNING || d->vcpu.state != VCPU_RUNNABLE)
				continue;
			struct vm_exit exit;
			hvm->vcpu_run(&d->vcpu, &exit);
			exit_dispatch(&d->vcpu, &exit);
			ran = true;
		}
	} while (ran);
}
