/* A virtual CPU: its registers as vmm/ sees them, and the vendor's private state. */
#ifndef KEEL_VMM_VCPU_H
#define KEEL_VMM_VCPU_H

#include "arch/x86/hvm.h"

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_BLOCKED, /* HLT with interrupts enabled: waits for an interrupt */
	VCPU_STOPPED, /* HLT with interrupts disabled: will never run again */
	VCPU_DEAD,    /* its domain crashed or was destroyed */
};

struct domain;

struct vcpu {
	struct domain *dom;
	unsigned id;
	enum vcpu_state state;
	struct guest_regs regs;
	void *vendor; /* the VMCB (svm) or VMCS (vmx) side of this vCPU */
};

#endif
