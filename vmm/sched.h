/* The scheduler: one physical CPU shared round-robin among the runnable vCPUs. */
#ifndef KEEL_VMM_SCHED_H
#define KEEL_VMM_SCHED_H

/* Runs guests until no vCPU can run any more. */
void sched_run(void);

#endif
