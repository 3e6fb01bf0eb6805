/* Intel VT-x with EPT: the vendor operations for arch/x86/hvm.h. */
#ifndef KEEL_ARCH_X86_VMX_VMX_H
#define KEEL_ARCH_X86_VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/hvm.h"
#include "arch/x86/lazy_msrs.h"
#include "arch/x86/owned_state.h"
#include "arch/x86/tlb_tag.h"
#include "arch/x86/vmx/vmcs_fields.h"

extern const struct hvm_ops vmx_ops;

struct vmx_vcpu {
	uint64_t vmcs_pa;
	struct tlb_tag vpid;
	uint32_t vpid_in_vmcs; /* the VPID field's value, 0 before the first entry */
	struct lazy_msrs lazy; /* KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK, TSC_AUX */
	struct owned_state owned; /* XSAVE state, XCR0, DR0-DR3, DR6, CR2 */
	uint64_t pat;          /* where the CPU cannot load and save IA32_PAT itself */
	uint64_t rip;          /* what the VMCS holds, as of the last entry or exit */
	uint64_t host_rsp;         /* its HOST_RSP (vmx_run) */
	uint32_t proc;             /* its primary processor-based controls */
	uint64_t cr0_mask, cr4_mask; /* its CR0 and CR4 guest/host masks: the bits Keel owns */
	struct hvm_run run; /* the run in progress (vmx_vcpu_run) */
	bool launched; /* VMLAUNCH done: resume with VMRESUME from now on */
	bool in_use;
};

/* VMREAD/VMWRITE of the current VMCS, inline: the exit path makes several. VMfail (CF or
 * ZF set: SDM vol.3 §31.2) is a bug in Keel, not the guest's: vmx.c reports it and stops. */
_Noreturn void vmx_field_failed(const char *what, uint32_t field, uint64_t value);

static inline uint64_t vmread(uint32_t field)
{
	uint64_t value;
	__asm__ goto("vmread %1, %0; jna %l2" : "=r"(value) : "r"((uint64_t)field) : "cc" : failed);
	return value;
failed:
	vmx_field_failed("VMREAD", field, 0);
}

static inline void vmwrite(uint32_t field, uint64_t value)
{
	__asm__ goto("vmwrite %0, %1; jna %l2" : : "r"(value), "r"((uint64_t)field) : "cc" : failed);
	return;
failed:
	vmx_field_failed("VMWRITE", field, value);
}

/* vmx_run.asm: enters the guest of the current VMCS, and again after each exit while
 * vmx_exit_continues(xv) returns true; returns 0 then, or 1 if VMLAUNCH or VMRESUME itself
 * failed (RFLAGS.CF/ZF: SDM vol.3 §31.2). host_rsp: the VMCS's HOST_RSP as last written (0:
 * never), which vmx_run updates when its stack pointer differs. */
int vmx_run(uint64_t *gprs, int launched, uint64_t *host_rsp, struct vmx_vcpu *xv);
/* vmx_exit.c: after each exit: decodes it for xv->run.on_exit and prepares the next entry;
 * false when the run is over. */
bool vmx_exit_continues(struct vmx_vcpu *xv);
void vmx_exit_rip(void); /* where an exit resumes the host: the VMCS's HOST_RIP */
/* vmx_exit.c: hvm->redeliver. */
void vmx_redeliver(void *vcpu);

/* The vCPU whose VMCS is current, NULL if none is; vmx_load_vmcs makes xv's current
 * (VMPTRLD). */
extern struct vmx_vcpu *vmx_current_vmcs;
void vmx_load_vmcs(struct vmx_vcpu *xv);

static inline void vmx_make_current(struct vmx_vcpu *xv)
{
	if (vmx_current_vmcs != xv)
		vmx_load_vmcs(xv);
}

/* The VMCS holds the RIP the last exit left unless a handler changed it. */
static inline void vmx_write_rip(struct vmx_vcpu *xv, uint64_t rip)
{
	if (rip != xv->rip)
		vmwrite(VMCS_GUEST_RIP, rip);
}

/* Sets the preemption timer to end the run at deadline_tsc (0: none). */
void vmx_arm_preemption_timer(uint64_t deadline_tsc);

void vmx_set_boot_state(const struct vcpu_boot_state *boot, bool unrestricted_guest);
/* The guest's CR0 as it sees it (the read shadow), and as the CPU must have it: the bits
 * VMX fixes forced, CD and NW clear (vmx_guest_state.c). */
void vmx_write_cr0(uint64_t cr0);

struct cpu_features;
/* vmx_features.c: fills f's fields for this vendor; NULL, or what Keel lacks, in words a
 * user can act on. */
void vmx_detect(struct cpu_features *f);
const char *vmx_missing_feature(const struct cpu_features *f);

#endif
