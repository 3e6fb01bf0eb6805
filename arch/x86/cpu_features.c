#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/vmx/vmx.h"
#include "lib/log.h"
#include "lib/string.h"

struct cpu_features cpu;

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
	cpu.tsc_aux = (max_ext >= 0x80000001 && (cpuid(0x80000001, 0).edx & (1u << 27))) ||
		      (r.eax >= 7 && (cpuid(7, 0).ecx & (1u << 22)));

	if (cpu.vendor == CPU_VENDOR_AMD)
		svm_detect(&cpu);
	else if (cpu.vendor == CPU_VENDOR_INTEL)
		vmx_detect(&cpu);
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
	if (cpu.vendor == CPU_VENDOR_INTEL)
		return vmx_missing_feature(&cpu);
	if (cpu.vendor == CPU_VENDOR_AMD)
		return svm_missing_feature(&cpu);
	return "the CPU is neither AMD nor Intel; Keel needs AMD SVM or Intel VT-x";
}
