/* What a guest sees when it executes CPUID: the host's answer, minus what Keel does not
 * virtualize (SVM, VMX, SMX, SGX, machine checks, MONITOR/MWAIT and the other instructions
 * vmm/insn.c answers with #UD), plus the hypervisor bit and Keel's own leaves. */
#include "arch/x86/cpu.h"
#include "include/keel/hypercall.h"
#include "vmm/version.h"
#include "vmm/exit.h"
#include "vmm/vcpu.h"


#define LEAF1_ECX_MONITOR (1u << 3)
#define LEAF1_ECX_VMX (1u << 5)
#define LEAF1_ECX_SMX (1u << 6)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define LEAF1_EDX_MCE (1u << 7)
#define LEAF1_EDX_MCA (1u << 14)
#define EXT1_ECX_SVM (1u << 2)
#define EXT1_ECX_MONITORX (1u << 29)
#define LEAF7_EBX_SGX (1u << 2)
#define LEAF7_ECX_WAITPKG (1u << 5)
#define EXT8_EBX_INVLPGB (1u << 3)
#define EXT8_EBX_RDPRU (1u << 4)
#define EXT8_EBX_MCOMMIT (1u << 8)
#define LEAF_MONITOR 0x5
#define LEAF_SGX 0x12
#define LEAF_SVM_FEATURES 0x8000000a
#define HYPERVISOR_LEAVES_FIRST 0x40000000
#define HYPERVISOR_LEAVES_LAST 0x4fffffff

static struct cpuid_regs guest_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	if (leaf >= HYPERVISOR_LEAVES_FIRST && leaf <= HYPERVISOR_LEAVES_LAST) {
		if (leaf == KEEL_CPUID_SIGNATURE_LEAF)
			r = (struct cpuid_regs){ KEEL_CPUID_VERSION_LEAF, KEEL_CPUID_SIGNATURE, KEEL_CPUID_SIGNATURE,
						 KEEL_CPUID_SIGNATURE };
		else if (leaf == KEEL_CPUID_VERSION_LEAF)
			r.eax = KEEL_VERSION_MAJOR << 16 | KEEL_VERSION_MINOR, r.ebx = KEEL_HYPERCALL_ABI_VERSION;
		return r;
	}
	if (leaf == LEAF_SVM_FEATURES || leaf == LEAF_MONITOR || leaf == LEAF_SGX)
		return r;
	r = cpuid(leaf, subleaf);
	if (leaf == 1) {
		r.ecx = (r.ecx & ~(LEAF1_ECX_MONITOR | LEAF1_ECX_VMX | LEAF1_ECX_SMX)) | LEAF1_ECX_HYPERVISOR;
		r.edx &= ~(LEAF1_EDX_MCE | LEAF1_EDX_MCA);
	} else if (leaf == 7 && subleaf == 0) {
		r.ebx &= ~LEAF7_EBX_SGX;
		r.ecx &= ~LEAF7_ECX_WAITPKG;
	} else if (leaf == 0x80000001) {
		r.ecx &= ~(EXT1_ECX_SVM | EXT1_ECX_MONITORX);
	} else if (leaf == 0x80000008) {
		r.ebx &= ~(EXT8_EBX_INVLPGB | EXT8_EBX_RDPRU | EXT8_EBX_MCOMMIT);
	}
	return r;
}

void handle_cpuid(struct vcpu *v, const struct vm_exit *exit)
{
	uint64_t *g = v->regs.gpr;
	struct cpuid_regs r = guest_cpuid((uint32_t)g[REG_RAX], (uint32_t)g[REG_RCX]);
	/* CPUID writes 32-bit results, which clears the upper halves in 64-bit mode. */
	g[REG_RAX] = r.eax;
	g[REG_RBX] = r.ebx;
	g[REG_RCX] = r.ecx;
	g[REG_RDX] = r.edx;
	v->regs.rip += exit->instr_len;
}
