/* What this CPU offers for virtualization, read once at boot. */
#ifndef KEEL_ARCH_X86_CPU_FEATURES_H
#define KEEL_ARCH_X86_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

enum cpu_vendor { CPU_VENDOR_OTHER = 0, CPU_VENDOR_AMD, CPU_VENDOR_INTEL };

struct cpu_features {
	enum cpu_vendor vendor;
	char vendor_string[13];
	char brand[49]; /* CPUID 0x80000002-4, NUL-terminated; "" if the CPU has none */
	unsigned family, model, stepping;
	unsigned phys_addr_bits;
	bool pages_1g;
	bool tsc_aux; /* IA32_TSC_AUX exists: RDTSCP (CPUID 0x80000001:EDX[27]) or RDPID (7:ECX[22]) */
	/* Extended state (SDM vol.1 chapter 13): FXSAVE always on x86-64; XSAVE with the XCR0
	 * bits the CPU supports (CPUID 0xD); protection keys (PKU). */
	bool xsave, pku;
	uint64_t xcr0_supported;
	const char *xsave_unused_why; /* the CPU has XSAVE, but Keel does without it: why */
	/* AMD SVM: CPUID 0x80000001 and 0x8000000A (APM vol.3, appendix E.4.9). */
	bool svm, svm_disabled; /* disabled: VM_CR.SVMDIS set by firmware */
	bool npt, nrip_save, decode_assists, vmcb_clean, flush_by_asid;
	bool invlpgb, mcommit; /* instructions that reach beyond the guest, to intercept */
	unsigned asids;
	/* Intel VT-x: CPUID.1:ECX.VMX and the VMX capability MSRs (SDM vol.3 appendix A). */
	bool vmx, vmx_disabled; /* disabled: IA32_FEATURE_CONTROL locked without VMX outside SMX */
	bool ept, unrestricted_guest, vpid, ept_2m, ept_1g;
	/* What a guest may use as CPUID shows it (the vendor sets these in cpu_enable): VT-x
	 * runs RDTSCP and INVPCID only with their controls set. */
	bool guest_rdtscp, guest_invpcid;
	/* The XCR0 bits a guest may set (cpu_detect); the components Keel saves and restores
	 * between vCPUs (those and PKRU, which a guest reaches through CR4.PKE whatever CPUID
	 * and XCR0 say), and the bytes of state they make in a standard-format XSAVE area. */
	uint64_t guest_xcr0, switched_xcr0;
	uint32_t guest_xsave_size, switched_xsave_size;
};

extern struct cpu_features cpu;

void cpu_detect(void);
void cpu_report(void);
/* Keel does without XSAVE from here on, and says why in cpu_report: guests get x87 and SSE,
 * switched with FXSAVE. */
void cpu_do_without_xsave(const char *why);
/* NULL if Keel can run guests on this CPU, else what is missing and what the user can do. */
const char *cpu_missing_feature(void);

#endif
