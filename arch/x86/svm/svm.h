/* AMD SVM: the vendor operations for arch/x86/hvm.h. */
#ifndef KEEL_ARCH_X86_SVM_SVM_H
#define KEEL_ARCH_X86_SVM_SVM_H

#include "arch/x86/hvm.h"
#include "arch/x86/lazy_msrs.h"
#include "arch/x86/owned_state.h"
#include "arch/x86/svm/vmcb.h"
#include "arch/x86/tlb_tag.h"

extern const struct hvm_ops svm_ops;

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	struct tlb_tag asid;
	struct lazy_msrs lazy; /* TSC_AUX: the one the VMCB does not hold */
	struct owned_state owned; /* XSAVE state, XCR0, DR0-DR3 */
	struct hvm_run run; /* the run in progress (svm_vcpu_run) */
	/* The guest runs the handler of an NMI Keel gave it: an injected NMI masks no later
	 * one on SVM (APM vol.2 §15.20), so Keel does, until the handler's IRET (intercepted
	 * meanwhile: svm_exit.c). */
	bool nmi_masked;
	bool in_use;
};

/* svm_run.asm: enters the guest, and again after each exit while svm_exit_continues(sv)
 * returns true. */
void svm_run(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_state_pa, struct svm_vcpu *sv);
/* svm_exit.c: after each exit, with interrupts off: decodes it for sv->run.on_exit and
 * prepares the next entry; false when the run is over. */
bool svm_exit_continues(struct svm_vcpu *sv);

struct cpu_features;
/* svm_features.c: fills f's fields for this vendor; NULL, or what Keel lacks, in words a
 * user can act on. */
void svm_detect(struct cpu_features *f);
const char *svm_missing_feature(const struct cpu_features *f);

#endif
