/* Turning a VM exit into Keel's vendor-neutral struct vm_exit (SDM vol.3 §28.2, and the
 * exit qualifications of §28.2.1). VMX reports every instruction's length. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx.h"

#define IO_SIZE_MASK 7u      /* bits 2:0: size - 1 */
#define IO_IN (1u << 3)
#define IO_STRING (1u << 4)
#define IO_REP (1u << 5)
#define EPT_READ (1u << 0)
#define EPT_WRITE (1u << 1)
#define EPT_FETCH (1u << 2)
#define EPT_WAS_PRESENT (7u << 3) /* the entry's R/W/X bits: any set means a translation */
#define AR_L (1u << 13)

void vmx_decode_exit(uint64_t guest_rip, struct vm_exit *exit)
{
	(void)guest_rip;
	uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
	*exit = (struct vm_exit){
		.reason = EXIT_UNKNOWN,
		.raw_code = reason,
		.long_mode = (vmread(VMCS_GUEST_EFER) & EFER_LMA) && (vmread(VMCS_GUEST_CS_ACCESS) & AR_L),
	};
	if (reason & VMX_EXIT_ENTRY_FAILED)
		return;
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	switch (reason & 0xffff) {
	case VMX_EXIT_CPUID:
		exit->reason = EXIT_CPUID;
		break;
	case VMX_EXIT_HLT:
		exit->reason = EXIT_HLT;
		break;
	case VMX_EXIT_VMCALL:
		exit->reason = EXIT_HYPERCALL;
		break;
	case VMX_EXIT_IO:
		exit->reason = EXIT_IO;
		exit->io.port = (uint16_t)(qual >> 16);
		exit->io.size = (uint8_t)((qual & IO_SIZE_MASK) + 1);
		exit->io.in = qual & IO_IN;
		exit->io.string = qual & IO_STRING;
		exit->io.rep = qual & IO_REP;
		break;
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		exit->reason = EXIT_MSR;
		exit->msr.write = (reason & 0xffff) == VMX_EXIT_WRMSR;
		break;
	case VMX_EXIT_EPT_VIOLATION:
		exit->reason = EXIT_NPF;
		exit->npf.gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
		exit->npf.write = qual & EPT_WRITE;
		exit->npf.fetch = qual & EPT_FETCH;
		exit->npf.present = qual & EPT_WAS_PRESENT;
		break;
	case VMX_EXIT_TRIPLE_FAULT:
		exit->reason = EXIT_SHUTDOWN;
		return;
	default:
		return;
	}
	exit->instr_len = (uint8_t)vmread(VMCS_EXIT_INSTRUCTION_LENGTH);
}
