/* What a guest sees when it executes CPUID: the host's answer, minus what Keel does not
 * virtualize, plus the hypervisor bit and Keel's own leaves. Hidden: SVM, VMX, SMX and SGX;
 * MONITOR/MWAIT, WAITPKG, MONITORX, INVLPGB, RDPRU and MCOMMIT (vmm/insn.c answers them
 * with #UD); machine checks; the features whose MSRs Keel does not emulate (vmm/msr.c): debug
 * stores, thermal and power management, performance monitoring, speculation controls,
 * processor trace, CET, OS-visible workarounds (OSVW); memory encryption (SME and SEV, whose MSRs a kernel would read at
 * its first instructions); and the extended state Keel does
 * not switch (arch/x86/owned_state.h): MPX, protection keys, AMX, XSAVES and XFD. XSAVE
 * offers the XCR0 components of cpu.guest_xcr0, and OSXSAVE shows the guest's own CR4.
 * The local APIC is the vCPU's own (vmm/dev/vlapic.c): leaf 1 gives its APIC ID, offers
 * x2APIC and the TSC deadline timer, and shows it present while APIC_BASE enables it;
 * leaves 0xb and 0x1f give the vCPU's x2APIC ID, one logical processor per package.
 * RDTSCP and INVPCID only where the vendor lets a guest run them (cpu.guest_rdtscp,
 * cpu.guest_invpcid). The leaves whose answer depends on the leaf alone are worked out once,
 * at cpuid_init, and answered from a table: CPUID is a hot exit, and the CPU's own CPUID is
 * slow (an exit of its own where Keel itself runs as a guest). */
#include <stddef.h>
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "include/keel/hypercall.h"
#include "include/kvm_para.h"
#include "vmm/dev/vlapic.h"
#include "vmm/version.h"
#include "vmm/exit.h"
#include "vmm/vcpu.h"

#define BIT(n) (1u << (n))
/* leaf 1 */
#define LEAF1_ECX_HIDDEN (BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(14) | \
			  BIT(15)) /* DTES64 MONITOR DS-CPL VMX SMX EST TM2 xTPR PDCM */
#define LEAF1_ECX_EMULATED (BIT(21) | BIT(24)) /* x2APIC, TSC-deadline: the local APIC's */
#define LEAF1_EDX_APIC BIT(9) /* the local APIC is enabled in APIC_BASE (SDM vol.3 §11.4.3) */
#define LEAF1_EBX_APIC_ID_SHIFT 24
/* leaves 0xb and 0x1f: the x2APIC topology, one logical processor per core and package */
#define LEAF_TOPOLOGY 0xb
#define LEAF_TOPOLOGY_V2 0x1f
#define TOPOLOGY_SMT 1
#define TOPOLOGY_CORE 2
#define LEAF1_ECX_OSXSAVE BIT(27)
#define LEAF1_ECX_HYPERVISOR BIT(31)
#define LEAF1_EDX_HIDDEN (BIT(7) | BIT(14) | BIT(21) | BIT(22) | BIT(29) | BIT(31)) /* MCE MCA DS ACPI TM PBE */
/* leaf 7, subleaf 0 */
#define LEAF7_EBX_HIDDEN (BIT(2) | BIT(14) | BIT(25)) /* SGX MPX PT */
#define LEAF7_EBX_INVPCID BIT(10)
#define LEAF7_ECX_HIDDEN (BIT(3) | BIT(4) | BIT(5) | BIT(7)) /* PKU OSPKE WAITPKG CET-SS */
#define LEAF7_EDX_HIDDEN (BIT(20) | BIT(22) | BIT(24) | BIT(25) | BIT(26) | BIT(27) | BIT(28) | BIT(29) | \
			  BIT(31)) /* CET-IBT AMX-BF16 AMX-TILE AMX-INT8 IBRS STIBP L1D-flush ARCH_CAP SSBD */
/* leaf 0xD: subleaf 0 lists the XCR0 components, 1 the instructions, 2-63 each component */
#define LEAF_XSAVE 0xd
#define XSAVE_SUB1_EAX_SHOWN (BIT(0) | BIT(1) | BIT(2)) /* XSAVEOPT XSAVEC XGETBV-1; not XSAVES, XFD */
#define XSAVE_LEGACY_AND_HEADER 576 /* the FXSAVE image and the XSAVE header */
#define XSAVE_COMPONENT_ALIGNED BIT(1) /* in a component's subleaf ECX */
/* extended leaves */
#define EXT1_ECX_HIDDEN (BIT(2) | BIT(9) | BIT(23) | BIT(29)) /* SVM, OSVW, PerfCtrExtCore, MONITORX */
#define EXT1_EDX_RDTSCP BIT(27)
#define EXT8_EBX_HIDDEN (BIT(3) | BIT(4) | BIT(8) | BIT(12) | BIT(14) | BIT(15) | BIT(24) | BIT(25)) \
	/* INVLPGB RDPRU MCOMMIT IBPB IBRS STIBP SSBD VIRT_SSBD */
