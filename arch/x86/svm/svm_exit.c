/* After each SVM #VMEXIT: turning it into Keel's vendor-neutral struct vm_exit (APM vol.2
 * §15.6-15.10) for vmm/, and preparing the next VMRUN. Without nrip-save (QEMU's TCG has
 * none) the instruction length is known from the exit: CPUID, HLT, VMMCALL, RDMSR and WRMSR
 * have fixed encodings, and IOIO exits give the next RIP in EXITINFO2. */
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/interrupts.h"
#include "arch/x86/svm/svm.h"

#define IOIO_IN (1u << 0)
#define IOIO_STRING (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SIZE_SHIFT 4 /* bits 4-6: 1, 2 or 4 bytes, one-hot */
#define NPF_PRESENT (1u << 0)
#define NPF_WRITE (1u << 1)
#define NPF_FETCH (1u << 4)
#define NPF_FINAL (1ull << 32) /* the guest's final physical address, not a guest page table (APM vol.2 §15.25.6) */

static uint8_t length_or_next_rip(const struct svm_vcpu *sv, uint64_t rip, uint8_t fixed)
{
	if (cpu.nrip_save && sv->vmcb->control.next_rip > rip)
		return (uint8_t)(sv->vmcb->control.next_rip - rip);
	return fixed;
}

/* The instructions vmm/insn.c answers, indexed by exit code - INSN_EXIT_FIRST (APM vol.2,
 * appendix C). The fixed lengths are those of the encodings without prefixes: enough for
 * the faults Keel injects (RIP stays), and for INVD and WBINVD, which no compiler prefixes. */
#define INSN_EXIT_FIRST SVM_EXIT_RDPMC
#define INSN(code, k, n, len) [(code) - INSN_EXIT_FIRST] = { .kind = k, .name = n, .length = len }
static const struct {
	enum guest_insn kind;
	const char *name; /* NULL: not an instruction of this table */
	uint8_t length;
} instructions[] = {
	INSN(SVM_EXIT_RDPMC, INSN_RDPMC, "RDPMC", 2),
	INSN(SVM_EXIT_INVD, INSN_CACHE_FLUSH, "INVD", 2),
	INSN(SVM_EXIT_INVLPGA, INSN_VIRTUALIZATION, "INVLPGA", 3),
	INSN(SVM_EXIT_VMRUN, INSN_VIRTUALIZATION, "VMRUN", 3),
	INSN(SVM_EXIT_VMLOAD, INSN_VIRTUALIZATION, "VMLOAD", 3),
	INSN(SVM_EXIT_VMSAVE, INSN_VIRTUALIZATION, "VMSAVE", 3),
	INSN(SVM_EXIT_STGI, INSN_VIRTUALIZATION, "STGI", 3),
	INSN(SVM_EXIT_CLGI, INSN_VIRTUALIZATION, "CLGI", 3),
	INSN(SVM_EXIT_SKINIT, INSN_VIRTUALIZATION, "SKINIT", 3),
	INSN(SVM_EXIT_WBINVD, INSN_CACHE_FLUSH, "WBINVD", 2),
	INSN(SVM_EXIT_MONITOR, INSN_MONITOR_MWAIT, "MONITOR", 3),
	INSN(SVM_EXIT_MWAIT, INSN_MONITOR_MWAIT, "MWAIT", 3),
	INSN(SVM_EXIT_MWAIT_ARMED, INSN_MONITOR_MWAIT, "MWAIT", 3),
	INSN(SVM_EXIT_XSETBV, INSN_XSETBV, "XSETBV", 3),
	INSN(SVM_EXIT_RDPRU, INSN_MONITOR_MWAIT, "RDPRU", 3),
	INSN(SVM_EXIT_INVLPGB, INSN_VIRTUALIZATION, "INVLPGB", 3),
	INSN(SVM_EXIT_INVLPGB_ILLEGAL, INSN_VIRTUALIZATION, "INVLPGB", 3),
	INSN(SVM_EXIT_MCOMMIT, INSN_VIRTUALIZATION, "MCOMMIT", 4),
	INSN(SVM_EXIT_TLBSYNC, INSN_VIRTUALIZATION, "TLBSYNC", 3),
};

