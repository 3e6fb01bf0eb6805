#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "lib/log.h"
#include "lib/string.h"

struct cpu_features cpu;

#define MSR_VM_CR 0xc0010114
#define VM_CR_SVMDIS (1ull << 4)
#define MSR_FEATURE_CONTROL 0x3a
#define FEATURE_CONTROL_LOCKED (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define MSR_VMX_PROCBASED_CTLS 0x482
#define MSR_VMX_PROCBASED_CTLS2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c

static void detect_svm(void)
{
	if (cpuid(0x80000000, 0).eax < 0x8000000a || !(cpuid(0x80000001, 0).ecx & (1u << 2)))
		return;
	cpu.svm = true;
	cpu.svm_disabled = rdmsr(MSR_VM_CR) & VM_CR_SVMDIS;
	struct cpuid_regs r = cpuid(0x8000000a, 0);
	cpu.asids = r.ebx;
	cpu.npt = r.edx & (1u << 0);
	cpu.nrip_save = r.edx & (1u << 3);
	cpu.vmcb_clean = r.edx & (1u << 5);
	cpu.flush_by_asid = r.edx & (1u << 6);
	cpu.decode_assists = r.edx & (1u << 7);
}

static void detect_vmx(void)
{
	if (!(cpuid(1, 0).ecx & (1u << 5)))
		return;
	cpu.vmx = true;
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	cpu.vmx_disabled = (fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	/* Secondary controls exist when bit 63 (allowed-1 of bit 31) of the primary MSR is set. */
	if (!(rdmsr(MSR_VMX_PROCBASED_CTLS) & (1ull << 63)))
		return;
	uint64_t allowed1 = rdmsr(MSR_VMX_PROCBASED_CTLS2) >> 32;
	cpu.ept = allowed1 & (1u << 1);
	cpu.vpid = allowed1 & (1u << 5);
	cpu.unrestricted_guest = allowed1 & (1u << 7);
	if (cpu.ept || cpu.vpid) {
		uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
		/* Keel builds 4-level tables with write-back memory (SDM vol.3 appendix A.10). */
		cpu.ept = cpu.ept && (cap & (1ull << 6)) && (cap & (1ull << 14));
		cpu.ept_2m = cap & (1ull << 16);
		cpu.ept_1g = cap & (1ull << 17);
	}
}

void cpu_detect(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	memcpy(cpu.vendor_string + 0, &r.ebx, 4);
	memcpy(cpu.vendor_string + 4, &r.edx, 4);
	memcpy(cpu.vendor_string + 8, &r.ecx, 4);
	cpu.vendor_string[12] = '\0';
	if (!strcmp(cpu.vendor_string, "AuthenticAMD"))
		cpu.vendor = CPU_VENDOR_AMD;
	else if (!strcmp(cpu.vendor_string, "GenuineIntel"))
		cpu.vendor = CPU_VENDOR_INTEL;

	uint32_t sig = cpuid(1, 0).eax;
	cpu.stepping = sig & 0xf;
	cpu.family = (sig >> 8) & 0xf;
	cpu.model = (sig >> 4) & 0xf;
	if (cpu.family == 0xf)
		cpu.family += (sig >> 20) & 0xff;
	if (cpu.family >= 6)
		cpu.model |= ((sig >> 16) & 0xf) << 4;

	uint32_t max_ext = cpuid(0x80000000, 0).eax;
	cpu.phys_addr_bits = max_ext >= 0x80000008 ? (cpuid(0x80000008, 0).eax & 0xff) : 36;
	cpu.pages_1g = max_ext >= 0x80000001 && (cpuid(0x80000001, 0).edx & (1u << 26));

	if (cpu.vendor == CPU_VENDOR_AMD)
		detect_svm();
	else if (cpu.vendor == CPU_VENDOR_INTEL)
		detect_vmx();
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void cpu_report(void)
{
	log_info("cpu: %s family 0x%x model 0x%x, %u physical address bits", cpu.vendor_string,
		 cpu.family, cpu.model, cpu.phys_addr_bits);
	if (cpu.svm)
		log_info("cpu: SVM %s, NPT %s, %u ASIDs, nrip-save %s, decode assists %s, VMCB clean bits %s, flush by ASID %s",
			 cpu.svm_disabled ? "disabled by firmware" : "yes", yes_no(cpu.npt), cpu.asids,
			 yes_no(cpu.nrip_save), yes_no(cpu.decode_assists), yes_no(cpu.vmcb_clean),
			 yes_no(cpu.flush_by_asid));
	if (cpu.vmx)
		log_info("cpu: VMX %s, EPT %s (2 MiB pages %s, 1 GiB pages %s), unrestricted guest %s, VPID %s",
			 cpu.vmx_disabled ? "disabled by firmware" : "yes", yes_no(cpu.ept), yes_no(cpu.ept_2m),
			 yes_no(cpu.ept_1g), yes_no(cpu.unrestricted_guest), yes_no(cpu.vpid));
}

const char *cpu_missing_feature(void)
{
	if (cpu.vendor == CPU_VENDOR_INTEL) {
		if (!cpu.vmx)
			return "this Intel CPU does not offer VT-x (VMX). Enable it in the firmware setup, or give an emulator a CPU model with VMX";
		if (cpu.vmx_disabled)
			return "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL is locked with VMX off). Enable Intel Virtualization Technology in the firmware setup";
		if (!cpu.ept)
			return "this Intel CPU offers VT-x but not EPT (extended page tables), which Keel needs to isolate guest memory. Use a CPU with EPT (4-level, write-back), or a Bochs model such as corei7_skylake_x";
		return NULL;
	}
	if (cpu.vendor != CPU_VENDOR_AMD)
		return "the CPU is neither AMD nor Intel; Keel needs AMD SVM or Intel VT-x";
	if (!cpu.svm)
		return "this AMD CPU does not offer SVM (AMD-V). Enable SVM in the firmware setup, or run QEMU with -cpu qemu64,+svm,+npt";
	if (cpu.svm_disabled)
		return "SVM is disabled by the firmware (VM_CR.SVMDIS is set). Enable SVM / AMD-V in the firmware setup";
	if (!cpu.npt)
		return "this AMD CPU offers SVM but not nested paging (NPT), which Keel needs to isolate guest memory. Use a CPU with NPT, or run QEMU with -cpu qemu64,+svm,+npt";
	if (cpu.asids < 2)
		return "the CPU offers fewer than 2 SVM ASIDs; Keel needs one for itself and one per guest";
	return NULL;
}
