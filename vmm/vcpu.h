/* A virtual CPU: its registers as vmm/ sees them, and the vendor's private state. */
#ifndef KEEL_VMM_VCPU_H
#define KEEL_VMM_VCPU_H

#include "arch/x86/hvm.h"
#include "vmm/p2m.h"
#include "vmm/vtimer.h"
#include "vmm/insn_memo.h"
#include "vmm/walk_memo.h"

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_BLOCKED, /* waits for an event, or for wake_ns */
	VCPU_DEAD,    /* its domain has ended */
};

#define VCPU_TIMERS 5 /* the local APIC's; on the first vCPU the PIT's, the RTC's, the PM timer's, COM1's */
#define MTRR_VARIABLE_RANGES 8
#define MTRR_FIXED_MSRS 11

/* The MSRs vmm/msr.c emulates itself (the others live in the vendor's guest state). */
struct vcpu_msrs {
	uint64_t misc_enable, tsc_adjust;
	uint64_t mtrr_def_type;
	uint64_t mtrr_fixed[MTRR_FIXED_MSRS];
	uint64_t mtrr_variable[2 * MTRR_VARIABLE_RANGES]; /* PHYSBASE0, PHYSMASK0, ... */
	uint64_t amd_perf[8]; /* AMD: PERF_CTL0-3, PERF_CTR0-3 (vmm/msr.c) */
	uint64_t kvm_system_time, kvm_wall_clock, kvm_steal_time; /* KVM's MSRs (vmm/kvmclock.h) */
	uint32_t kvm_time_version, kvm_wall_version, kvm_steal_version; /* the versions Keel wrote last */
};

/* What the scheduler keeps per vCPU (vmm/sched.c). */
struct vcpu_sched {
	uint64_t vtime;           /* run time scaled by 1/weight: the least goes first */
	uint64_t vtime_per_ns_16; /* CONFIG_WEIGHT_DEFAULT / weight, 16.16 fixed point */
	uint64_t budget_ns;       /* a cap's run time per period; 0: no cap */
	uint64_t period_ns;       /* run time in the current period */
	uint64_t run_ns;          /* run time since the vCPU was built (its domain's life) */
	uint64_t limit_ns;        /* cpu_limit_ms: the run time that ends the domain; 0: none */
	uint64_t ready_ns;        /* runnable and waiting for the CPU since then; 0: not waiting */
	uint64_t waited_ns;       /* time so waiting in its domain's life: its steal time */
	bool yielded;             /* it asked to let the others run first */
	bool queued;              /* it is in its run queue */
};

struct domain;
struct vlapic;

struct vcpu {
	struct domain *dom;
	unsigned id;
	enum vcpu_state state;
	uint64_t wake_ns; /* VCPU_BLOCKED: Keel's time to wake it at; 0: only an event wakes it */
	uint64_t timer_ns; /* its one-shot timer event (set_timer): when it comes; 0: none */
	struct guest_regs regs;
	struct vcpu_msrs msrs;
	struct vcpu_sched sched;
	struct vlapic *lapic; /* its local APIC (vmm/dev/pc_platform.c) */
	bool events_due; /* an interrupt may be pending: vmm/events.c looks before each entry */
	bool window_open; /* an interrupt-window exit is asked for (vmm/events.c) */
	bool nmi_window_open; /* an NMI-window exit is asked for (vmm/events.c) */
	struct vtimer timers[VCPU_TIMERS]; /* its device models' (vmm/vtimer.h) */
	unsigned ntimers;
	uint64_t timer_due_ns; /* the earliest of their deadlines; 0: none */
	struct p2m_memo ram_memo; /* p2m leaves the instruction emulator looked up (vmm/emulate.c) */
	struct walk_memo walk_memo; /* and its page walks */
	struct insn_memo insn_memo; /* and the instructions it decoded */
	uint64_t exits[EXIT_REASON_COUNT]; /* by reason, since its domain was created */
	void *vendor; /* the vendor's vCPU (a VMCB or VMCS and its bookkeeping), NULL when none */
};

#endif
