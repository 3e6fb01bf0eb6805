/* A virtual CPU: its registers as vmm/ sees them, and the vendor's private state. */
#ifndef KEEL_VMM_VCPU_H
#define KEEL_VMM_VCPU_H

#include "arch/x86/hvm.h"

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_BLOCKED, /* waits for an event, or for wake_ns */
	VCPU_DEAD,    /* its domain has ended */
};

struct domain;

struct vcpu {
	struct domain *dom;
	unsigned id;
	enum vcpu_state state;
	uint64_t wake_ns; /* VCPU_BLOCKED: Keel's time to wake it at; 0: only an event wakes it */
	struct guest_regs regs;
	void *vendor; /* the vendor's vCPU (a VMCB or VMCS and its bookkeeping), NULL when none */
};

#endif
