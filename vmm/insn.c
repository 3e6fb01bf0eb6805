/* Instructions that exit because they could reach beyond the guest (the intercepts and
 * controls of arch/x86/svm and vmx), answered as a CPU that offers what Keel's CPUID shows
 * would answer: the guest gets the fault in its own handler and carries on. */
#include "arch/x86/cpu.h"
#include "vmm/domain.h"
#include "vmm/exit.h"

void handle_instruction(struct vcpu *v, const struct vm_exit *exit)
{
	switch (exit->insn.kind) {
	case INSN_CACHE_FLUSH:
		/* Guest RAM is write-back and coherent: nothing to write back for the guest, and
		 * INVD must not drop lines other domains (or Keel) depend on. Done. */
		v->regs.rip += exit->instr_len;
		return;
	case INSN_RDPMC:
		hvm->inject_exception(v->vendor, X86_GP, true, 0);
		return;
	case INSN_VIRTUALIZATION:
	case INSN_MONITOR_MWAIT:
		hvm->inject_exception(v->vendor, X86_UD, false, 0);
		return;
	}
}

void handle_entry_failed(struct vcpu *v, const struct vm_exit *exit)
{
	domain_crash(v->dom, "the CPU refused to enter the guest with its state: %s (%s 0x%llx)", exit->entry_failed.why,
		     hvm->exit_code_name, (unsigned long long)exit->raw_code);
}
