/* The guest-state area of a new vCPU's VMCS (SDM vol.3 §25.4), for the three ways a Keel
 * guest starts. It must pass the VM-entry checks of §27.3.1. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx.h"

/* Access rights in the VMCS's form (§25.4.1): type | S<<4 | DPL<<5 | P<<7 | L<<13 | D/B<<14 | G<<15 */
#define AR_CODE16 0x009b       /* present, code, readable, accessed */
#define AR_DATA16 0x0093       /* present, data, writable, accessed */
#define AR_CODE64 0xa09b       /* ... L = 1, G = 1 */
#define AR_CODE32 0xc09b       /* ... D/B = 1, G = 1 */
#define AR_DATA32 0xc093       /* ... D/B = 1, G = 1 */
#define AR_TSS_BUSY 0x008b
#define AR_UNUSABLE 0x10000

static void set_segment(enum vmcs_segment seg, uint16_t selector, uint32_t limit, uint32_t access)
{
	vmwrite(VMCS_GUEST_ES_SELECTOR + 2 * seg, selector);
	vmwrite(VMCS_GUEST_ES_BASE + 2 * seg, 0);
	vmwrite(VMCS_GUEST_ES_LIMIT + 2 * seg, limit);
	vmwrite(VMCS_GUEST_ES_ACCESS + 2 * seg, access);
}

static void set_data_segments(uint16_t selector, uint32_t limit, uint32_t access)
{
	static const enum vmcs_segment data[] = { SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS };
	for (unsigned i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		set_segment(data[i], selector, limit, access);
}

/* Bits of CR0 and CR4 that VMX operation fixes (§24.8) are owned by Keel: the guest reads
 * the value it expects from the read shadow, and writing them exits. With unrestricted
 * guest, PE and PG are the guest's own (§26.6). So are CR0.CD and CR0.NW, which neither VM
 * entry nor VM exit loads (§27.3.2.1, §28.5.1): a guest's MOV that set them in the CPU
 * would disable the caches of Keel and of every domain. They live in the shadow alone. */
static void set_control_registers(uint64_t cr0, uint64_t cr4, bool unrestricted_guest)
{
	uint64_t cr0_fixed = rdmsr(MSR_VMX_CR0_FIXED0) | ~rdmsr(MSR_VMX_CR0_FIXED1) | CR0_CD | CR0_NW;
	if (unrestricted_guest)
		cr0_fixed &= ~(CR0_PE | CR0_PG);
	uint64_t cr4_fixed = rdmsr(MSR_VMX_CR4_FIXED0) | ~rdmsr(MSR_VMX_CR4_FIXED1);
	vmwrite(VMCS_CR0_MASK, cr0_fixed);
	vmwrite(VMCS_CR4_MASK, cr4_fixed);
	vmwrite(VMCS_CR4_SHADOW, cr4);
	vmx_write_cr0(cr0);
	vmwrite(VMCS_GUEST_CR4, (cr4 | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1));
}

void vmx_write_cr0(uint64_t cr0)
{
	uint64_t owned = vmread(VMCS_CR0_MASK);
	vmwrite(VMCS_CR0_SHADOW, cr0);
	/* CD and NW: the CPU keeps Keel's (clear); VM entry would ignore these anyway. */
	uint64_t cpu_cr0 = (cr0 & ~(CR0_CD | CR0_NW)) | (rdmsr(MSR_VMX_CR0_FIXED0) & owned);
	vmwrite(VMCS_GUEST_CR0, cpu_cr0 & rdmsr(MSR_VMX_CR0_FIXED1));
}

void vmx_set_boot_state(const struct vcpu_boot_state *boot, bool unrestricted_guest)
{
	vmwrite(VMCS_GUEST_RSP, boot->rsp);
	vmwrite(VMCS_GUEST_RFLAGS, RFLAGS_FIXED);
	if (boot->mode == VCPU_BOOT_LONG64) {
		set_segment(SEG_CS, boot->code_selector, 0xffffffff, AR_CODE64);
		set_data_segments(boot->data_selector, 0xffffffff, AR_DATA32);
		vmwrite(VMCS_GUEST_GDTR_BASE, boot->gdt_base);
		vmwrite(VMCS_GUEST_GDTR_LIMIT, boot->gdt_limit);
		vmwrite(VMCS_GUEST_IDTR_BASE, 0);
		vmwrite(VMCS_GUEST_IDTR_LIMIT, 0);
		set_control_registers(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG, CR4_PAE, unrestricted_guest);
		vmwrite(VMCS_GUEST_CR3, boot->cr3);
		vmwrite(VMCS_GUEST_EFER, EFER_LME | EFER_LMA | EFER_NXE);
	} else if (boot->mode == VCPU_BOOT_PROT32) {
		set_segment(SEG_CS, boot->code_selector, 0xffffffff, AR_CODE32);
		set_data_segments(boot->data_selector, 0xffffffff, AR_DATA32);
		vmwrite(VMCS_GUEST_GDTR_BASE, boot->gdt_base);
		vmwrite(VMCS_GUEST_GDTR_LIMIT, boot->gdt_limit);
		vmwrite(VMCS_GUEST_IDTR_BASE, 0);
		vmwrite(VMCS_GUEST_IDTR_LIMIT, 0);
		set_control_registers(CR0_PE | CR0_ET, 0, unrestricted_guest); /* paging off */
		vmwrite(VMCS_GUEST_CR3, 0);
		vmwrite(VMCS_GUEST_EFER, 0);
	} else {
		set_segment(SEG_CS, 0, 0xffff, AR_CODE16);
		set_data_segments(0, 0xffff, AR_DATA16);
		vmwrite(VMCS_GUEST_GDTR_BASE, 0);
		vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
		vmwrite(VMCS_GUEST_IDTR_BASE, 0);
		vmwrite(VMCS_GUEST_IDTR_LIMIT, 0x3ff); /* the real-mode interrupt vector table */
		set_control_registers(CR0_ET, 0, unrestricted_guest);
		vmwrite(VMCS_GUEST_CR3, 0);
		vmwrite(VMCS_GUEST_EFER, 0);
	}
	set_segment(SEG_LDTR, 0, 0, AR_UNUSABLE);
	set_segment(SEG_TR, 0, 0xffff, AR_TSS_BUSY);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
	vmwrite(VMCS_GUEST_PENDING_DEBUG, 0);
	vmwrite(VMCS_ENTRY_INTERRUPTION_INFO, 0);
}