/* leaves answered with zeros */
#define LEAF_MONITOR 0x5
#define LEAF_POWER 0x6
#define LEAF_PMU 0xa
#define LEAF_SGX 0x12
#define LEAF_PT 0x14
#define LEAF_AMX_TILES 0x1d
#define LEAF_AMX_TMUL 0x1e
#define LEAF_SVM_FEATURES 0x8000000a
#define LEAF_MEM_ENCRYPT 0x8000001f /* SME, SEV (APM vol.3 appendix E.4.17) */
#define HYPERVISOR_LEAVES_FIRST 0x40000000
#define HYPERVISOR_LEAVES_LAST 0x4fffffff

/* Subleaf 1's EBX: the size of an XSAVEC (compacted) area for the components x enables,
 * IA32_XSS being 0 for guests (no XSAVES): the legacy area and the header, then each
 * component from 2 up, at a 64-byte boundary where its subleaf's ECX bit 1 asks for one
 * (SDM vol.1 §13.4.3). Linux sizes its compacted buffers by it. */
static uint32_t xsave_compacted_size(uint64_t x)
{
	uint32_t size = XSAVE_LEGACY_AND_HEADER;
	for (uint32_t i = 2; i < 64; i++) {
		if (!(x & (1ull << i)))
			continue;
		struct cpuid_regs c = cpuid(LEAF_XSAVE, i);
		if (c.ecx & XSAVE_COMPONENT_ALIGNED)
			size = (size + 63) & ~63u;
		size += c.eax;
	}
	return size;
}

/* The components of cpu.guest_xcr0 as the CPU describes them. Subleaf 0's EBX, the size
 * for what XCR0 enables now, is the CPU's own answer: while Keel handles a guest's exit
 * the CPU holds that guest's XCR0. */
static struct cpuid_regs xsave_leaf(uint32_t subleaf)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	if (!cpu.xsave)
		return r;
	if (subleaf == 0) {
		r = cpuid(LEAF_XSAVE, 0);
		r.eax = (uint32_t)cpu.guest_xcr0;
		r.edx = (uint32_t)(cpu.guest_xcr0 >> 32);
		r.ecx = cpu.guest_xsave_size;
	} else if (subleaf == 1) {
		r.eax = cpuid(LEAF_XSAVE, 1).eax & XSAVE_SUB1_EAX_SHOWN;
		r.ebx = xsave_compacted_size(xgetbv(0));
	} else if (subleaf < 64 && (cpu.guest_xcr0 & (1ull << subleaf))) {
		r = cpuid(LEAF_XSAVE, subleaf);
	}
	return r;
}

static struct cpuid_regs guest_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	if (leaf >= HYPERVISOR_LEAVES_FIRST && leaf <= HYPERVISOR_LEAVES_LAST) {
		if (leaf == KEEL_CPUID_SIGNATURE_LEAF)
			r = (struct cpuid_regs){ KEEL_CPUID_VERSION_LEAF, KEEL_CPUID_SIGNATURE, KEEL_CPUID_SIGNATURE,
						 KEEL_CPUID_SIGNATURE };
		else if (leaf == KEEL_CPUID_VERSION_LEAF)
			r.eax = KEEL_VERSION_MAJOR << 16 | KEEL_VERSION_MINOR, r.ebx = KEEL_HYPERCALL_ABI_VERSION;
		else if (leaf == KVM_CPUID_SIGNATURE_LEAF)
			r = (struct cpuid_regs){ KVM_CPUID_FEATURES_LEAF, KVM_CPUID_SIGNATURE_EBX, KVM_CPUID_SIGNATURE_ECX,
						 KVM_CPUID_SIGNATURE_EDX };
		else if (leaf == KVM_CPUID_FEATURES_LEAF)
			r.eax = KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_STEAL_TIME | KVM_FEATURE_CLOCKSOURCE_STABLE_BIT;
		return r;
	}
	if (leaf == LEAF_MONITOR || leaf == LEAF_POWER || leaf == LEAF_PMU || leaf == LEAF_SGX || leaf == LEAF_PT ||
	    leaf == LEAF_AMX_TILES || leaf == LEAF_AMX_TMUL || leaf == LEAF_SVM_FEATURES || leaf == LEAF_MEM_ENCRYPT)
		return r;
	if (leaf == LEAF_XSAVE)
		return xsave_leaf(subleaf);
	r = cpuid(leaf, subleaf);
	if (leaf == 1) {
		r.ebx = (r.ebx & ((1u << LEAF1_EBX_APIC_ID_SHIFT) - 1)) | v->id << LEAF1_EBX_APIC_ID_SHIFT;
		r.ecx = (r.ecx & ~(LEAF1_ECX_HIDDEN | LEAF1_ECX_OSXSAVE)) | LEAF1_ECX_EMULATED | LEAF1_ECX_HYPERVISOR;
		if (hvm->read_state(v->vendor, GUEST_CR4) & CR4_OSXSAVE)
			r.ecx |= LEAF1_ECX_OSXSAVE;
		r.edx &= ~(LEAF1_EDX_HIDDEN | LEAF1_EDX_APIC);
		if (vlapic_hw_enabled(v->lapic))
			r.edx |= LEAF1_EDX_APIC;
	} else if (leaf == LEAF_TOPOLOGY || leaf == LEAF_TOPOLOGY_V2) {
		/* One thread per core, one core per package: shifts 0, one processor at each level
		 * (SDM vol.2A CPUID leaf 0Bh); EDX is the x2APIC ID. */
		unsigned type = subleaf == 0 ? TOPOLOGY_SMT : subleaf == 1 ? TOPOLOGY_CORE : 0;
		r = (struct cpuid_regs){ .eax = 0, .ebx = type ? 1 : 0, .ecx = type << 8 | (subleaf & 0xff),
					 .edx = v->id };
	} else if (leaf == 7 && subleaf == 0) {
		r.ebx &= ~(LEAF7_EBX_HIDDEN | (cpu.guest_invpcid ? 0 : LEAF7_EBX_INVPCID));
		r.ecx &= ~LEAF7_ECX_HIDDEN;
		r.edx &= ~LEAF7_EDX_HIDDEN;
	} else if (leaf == 0x80000001) {
		r.ecx &= ~EXT1_ECX_HIDDEN;
		r.edx &= ~(cpu.guest_rdtscp ? 0 : EXT1_EDX_RDTSCP);
	} else if (leaf == 0x80000008) {
		r.ebx &= ~EXT8_EBX_HIDDEN;
	}
	return r;
}

