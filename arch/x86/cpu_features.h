/* What this CPU offers for virtualization, read once at boot. */
#ifndef KEEL_ARCH_X86_CPU_FEATURES_H
#define KEEL_ARCH_X86_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

enum cpu_vendor { CPU_VENDOR_OTHER = 0, CPU_VENDOR_AMD, CPU_VENDOR_INTEL };

struct cpu_features {
	enum cpu_vendor vendor;
	char vendor_string[13];
	unsigned family, model, stepping;
	unsigned phys_addr_bits;
	bool pages_1g;
	/* AMD SVM: CPUID 0x80000001 and 0x8000000A (APM vol.3, appendix E.4.9). */
	bool svm, svm_disabled; /* disabled: VM_CR.SVMDIS set by firmware */
	bool npt, nrip_save, decode_assists, vmcb_clean, flush_by_asid;
	bool invlpgb, mcommit; /* instructions that reach beyond the guest, to intercept */
	unsigned asids;
	/* Intel VT-x: CPUID.1:ECX.VMX and the VMX capability MSRs (SDM vol.3 appendix A). */
	bool vmx, vmx_disabled; /* disabled: IA32_FEATURE_CONTROL locked without VMX outside SMX */
	bool ept, unrestricted_guest, vpid, ept_2m, ept_1g;
};

extern struct cpu_features cpu;

void cpu_detect(void);
void cpu_report(void);
/* NULL if Keel can run guests on this CPU, else what is missing and what the user can do. */
const char *cpu_missing_feature(void);

#endif
