/* What a vCPU is given at its next entry, decided in one place for both vendors, in the
 * order a CPU takes them (SDM vol.3 §6.9): an event whose delivery an exit interrupted,
 * again; an exception an exit handler raised for the instruction; then an external
 * interrupt, if the guest can take one, or else an exit as soon as it can. */
#ifndef KEEL_VMM_EVENTS_H
#define KEEL_VMM_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/vcpu.h"

struct vcpu;
struct vm_exit;

/* The instruction that exited raises this exception instead of completing (RIP stays). */
static inline void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error_code, uint32_t error_code)
{
	hvm->inject_event(v->vendor, HVM_EVENT_EXCEPTION, vector, has_error_code, error_code);
}
/* hvm_run.before_entry (arch/x86/hvm.h). */
void events_before_entry(struct vcpu *v, bool interrupted, bool completed);
/* The task priority has one home, the local APIC's TPR. Where the guest's MOV from CR8 runs
 * without an exit (SVM's V_TPR), what it reads is set from the TPR after anything that may
 * have changed it (a write of the TPR register, APIC_BASE, a MOV to CR8, which exits);
 * nothing where CR8 accesses exit both ways (VT-x). */
void events_tpr_to_guest(struct vcpu *v);
/* Whether the vCPU has an external interrupt to take (its HLT ends then). */
bool events_interrupt_pending(const struct vcpu *v);

#endif
