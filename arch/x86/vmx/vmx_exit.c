/* After each VM exit: turning it into Keel's vendor-neutral struct vm_exit (SDM vol.3
 * §28.2, and the exit qualifications of §28.2.1) for vmm/, and preparing the next entry.
 * VMX reports every instruction's length. */
#include "arch/x86/cpu.h"
#include "arch/x86/interrupts.h"
#include "arch/x86/vmx/vmx.h"

#define IO_SIZE_MASK 7u      /* bits 2:0: size - 1 */
#define IO_IN (1u << 3)
#define IO_STRING (1u << 4)
#define IO_REP (1u << 5)
#define EPT_READ (1u << 0)
#define EPT_WRITE (1u << 1)
#define EPT_FETCH (1u << 2)
#define EPT_WAS_PRESENT (7u << 3) /* the entry's R/W/X bits: any set means a translation */
/* The guest linear address is valid, and the access was to its translation, not to a
 * guest paging-structure entry (SDM vol.3 §28.2.1: an EPT violation's bits 7 and 8). */
#define EPT_FINAL (3u << 7)

/* The instructions vmm/insn.c answers, indexed by basic exit reason (SDM vol.3 appendix C). */
#define INSN(reason, k, n) [reason] = { .kind = k, .name = n }
static const struct {
	enum guest_insn kind;
	const char *name; /* NULL: not an instruction of this table */
} instructions[] = {
	INSN(VMX_EXIT_GETSEC, INSN_VIRTUALIZATION, "GETSEC"),
	INSN(VMX_EXIT_INVD, INSN_CACHE_FLUSH, "INVD"),
	INSN(VMX_EXIT_RDPMC, INSN_RDPMC, "RDPMC"),
	INSN(VMX_EXIT_VMCLEAR, INSN_VIRTUALIZATION, "VMCLEAR"),
	INSN(VMX_EXIT_VMLAUNCH, INSN_VIRTUALIZATION, "VMLAUNCH"),
	INSN(VMX_EXIT_VMPTRLD, INSN_VIRTUALIZATION, "VMPTRLD"),
	INSN(VMX_EXIT_VMPTRST, INSN_VIRTUALIZATION, "VMPTRST"),
	INSN(VMX_EXIT_VMREAD, INSN_VIRTUALIZATION, "VMREAD"),
	INSN(VMX_EXIT_VMRESUME, INSN_VIRTUALIZATION, "VMRESUME"),
	INSN(VMX_EXIT_VMWRITE, INSN_VIRTUALIZATION, "VMWRITE"),
	INSN(VMX_EXIT_VMXOFF, INSN_VIRTUALIZATION, "VMXOFF"),
	INSN(VMX_EXIT_VMXON, INSN_VIRTUALIZATION, "VMXON"),
	INSN(VMX_EXIT_MWAIT, INSN_MONITOR_MWAIT, "MWAIT"),
	INSN(VMX_EXIT_MONITOR, INSN_MONITOR_MWAIT, "MONITOR"),
	INSN(VMX_EXIT_INVEPT, INSN_VIRTUALIZATION, "INVEPT"),
	INSN(VMX_EXIT_INVVPID, INSN_VIRTUALIZATION, "INVVPID"),
	INSN(VMX_EXIT_WBINVD, INSN_CACHE_FLUSH, "WBINVD"),
	INSN(VMX_EXIT_XSETBV, INSN_XSETBV, "XSETBV"),
	INSN(VMX_EXIT_VMFUNC, INSN_VIRTUALIZATION, "VMFUNC"),
	INSN(VMX_EXIT_ENCLS, INSN_VIRTUALIZATION, "ENCLS"),
};

static bool instruction(uint32_t basic, struct vm_exit *exit)
{
	if (basic >= sizeof(instructions) / sizeof(instructions[0]) || !instructions[basic].name)
		return false;
	exit->reason = EXIT_INSTRUCTION;
	exit->insn.kind = instructions[basic].kind;
	exit->insn.name = instructions[basic].name;
	return true;
}

/* Bit 31 of the exit reason: the entry itself failed, for the basic reason's check. */
static void entry_failed(struct vm_exit *exit, uint32_t basic)
{
	exit->reason = EXIT_ENTRY_FAILED;
	exit->entry_failed.why = basic == VMX_EXIT_INVALID_GUEST_STATE ? "invalid guest state (SDM vol.3 §27.3.1)"
				 : basic == VMX_EXIT_MSR_LOADING     ? "MSR loading (SDM vol.3 §27.4)"
				 : basic == VMX_EXIT_MACHINE_CHECK   ? "a machine check during entry (SDM vol.3 §27.8)"
								     : "a VM-entry check (SDM vol.3 chapter 27)";
}

