/* What this AMD CPU's SVM offers (CPUID 0x80000001 and 0x8000000A, APM vol.3 appendix E.4.9;
 * VM_CR, APM vol.2 §15.30.1), and what Keel cannot do without. */
#include <stddef.h>
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/svm/svm.h"

#define MSR_VM_CR 0xc0010114
#define VM_CR_SVMDIS (1ull << 4)

void svm_detect(struct cpu_features *f)
{
	if (cpuid(0x80000000, 0).eax < 0x8000000a || !(cpuid(0x80000001, 0).ecx & (1u << 2)))
		return;
	f->svm = true;
	f->svm_disabled = rdmsr(MSR_VM_CR) & VM_CR_SVMDIS;
	struct cpuid_regs r = cpuid(0x8000000a, 0);
	f->asids = r.ebx;
	f->npt = r.edx & (1u << 0);
	f->nrip_save = r.edx & (1u << 3);
	f->vmcb_clean = r.edx & (1u << 5);
	f->flush_by_asid = r.edx & (1u << 6);
	f->decode_assists = r.edx & (1u << 7);
	if (cpuid(0x80000000, 0).eax >= 0x80000008) {
		uint32_t ebx = cpuid(0x80000008, 0).ebx;
		f->invlpgb = ebx & (1u << 3);
		f->mcommit = ebx & (1u << 8);
	}
}

const char *svm_missing_feature(const struct cpu_features *f)
{
	if (!f->svm)
		return "this AMD CPU does not offer SVM (AMD-V). Enable SVM in the firmware setup, or run QEMU with -cpu qemu64,+svm,+npt";
	if (f->svm_disabled)
		return "SVM is disabled by the firmware (VM_CR.SVMDIS is set). Enable SVM / AMD-V in the firmware setup";
	if (!f->npt)
		return "this AMD CPU offers SVM but not nested paging (NPT), which Keel needs to isolate guest memory. Use a CPU with NPT, or run QEMU with -cpu qemu64,+svm,+npt";
	if (f->asids < 2)
		return "the CPU offers fewer than 2 SVM ASIDs; Keel needs one for itself and one per guest";
	return NULL;
}
