/* Instructions that exit because they could reach beyond the guest (the intercepts and
 * controls of arch/x86/svm and vmx), answered as a CPU that offers what Keel's CPUID shows
 * would answer: the guest gets the fault in its own handler and carries on. */
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "vmm/dev/vlapic.h"
#include "vmm/domain.h"
#include "vmm/emulate.h"
#include "vmm/events.h"
#include "vmm/exit.h"
#include "vmm/xcr0.h"

/* RDPMC (APM vol.3 and SDM vol.2, "RDPMC"): the counter ECX selects, into EDX:EAX, at CPL 0
 * or with CR4.PCE set; #GP(0) otherwise, or for a counter Keel's CPUID does not offer. */
static void emulate_rdpmc(struct vcpu *v, const struct vm_exit *exit)
{
	uint64_t value;
	bool allowed = !hvm->read_state(v->vendor, GUEST_CPL) || (hvm->read_state(v->vendor, GUEST_CR4) & CR4_PCE);
	if (!allowed || !msr_perf_counter(v, (uint32_t)v->regs.gpr[REG_RCX], &value)) {
		vcpu_inject_exception(v, X86_GP, true, 0);
		return;
	}
	v->regs.gpr[REG_RAX] = (uint32_t)value;
	v->regs.gpr[REG_RDX] = value >> 32;
	v->regs.rip += exit->instr_len;
}

/* XSETBV: CR4.OSXSAVE and the CPL are checked before the exit on a CPU (SDM vol.3 §26.1.1,
 * APM vol.2 §15.9), and again here, where an emulator may not have. Only XCR0 exists. */
static void emulate_xsetbv(struct vcpu *v, const struct vm_exit *exit)
{
	const uint64_t *g = v->regs.gpr;
	uint64_t value = (uint32_t)g[REG_RAX] | (uint64_t)(uint32_t)g[REG_RDX] << 32;
	if (!(hvm->read_state(v->vendor, GUEST_CR4) & CR4_OSXSAVE))
		vcpu_inject_exception(v, X86_UD, false, 0);
	else if (hvm->read_state(v->vendor, GUEST_CPL) || (uint32_t)g[REG_RCX] ||
		 xcr0_refusal(value, cpu.guest_xcr0))
		vcpu_inject_exception(v, X86_GP, true, 0);
	else {
		hvm->write_state(v->vendor, GUEST_XCR0, value);
		v->regs.rip += exit->instr_len;
	}
}

/* RSP is not in struct guest_regs (arch/x86/hvm.h). */
static uint64_t read_gpr(struct vcpu *v, uint8_t r)
{
	return r == REG_RSP ? hvm->read_state(v->vendor, GUEST_RSP) : v->regs.gpr[r];
}

/* The #GP(0) a MOV to CR0 raises whatever Keel owns (SDM vol.3 §2.5, MOV to/from CR): bits
 * 63:32 set, NW without CD, PG without PE. The CPU checks the CPL before the exit. */
static bool cr0_faults(uint64_t value)
{
	return (value >> 32) || ((value & CR0_NW) && !(value & CR0_CD)) || ((value & CR0_PG) && !(value & CR0_PE));
}

/* MOV to CR0 or CR4, and MOV to or from CR8 (in 64-bit mode, where alone it exists): CR8
 * is the local APIC's task priority, bits 7:4 (SDM vol.3 §11.8.6.1; bits 63:4 reserved,
 * #GP(0) if set). */
static void emulate_mov_cr(struct vcpu *v, const struct vm_exit *exit)
{
	uint8_t r = exit->insn.gpr, length = exit->instr_len;
	if (r == INSN_GPR_UNKNOWN) { /* a CR8 write on SVM: its register is in the instruction */
		struct x86_mov_cr mov;
		if (!emulate_fetch_mov_to_cr(v, &mov))
			return;
		if (mov.cr != exit->insn.cr) {
			domain_crash(v->dom, "a write of CR%u exited at rip 0x%llx, but the instruction there writes CR%u",
				     exit->insn.cr, (unsigned long long)v->regs.rip, mov.cr);
			return;
		}
		r = mov.gpr;
		length = mov.length;
	}
	if (exit->insn.cr == 8 && !exit->insn.write) {
		if (r == REG_RSP)
			hvm->write_state(v->vendor, GUEST_RSP, vlapic_cr8(v->lapic));
		else
			v->regs.gpr[r] = vlapic_cr8(v->lapic);
		v->regs.rip += exit->instr_len;
		return;
	}
	uint64_t value = read_gpr(v, r);
	enum cr_write done = CR_WRITE_FAULTS;
	if (exit->insn.cr == 8) {
		if (vlapic_set_cr8(v->lapic, value)) {
			events_tpr_to_guest(v); /* what a MOV from CR8 reads on SVM */
			done = CR_WRITE_DONE;
		}
	} else if (exit->insn.cr != 8 && !(exit->insn.cr == 0 && cr0_faults(value))) {
		done = hvm->write_cr(v->vendor, exit->insn.cr, value);
	}
	if (done == CR_WRITE_DONE)
		v->regs.rip += length;
	else if (done == CR_WRITE_FAULTS)
		vcpu_inject_exception(v, X86_GP, true, 0);
	else
		domain_crash(v->dom, "MOV to CR%u of 0x%llx turns off protection or paging, which this CPU cannot run "
			     "(VT-x without unrestricted guest)", exit->insn.cr, (unsigned long long)value);
}

void handle_instruction(struct vcpu *v, const struct vm_exit *exit)
{
	switch (exit->insn.kind) {
	case INSN_CACHE_FLUSH:
		/* Guest RAM is write-back and coherent: nothing to write back for the guest, and
		 * INVD must not drop lines other domains (or Keel) depend on. Done. */
		v->regs.rip += exit->instr_len;
		return;
	case INSN_RDPMC:
		emulate_rdpmc(v, exit);
		return;
	case INSN_VIRTUALIZATION:
	case INSN_MONITOR_MWAIT:
		vcpu_inject_exception(v, X86_UD, false, 0);
		return;
	case INSN_XSETBV:
		emulate_xsetbv(v, exit);
		return;
	case INSN_MOV_CR:
		emulate_mov_cr(v, exit);
		return;
	}
}

void handle_entry_failed(struct vcpu *v, const struct vm_exit *exit)
{
	domain_crash(v->dom, "the CPU refused to enter the guest with its state: %s (%s 0x%llx)", exit->entry_failed.why,
		     hvm->exit_code_name, (unsigned long long)exit->raw_code);
}
