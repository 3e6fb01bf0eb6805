/* What this Intel CPU's VT-x offers (CPUID.1:ECX.VMX, IA32_FEATURE_CONTROL, the VMX
 * capability MSRs: SDM vol.3 §24.6-24.7 and appendix A), and what Keel cannot do without. */
#include <stddef.h>
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/vmx/vmx.h"

void vmx_detect(struct cpu_features *f)
{
	if (!(cpuid(1, 0).ecx & (1u << 5)))
		return;
	f->vmx = true;
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	f->vmx_disabled = (fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	/* Secondary controls exist when bit 63 (allowed-1 of bit 31) of the primary MSR is set. */
	if (!(rdmsr(MSR_VMX_PROCBASED) & (1ull << 63)))
		return;
	uint64_t allowed1 = rdmsr(MSR_VMX_PROCBASED2) >> 32;
	f->ept = allowed1 & (1u << 1);
	f->vpid = allowed1 & (1u << 5);
	f->unrestricted_guest = allowed1 & (1u << 7);
	if (f->ept || f->vpid) {
		uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
		/* Keel builds 4-level tables with write-back memory (SDM vol.3 appendix A.10). */
		f->ept = f->ept && (cap & (1ull << 6)) && (cap & (1ull << 14));
		f->ept_2m = cap & (1ull << 16);
		f->ept_1g = cap & (1ull << 17);
	}
}

const char *vmx_missing_feature(const struct cpu_features *f)
{
	if (!f->vmx)
		return "this Intel CPU does not offer VT-x (VMX). Enable it in the firmware setup, or give an emulator a CPU model with VMX";
	if (f->vmx_disabled)
		return "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL is locked with VMX off). Enable Intel Virtualization Technology in the firmware setup";
	if (!f->ept)
		return "this Intel CPU offers VT-x but not EPT (extended page tables), which Keel needs to isolate guest memory. Use a CPU with EPT (4-level, write-back), or a Bochs model such as corei7_skylake_x";
	return NULL;
}