/* An NMI that caused an exit was not delivered: Keel runs its own handler with INT 2, whose
 * IRET also ends any blocking of further NMIs (SDM vol.3 §6.7.1). The guest's
 * blocking-by-NMI bit, saved by the exit, is its virtual-NMI blocking (virtual NMIs are on,
 * §28.3.4): it stays as it is. */
static void take_nmi(void)
{
	__asm__ volatile("int $2" ::: "memory");
}

/* An exit that is Keel's own business, not the guest's: the host's interrupt (the exit
 * acknowledged it: the vector is in the exit's interruption information, SDM vol.3
 * §28.2.2) or NMI goes to Keel's handler, and a preemption timer that ran out is set again
 * (it saved 0, which would end the next entry at once; the deadline may still be ahead if
 * the timer ran out early). As svm_exit_continues takes SVM's INTR exits. */
static void take_host_event(const struct vmx_vcpu *xv, uint32_t basic)
{
	if (basic == VMX_EXIT_EXTERNAL_INTERRUPT)
		host_interrupt(vmread(VMCS_EXIT_INTERRUPTION_INFO) & EVENT_VECTOR_MASK);
	else if (basic == VMX_EXIT_PREEMPTION_TIMER)
		vmx_arm_preemption_timer(xv->run.deadline_tsc);
	else if (basic == VMX_EXIT_EXCEPTION_OR_NMI && /* no exception exits: the bitmap is 0 */
		 (vmread(VMCS_EXIT_INTERRUPTION_INFO) & EVENT_TYPE_MASK) == EVENT_TYPE_NMI)
		take_nmi();
}

/* The IDT-vectoring information: the exit interrupted an event's delivery (SDM vol.3
 * §28.2.4). */
static bool delivering(void)
{
	return vmread(VMCS_IDT_VECTORING_INFO) & EVENT_VALID;
}

/* Decodes the exit: reads what its reason's handler needs, and changes nothing. */
static void decode(uint32_t reason, struct vm_exit *exit)
{
	exit->reason = EXIT_UNKNOWN;
	exit->raw_code = reason;
	exit->instr_len = 0;
	if (reason & VMX_EXIT_ENTRY_FAILED) {
		entry_failed(exit, reason & 0xffff);
		return;
	}
	switch (reason & 0xffff) {
	case VMX_EXIT_CPUID:
		exit->reason = EXIT_CPUID;
		break;
	case VMX_EXIT_HLT:
		exit->reason = EXIT_HLT;
		break;
	case VMX_EXIT_VMCALL:
		exit->reason = EXIT_HYPERCALL;
		/* The exit saved EFER (the "save IA32_EFER" exit control, SDM vol.3 §28.3.1). */
		exit->hypercall.long_mode = (vmread(VMCS_GUEST_EFER) & EFER_LMA) &&
					    (vmread(VMCS_GUEST_CS_ACCESS) & AR_L);
		/* SS.DPL is the CPL (SDM vol.3 §26.3.1.2); VMCALL exits at any CPL (§26.1.2). */
		exit->hypercall.cpl = (vmread(VMCS_GUEST_ES_ACCESS + 2 * SEG_SS) >> 5) & 3;
		break;
	case VMX_EXIT_IO: {
		uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
		exit->reason = EXIT_IO;
		exit->io.port = (uint16_t)(qual >> 16);
		exit->io.size = (uint8_t)((qual & IO_SIZE_MASK) + 1);
		exit->io.in = qual & IO_IN;
		exit->io.string = qual & IO_STRING;
		exit->io.rep = qual & IO_REP;
		break;
	}
	case VMX_EXIT_CR_ACCESS: {
		/* Qualification (SDM vol.3 table 28-3): bits 3:0 the CR, 5:4 the access (0 MOV to
		 * CR, 1 MOV from CR), 11:8 the register. CR8 exits both ways; CR0 and CR4 only on
		 * a write that would change a bit VMX fixes (vmx_guest_state.c), reads coming from
		 * the shadows. CLTS and LMSW touch no bit Keel owns with unrestricted guest, and
		 * stay unknown exits otherwise. */
		uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
		unsigned cr = qual & 0xf, access = (qual >> 4) & 3;
		if (!(cr == 8 && access <= 1) && !((cr == 0 || cr == 4) && access == 0))
			return;
		exit->reason = EXIT_INSTRUCTION;
		exit->insn.kind = INSN_MOV_CR;
		exit->insn.name = "MOV CR";
		exit->insn.cr = (uint8_t)cr;
		exit->insn.write = ((qual >> 4) & 3) == 0;
		exit->insn.gpr = (uint8_t)((qual >> 8) & 0xf);
		break;
	}
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		exit->reason = EXIT_MSR;
		exit->msr.write = (reason & 0xffff) == VMX_EXIT_WRMSR;
		break;
	case VMX_EXIT_EPT_VIOLATION: {
		uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
		exit->reason = EXIT_NPF;
		exit->npf.gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
		exit->npf.write = qual & EPT_WRITE;
		exit->npf.fetch = qual & EPT_FETCH;
		exit->npf.present = qual & EPT_WAS_PRESENT;
		exit->npf.final = (qual & EPT_FINAL) == EPT_FINAL;
		exit->npf.delivering = delivering();
		break;
	}
	case VMX_EXIT_TRIPLE_FAULT:
		exit->reason = EXIT_SHUTDOWN;
		return;
	case VMX_EXIT_INTERRUPT_WINDOW:
	case VMX_EXIT_NMI_WINDOW:
		exit->reason = EXIT_INTERRUPT_WINDOW;
		return;
	case VMX_EXIT_EXTERNAL_INTERRUPT:
	case VMX_EXIT_PREEMPTION_TIMER:
	case VMX_EXIT_EXCEPTION_OR_NMI: /* no exception exits (the bitmap is 0): an NMI */
		exit->reason = EXIT_INTERRUPT; /* vmx_exit_continues takes it: take_host_event */
		return;
	default:
		if (!instruction(reason & 0xffff, exit))
			return;
		break;
	}
	exit->instr_len = (uint8_t)vmread(VMCS_EXIT_INSTRUCTION_LENGTH);
}

