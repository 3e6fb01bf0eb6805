/* The KVM-compatible paravirtual clock (include/kvm_para.h): a guest names a structure in
 * its RAM through an MSR, and Keel keeps the vCPU's clock there, derived from Keel's own,
 * which the TSC drives (drivers/tsc.h): system time counts nanoseconds from the start of
 * the domain's life, and the wall clock is the time of day then, from the RTC Keel read at
 * boot (drivers/rtc.h), as the domain's CMOS clock shows it. The guest's TSC and Keel's run
 * in step, so one structure, written when the MSR is and again when the guest moves its
 * TSC, stays true: no exit is needed to read the time. Steal time, the time the vCPU was
 * ready to run but another domain ran or its cap held it back (the scheduler counts it),
 * goes to a structure of its own each time the vCPU is about to run. */
#ifndef KEEL_VMM_KVMCLOCK_H
#define KEEL_VMM_KVMCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* WRMSR of MSR_KVM_SYSTEM_TIME_NEW and MSR_KVM_WALL_CLOCK_NEW: false (#GP) where the
 * structure would not lie wholly in the guest's RAM, or is not 4-byte aligned. */
bool kvmclock_system_time_write(struct vcpu *v, uint64_t value);
bool kvmclock_wall_clock_write(struct vcpu *v, uint64_t value);

/* WRMSR of MSR_KVM_STEAL_TIME: false (#GP) for a reserved bit, or a structure that would not
 * lie wholly in the guest's RAM or is not 64-byte aligned. */
bool kvmclock_steal_time_write(struct vcpu *v, uint64_t value);
/* The vCPU is about to run: its steal time (vcpu_sched.waited_ns) into its structure, if it
 * has one. */
void kvmclock_steal_time_update(struct vcpu *v);

/* The vCPU's TSC moved against Keel's clock (a write of its TSC or TSC_ADJUST): its time
 * structure again, if it has one. */
void kvmclock_update(struct vcpu *v);

#endif
