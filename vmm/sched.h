/* The scheduler (vmm/sched.c): weighted shares of each physical CPU, caps, time slices. */
#ifndef KEEL_VMM_SCHED_H
#define KEEL_VMM_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/cpu.h"

struct vcpu;

/* What the exit path reads of the scheduler, per physical CPU: when it must pick again, on
 * the TSC (the next deadline; UINT64_MAX: none; 0: at once, because the running vCPU
 * blocked, yielded or ended, or Keel has work for its domain). */
struct sched_cpu {
	uint64_t pick_tsc;
};
extern struct sched_cpu sched_cpus[1]; /* Keel runs on the boot CPU for now */

/* After an exit has been handled: the vCPU runs on unless the time to pick again has come.
 * One TSC read and a comparison, so a common exit costs no search and no arithmetic. */
static inline bool sched_runs_on(const struct vcpu *v)
{
	(void)v; /* every vCPU is on the boot CPU for now */
	return rdtsc() < sched_cpus[0].pick_tsc;
}

/* Before the first domain is built: the time slice from keel.cfg. */
void sched_init(unsigned timeslice_ms);
/* A vCPU that is ready to run joins its CPU's run queue; sched_remove takes it out before
 * it is destroyed. */
void sched_add(struct vcpu *v);
void sched_remove(struct vcpu *v);
/* HLT with interrupts on, or the block hypercall: v waits until deadline_ns (0: none) or
 * its timer event, whichever comes first. An event whose time has come ends the wait at
 * once, and is used up. */
void sched_block(struct vcpu *v, uint64_t deadline_ns);
/* An interrupt is pending for v (vmm/events.c): a blocked v runs again. */
void sched_wake(struct vcpu *v);
/* One of v's device timers (vmm/vtimer.h) now comes at deadline_ns: if that is before the
 * scheduler would look again, it looks after the exit being handled. */
void sched_deadline_changed(struct vcpu *v, uint64_t deadline_ns);
/* Its domain has ended: the vCPU runs no guest code, only Keel's work for its domain. */
void sched_end(struct vcpu *v);
/* The vCPU's run ends after the exit being handled: Keel has work for its domain (a console
 * line to send). */
void sched_end_run(struct vcpu *v);
/* Its domain was built again: the vCPU runs from its new start, its CPU time limit counted
 * from there; its virtual time goes on, so a restart does not jump the queue. */
void sched_restart(struct vcpu *v);
/* Its domain was paused: v leaves its run queue, its timers and Keel's work for its domain
 * with it, and waits for nothing (no steal time), until sched_unpause puts it back. An end
 * unpauses it first, so the work of ending it is done. */
void sched_pause(struct vcpu *v);
void sched_unpause(struct vcpu *v);
/* Its weight (1..CONFIG_WEIGHT_MAX) and cap (percent of one CPU, 0: none) from now on. */
void sched_set_share(struct vcpu *v, unsigned weight, unsigned cap);
/* Ends the vCPU's turn: another runnable vCPU goes first if there is one. (Not named
 * sched_yield, which the C library of the host-side tests has.) */
void sched_yield_cpu(struct vcpu *v);
/* Runs guests, and Keel's work for their domains, until no vCPU can run any more. The vCPU
 * that ran goes on after its exit unless it blocked or yielded (above), its domain ended,
 * it completed a console line, or its time has come. */
void sched_run(void);
/* Time the CPU spent halted because nothing could run, and the time sched_run took, in
 * nanoseconds. */
uint64_t sched_idle_ns(void);
uint64_t sched_elapsed_ns(void);

#endif