void vmx_redeliver(void *vcpu)
{
	vmx_make_current(vcpu);
	uint32_t vectoring = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
	vmwrite(VMCS_ENTRY_INTERRUPTION_INFO, vectoring & ~(1u << 12)); /* bit 12 is reserved here */
	if (vectoring & EVENT_DELIVER_ERROR_CODE)
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, vmread(VMCS_IDT_VECTORING_ERROR_CODE));
	vmwrite(VMCS_ENTRY_INSTRUCTION_LENGTH, vmread(VMCS_EXIT_INSTRUCTION_LENGTH)); /* software events */
}

/* A guest single-stepping (RFLAGS.TF) gets a #DB trap after each instruction it completes
 * (SDM vol.3 §18.3.1.4), but none from the CPU after one that exited and that Keel
 * completed for it: Keel injects it, with DR6.BS set as the CPU would. The instruction's
 * blocking by STI or MOV SS is over; a debug exception that MOV SS held back until after
 * it (the exit saved it as pending: SDM vol.3 §28.3.4, §6.8.3) comes with this #DB, as on a
 * CPU, in DR6 rather than twice. */
static void single_step_trap(struct vmx_vcpu *xv)
{
	uint64_t interruptibility = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			interruptibility & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	uint64_t pending = vmread(VMCS_GUEST_PENDING_DEBUG);
	if (pending)
		vmwrite(VMCS_GUEST_PENDING_DEBUG, 0);
	owned_state_set_dr6_bits(&xv->owned, (pending & DR6_B0_B3) | DR6_BS);
	vmwrite(VMCS_ENTRY_INTERRUPTION_INFO, X86_DB | EVENT_TYPE_HARDWARE_EXCEPTION | EVENT_VALID);
}

bool vmx_exit_continues(struct vmx_vcpu *xv)
{
	struct guest_regs *regs = xv->run.regs;
	uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
	regs->rip = xv->rip = vmread(VMCS_GUEST_RIP);
	struct vm_exit exit;
	decode(reason, &exit);
	if (exit.reason == EXIT_INTERRUPT)
		take_host_event(xv, reason & 0xffff);
	/* The exit cleared Keel's injection (SDM vol.3 §28.2.4): it was delivered, or the exit
	 * interrupted its delivery and says so. */
	bool runs_on = xv->run.on_exit(xv->run.v, &exit);
	vmx_make_current(xv); /* a handler may have used another VMCS (another domain's state) */
	/* An exit with an instruction length came from executing that instruction, not from
	 * delivering an event. */
	bool interrupted = !exit.instr_len && delivering();
	if (interrupted || *xv->run.events_due)
		xv->run.before_entry(xv->run.v, interrupted, regs->rip != xv->rip);
	if (regs->rip != xv->rip) {
		vmwrite(VMCS_GUEST_RIP, regs->rip);
		if (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_TF)
			single_step_trap(xv);
	}
	return runs_on;
}