/* If the exit is one of the table's instructions, fills exit. */
static void instruction(const struct svm_vcpu *sv, uint64_t code, uint64_t rip, struct vm_exit *exit)
{
	uint64_t i = code - INSN_EXIT_FIRST;
	if (code < INSN_EXIT_FIRST || i >= sizeof(instructions) / sizeof(instructions[0]) || !instructions[i].name)
		return;
	exit->reason = EXIT_INSTRUCTION;
	exit->insn.kind = instructions[i].kind;
	exit->insn.name = instructions[i].name;
	exit->instr_len = length_or_next_rip(sv, rip, instructions[i].length);
}

static void decode(const struct svm_vcpu *sv, uint64_t rip, struct vm_exit *exit)
{
	const struct vmcb_control *c = &sv->vmcb->control;
	uint64_t info1 = c->exit_info1, code = c->exit_code;
	exit->raw_code = code;
	switch (code) {
	case SVM_EXIT_CPUID:
		exit->reason = EXIT_CPUID;
		exit->instr_len = length_or_next_rip(sv, rip, 2);
		break;
	case SVM_EXIT_HLT:
		exit->reason = EXIT_HLT;
		exit->instr_len = length_or_next_rip(sv, rip, 1);
		break;
	case SVM_EXIT_VMMCALL:
		exit->reason = EXIT_HYPERCALL;
		exit->instr_len = length_or_next_rip(sv, rip, 3);
		exit->hypercall.long_mode = (sv->vmcb->save.efer & EFER_LMA) && (sv->vmcb->save.cs.attrib & SEG_ATTRIB_L);
		exit->hypercall.cpl = sv->vmcb->save.cpl;
		break;
	case SVM_EXIT_IOIO:
		exit->reason = EXIT_IO;
		exit->instr_len = (uint8_t)(c->exit_info2 - rip);
		exit->io.port = (uint16_t)(info1 >> 16);
		exit->io.size = (info1 >> IOIO_SIZE_SHIFT) & 7;
		exit->io.in = info1 & IOIO_IN;
		exit->io.string = info1 & IOIO_STRING;
		exit->io.rep = info1 & IOIO_REP;
		break;
	case SVM_EXIT_MSR:
		exit->reason = EXIT_MSR;
		exit->instr_len = length_or_next_rip(sv, rip, 2);
		exit->msr.write = info1 & 1; /* EXITINFO1: 0 RDMSR, 1 WRMSR (APM vol.2 §15.11) */
		break;
	case SVM_EXIT_NPF:
		exit->reason = EXIT_NPF;
		exit->instr_len = 0;
		exit->npf.gpa = c->exit_info2;
		exit->npf.present = info1 & NPF_PRESENT;
		exit->npf.write = info1 & NPF_WRITE;
		exit->npf.fetch = info1 & NPF_FETCH;
		exit->npf.final = info1 & NPF_FINAL;
		exit->npf.delivering = c->exit_int_info & EVENT_VALID;
		break;
	case SVM_EXIT_SHUTDOWN:
		exit->reason = EXIT_SHUTDOWN;
		exit->instr_len = 0;
		break;
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
		exit->reason = EXIT_INTERRUPT;
		exit->instr_len = 0;
		break;
	case SVM_EXIT_CR8_WRITE: /* which register: vmm/insn.c decodes the instruction */
		exit->reason = EXIT_INSTRUCTION;
		exit->insn.kind = INSN_MOV_CR;
		exit->insn.name = "MOV CR8";
		exit->insn.cr = 8;
		exit->insn.write = true;
		exit->insn.gpr = INSN_GPR_UNKNOWN;
		exit->instr_len = 0;
		break;
	case SVM_EXIT_VINTR:
	case SVM_EXIT_IRET:
		exit->reason = EXIT_INTERRUPT_WINDOW;
		exit->instr_len = 0;
		break;
	default:
		exit->reason = EXIT_UNKNOWN;
		exit->instr_len = 0;
		/* QEMU 7.2 writes VMEXIT_INVALID as 32 bits (0xffffffff), also when a guest sets a
		 * CR4 bit its CPU lacks, where a CPU raises #GP in the guest. No exit code has
		 * that value. */
		if (code == SVM_EXIT_INVALID || code == (uint32_t)SVM_EXIT_INVALID) {
			exit->reason = EXIT_ENTRY_FAILED;
			exit->entry_failed.why = "VMRUN's consistency checks on the guest state failed (APM vol.2 §15.5.1)";
		} else {
			instruction(sv, code, rip, exit);
		}
		break;
	}
}

