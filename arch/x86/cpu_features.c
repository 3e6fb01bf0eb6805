#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/vmx/vmx.h"
#include "lib/log.h"
#include "lib/string.h"

struct cpu_features cpu;

/* The XCR0 components a guest may enable: x87, SSE, AVX and AVX-512, where the CPU has
 * them in a combination XSETBV accepts (SDM vol.1 §13.3). The others Keel does not offer:
 * AMX tiles and MPX bounds, PKRU (protection keys are hidden), and the supervisor states
 * of IA32_XSS. PKRU is switched all the same. The size is that of a standard-format XSAVE
 * area holding the switched components (CPUID 0xD: each one's offset and size). */
static uint32_t xsave_size(uint64_t components)
{
	uint32_t size = 512 + 64; /* the legacy region and the XSAVE header */
	for (unsigned i = 2; cpu.xsave && i < 64; i++) {
		if (!(components & (1ull << i)))
			continue;
		struct cpuid_regs c = cpuid(0xd, i);
		if (c.ebx + c.eax > size)
			size = c.ebx + c.eax;
	}
	return size;
}

static void choose_guest_xcr0(void)
{
	uint64_t offered = XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512;
	uint64_t x = cpu.xsave ? cpu.xcr0_supported & offered : XCR0_X87 | XCR0_SSE;
	if (!(x & XCR0_AVX) || (x & XCR0_AVX512) != XCR0_AVX512)
		x &= ~XCR0_AVX512;
	cpu.guest_xcr0 = x;
	cpu.switched_xcr0 = x | (cpu.xsave ? cpu.xcr0_supported & XCR0_PKRU : 0);
	cpu.guest_xsave_size = xsave_size(cpu.guest_xcr0);
	cpu.switched_xsave_size = xsave_size(cpu.switched_xcr0);
}

void cpu_do_without_xsave(const char *why)
{
	cpu.xsave = false;
	cpu.xcr0_supported = 0;
	cpu.xsave_unused_why = why;
	choose_guest_xcr0();
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
	for (uint32_t leaf = 0x80000002; max_ext >= 0x80000004 && leaf <= 0x80000004; leaf++) {
		struct cpuid_regs b = cpuid(leaf, 0);
		uint32_t words[4] = { b.eax, b.ebx, b.ecx, b.edx };
		memcpy(cpu.brand + (leaf - 0x80000002) * 16, words, 16);
	}
	cpu.phys_addr_bits = max_ext >= 0x80000008 ? (cpuid(0x80000008, 0).eax & 0xff) : 36;
	cpu.pages_1g = max_ext >= 0x80000001 && (cpuid(0x80000001, 0).edx & (1u << 26));
	cpu.tsc_aux = (max_ext >= 0x80000001 && (cpuid(0x80000001, 0).edx & (1u << 27))) ||
		      (r.eax >= 7 && (cpuid(7, 0).ecx & (1u << 22)));

	cpu.xsave = (cpuid(1, 0).ecx & (1u << 26)) && r.eax >= 0xd;
	if (cpu.xsave) {
		struct cpuid_regs x = cpuid(0xd, 0);
		cpu.xcr0_supported = x.eax | (uint64_t)x.edx << 32;
	}
	/* QEMU 7.2 treats CR4.OSXSAVE as reserved unless CPUID 0xD.1:EAX offers XSAVEOPT,
	 * XSAVEC, XGETBV1 or XSAVES, and answers a MOV to CR4 that sets it with a #VMEXIT even
	 * outside a guest, which resets the machine: there is no #GP to catch afterwards. Under
	 * a hypervisor (CPUID.1:ECX[31], which QEMU sets) such a CPU is taken at its word only
	 * without XSAVE; on a bare CPU the write is tried, and a #GP is caught (owned_state.c). */
	if (cpu.xsave && (cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR) && !cpuid(0xd, 1).eax)
		cpu_do_without_xsave("the CPU, under a hypervisor, reports XSAVE without XSAVEOPT, XSAVEC, XGETBV1 or "
				     "XSAVES, where QEMU 7.2 refuses CR4.OSXSAVE by resetting the machine");
	cpu.pku = r.eax >= 7 && (cpuid(7, 0).ecx & (1u << 3));
	choose_guest_xcr0();

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
	if (cpu.xsave)
		log_info("cpu: XSAVE yes, XCR0 bits 0x%llx (guests: 0x%llx; switched: 0x%llx, %u bytes), PKU %s",
			 (unsigned long long)cpu.xcr0_supported, (unsigned long long)cpu.guest_xcr0,
			 (unsigned long long)cpu.switched_xcr0, cpu.switched_xsave_size, yes_no(cpu.pku));
	else if (cpu.xsave_unused_why)
		log_warn("cpu: XSAVE not used: %s; guests get x87 and SSE, switched with FXSAVE; PKU %s",
			 cpu.xsave_unused_why, yes_no(cpu.pku));
	else
		log_info("cpu: XSAVE no: guests get x87 and SSE, switched with FXSAVE; PKU %s", yes_no(cpu.pku));
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
