/* Where every exit goes. A vendor's vcpu_run decodes each exit into a struct vm_exit and
 * calls handle_exit, which counts it and calls the one handler for its reason from a
 * constant table. A handler either completes the instruction (advancing RIP) or ends the
 * domain; the scheduler then says whether the vCPU runs on. */
#include "arch/x86/cpu.h"
#include "lib/log.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/emulate.h"
#include "vmm/events.h"
#include "vmm/sched.h"

/* HLT with interrupts on waits for an interrupt (vmm/events.c wakes it) or the vCPU's
 * timer event (set_timer); with interrupts off nothing can wake the vCPU, so the domain is
 * done: a poweroff without exit status (Xen reads it the same way). */
static void handle_hlt(struct vcpu *v, const struct vm_exit *exit)
{
	v->regs.rip += exit->instr_len;
	if (hvm->read_state(v->vendor, GUEST_RFLAGS) & RFLAGS_IF) {
		if (!events_interrupt_pending(v))
			sched_block(v, 0);
	} else {
		domain_end(v->dom, END_POWEROFF, false, 0, "HLT with interrupts disabled at rip 0x%llx",
			   (unsigned long long)(v->regs.rip - exit->instr_len));
	}
}

static void handle_shutdown(struct vcpu *v, const struct vm_exit *exit)
{
	(void)exit;
	domain_crash(v->dom, "shutdown (triple fault) at rip 0x%llx", (unsigned long long)v->regs.rip);
}

/* The vendor code has taken the interrupt; the scheduler sees how much time has passed.
 * Also an interrupt window: what the guest can now take, vmm/events.c gives it. */
static void handle_interrupt(struct vcpu *v, const struct vm_exit *exit)
{
	(void)v;
	(void)exit;
}

static void handle_unknown(struct vcpu *v, const struct vm_exit *exit)
{
	domain_crash(v->dom, "unknown exit (%s 0x%llx) at rip 0x%llx", hvm->exit_code_name,
		     (unsigned long long)exit->raw_code, (unsigned long long)v->regs.rip);
}

static const exit_handler_fn exit_handlers[EXIT_REASON_COUNT] = {
	[EXIT_CPUID] = handle_cpuid,
	[EXIT_HLT] = handle_hlt,
	[EXIT_IO] = handle_io,
	[EXIT_HYPERCALL] = handle_hypercall,
	[EXIT_MSR] = handle_msr,
	[EXIT_INSTRUCTION] = handle_instruction,
	[EXIT_NPF] = handle_npf,
	[EXIT_SHUTDOWN] = handle_shutdown,
	[EXIT_ENTRY_FAILED] = handle_entry_failed,
	[EXIT_INTERRUPT] = handle_interrupt,
	[EXIT_INTERRUPT_WINDOW] = handle_interrupt,
	[EXIT_UNKNOWN] = handle_unknown,
};

bool handle_exit(struct vcpu *v, const struct vm_exit *exit)
{
	enum exit_reason reason = exit->reason < EXIT_REASON_COUNT ? exit->reason : EXIT_UNKNOWN;
	v->exits[reason]++;
	exit_handlers[reason](v, exit);
	return sched_runs_on(v);
}

static const char *const exit_names[EXIT_REASON_COUNT] = {
	[EXIT_CPUID] = "cpuid", [EXIT_HLT] = "hlt", [EXIT_IO] = "io", [EXIT_HYPERCALL] = "hypercall",
	[EXIT_MSR] = "msr", [EXIT_INSTRUCTION] = "insn", [EXIT_NPF] = "npf", [EXIT_SHUTDOWN] = "shutdown",
	[EXIT_ENTRY_FAILED] = "entry", [EXIT_INTERRUPT] = "intr", [EXIT_INTERRUPT_WINDOW] = "window",
	[EXIT_UNKNOWN] = "unknown",
};

const char *exit_reason_name(enum exit_reason reason)
{
	return reason < EXIT_REASON_COUNT ? exit_names[reason] : "?";
}