/* A guest single-stepping (RFLAGS.TF) gets a #DB trap after each instruction it completes
 * (SDM vol.3 §18.3.1.4; APM vol.2 chapter 13), but none from the CPU after one that exited
 * and that Keel completed for it (RIP moved on to next_rip): Keel injects it, with DR6.BS
 * set as the CPU would. The instruction's interrupt shadow (after STI or MOV SS) is over. */
static void single_step_trap(struct svm_vcpu *sv, uint64_t next_rip)
{
	struct vmcb *vmcb = sv->vmcb;
	if (next_rip == vmcb->save.rip)
		return;
	vmcb->save.dr6 |= DR6_BS;
	vmcb->control.interrupt_shadow &= ~INTERRUPT_SHADOW;
	vmcb->control.event_inject = X86_DB | EVENT_TYPE_EXCEPTION | EVENT_VALID;
}

/* After each exit of svm_run, with interrupts off: Keel's part of the exit and of the next
 * entry. False when the run is over. */
bool svm_exit_continues(struct svm_vcpu *sv)
{
	struct vmcb_save *s = &sv->vmcb->save;
	struct vmcb_control *c = &sv->vmcb->control;
	struct guest_regs *regs = sv->run.regs;
	/* The interrupt that ended the guest's run waits in the APIC: Keel takes it now. An NMI
	 * was taken by Keel's handler as soon as STGI set GIF. */
	if (c->exit_code == SVM_EXIT_INTR)
		host_interrupt_window();
	/* The guest's NMI handler reached its IRET, which has not run yet: NMIs are unmasked
	 * from here, one instruction early, so an NMI that waited is delivered before that IRET
	 * and its handler returns to it (no exit would come right after the IRET). */
	if (c->exit_code == SVM_EXIT_IRET) {
		sv->nmi_masked = false;
		c->intercept_misc1 &= ~INTERCEPT_IRET;
	}
	c->tlb_control = 0;
	/* #VMEXIT clears EVENTINJ (APM vol.3, VMRUN): what Keel injected was delivered, or its
	 * delivery was interrupted and the exit says so (exit.interrupted). */
	regs->gpr[REG_RAX] = s->rax;
	regs->rip = s->rip;
	struct vm_exit exit;
	decode(sv, s->rip, &exit);
	bool runs_on = sv->run.on_exit(sv->run.v, &exit);
	s->rax = regs->gpr[REG_RAX];
	/* EXITINTINFO: the exit interrupted an event's delivery (APM vol.2 §15.7.2). */
	bool interrupted = c->exit_int_info & EVENT_VALID;
	if (interrupted || *sv->run.events_due)
		sv->run.before_entry(sv->run.v, interrupted, regs->rip != s->rip);
	if (s->rflags & RFLAGS_TF)
		single_step_trap(sv, regs->rip);
	s->rip = regs->rip;
	return runs_on;
}