/* Leaves without subleaves whose answer does not depend on the vCPU (SDM vol.2A CPUID,
 * APM vol.3 appendix E): the others are worked out at each CPUID. */
static bool leaf_alone(uint32_t leaf)
{
	switch (leaf) {
	case 0x0: case 0x2: case 0x3: case LEAF_MONITOR: case LEAF_POWER: case LEAF_PMU: case 0x15: case 0x16:
	case KEEL_CPUID_SIGNATURE_LEAF: case KEEL_CPUID_VERSION_LEAF:
	case 0x80000000: case 0x80000001: case 0x80000002: case 0x80000003: case 0x80000004:
	case 0x80000005: case 0x80000006: case 0x80000007: case 0x80000008: case LEAF_SVM_FEATURES:
	case LEAF_MEM_ENCRYPT:
		return true;
	default:
		return false;
	}
}

/* Ranges of 32 leaves, told apart by bits 31:30 of the leaf: basic (0), Keel's own
 * (0x40000000), extended (0x80000000) and one Keel keeps none of (0xc0000000), so that any
 * leaf's range indexes the table. */
#define TABLE_RANGES 4
#define TABLE_LEAVES 32
static struct cpuid_regs answers[TABLE_RANGES][TABLE_LEAVES];
static uint32_t known[TABLE_RANGES]; /* bit i: answers[range][i] holds the guest's answer */

void cpuid_init(void)
{
	const uint32_t last[TABLE_RANGES] = { cpuid(0, 0).eax, KEEL_CPUID_VERSION_LEAF, cpuid(0x80000000, 0).eax, 0 };
	for (uint32_t range = 0; range < TABLE_RANGES; range++) {
		known[range] = 0;
		for (uint32_t i = 0; i < TABLE_LEAVES; i++) {
			uint32_t leaf = range << 30 | i;
			if (leaf > last[range] || !leaf_alone(leaf))
				continue; /* above the CPU's last leaf, CPUID answers as the CPU does */
			answers[range][i] = guest_cpuid(NULL, leaf, 0);
			known[range] |= 1u << i;
		}
	}
}

static const struct cpuid_regs *from_table(uint32_t leaf)
{
	uint32_t range = leaf >> 30, i = leaf & 0x3fffffff;
	if (i >= TABLE_LEAVES || !(known[range] & (1u << i)))
		return NULL;
	return &answers[range][i];
}

/* CPUID writes 32-bit results, which clears the upper halves in 64-bit mode. */
static void write_answer(struct vcpu *v, const struct vm_exit *exit, const struct cpuid_regs *r)
{
	uint64_t *g = v->regs.gpr;
	g[REG_RAX] = r->eax;
	g[REG_RBX] = r->ebx;
	g[REG_RCX] = r->ecx;
	g[REG_RDX] = r->edx;
	v->regs.rip += exit->instr_len;
}

/* Out of line, so that answering from the table saves and restores no register. */
static __attribute__((noinline)) void answer_worked_out(struct vcpu *v, const struct vm_exit *exit)
{
	const uint64_t *g = v->regs.gpr;
	struct cpuid_regs r = guest_cpuid(v, (uint32_t)g[REG_RAX], (uint32_t)g[REG_RCX]);
	write_answer(v, exit, &r);
}

void handle_cpuid(struct vcpu *v, const struct vm_exit *exit)
{
	const struct cpuid_regs *r = from_table((uint32_t)v->regs.gpr[REG_RAX]);
	if (r)
		write_answer(v, exit, r);
	else
		answer_worked_out(v, exit);
}
