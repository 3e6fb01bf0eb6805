#include "arch/x86/cpu.h"
#include "vmm/dev/pc_platform.h"
#include "vmm/domain.h"
#include "vmm/events.h"

/* The external interrupt the vCPU is to take: the PIC's through LINT0 (ExtINT, which no
 * TPR holds back: SDM vol.3 §11.5.1), or the local APIC's highest above its PPR. */
static bool interrupt_pending(const struct vcpu *v)
{
	return vlapic_extint_pending(v->lapic) || vlapic_pending_vector(v->lapic) >= 0;
}

bool events_interrupt_pending(const struct vcpu *v)
{
	return interrupt_pending(v);
}

/* Takes the interrupt from its controller, as the CPU's acknowledge would: the PIC's
 * vector (INTA), or the local APIC's IRR bit into its ISR. */
static uint8_t take_interrupt(struct vcpu *v)
{
	if (vlapic_extint_pending(v->lapic))
		return (uint8_t)i8259_ack(&v->dom->pc->pic);
	int vector = vlapic_pending_vector(v->lapic);
	vlapic_accept(v->lapic, (uint8_t)vector);
	return (uint8_t)vector;
}

static void interrupt_window(struct vcpu *v, bool open)
{
	if (v->window_open != open) {
		hvm->interrupt_window(v->vendor, open);
		v->window_open = open;
	}
}

static void nmi_window(struct vcpu *v, bool open)
{
	if (v->nmi_window_open != open) {
		hvm->nmi_window(v->vendor, open);
		v->nmi_window_open = open;
	}
}

/* An NMI the local APIC holds (LINT1, an IPI), taken as soon as the guest is not in the
 * handler of the last one (SDM vol.3 §6.7.1): whatever RFLAGS.IF and the TPR say. True if
 * one waits still. */
static bool deliver_nmi(struct vcpu *v, bool completed)
{
	bool waiting = vlapic_nmi_pending(v->lapic);
	if (waiting && hvm->nmi_allowed(v->vendor, completed)) {
		vlapic_take_nmi(v->lapic);
		hvm->inject_event(v->vendor, HVM_EVENT_NMI, X86_NMI, false, 0);
		waiting = false;
	}
	nmi_window(v, waiting);
	return waiting;
}

void events_tpr_to_guest(struct vcpu *v)
{
	if (hvm->set_guest_cr8)
		hvm->set_guest_cr8(v->vendor, (uint8_t)vlapic_cr8(v->lapic));
}

void events_before_entry(struct vcpu *v, bool interrupted, bool completed)
{
	/* An exit during an event's delivery (a host interrupt arriving meanwhile, a fault on
	 * the guest's IDT or stack) leaves the event undelivered: it comes again, before
	 * anything else. */
	if (interrupted)
		hvm->redeliver(v->vendor);
	if (!v->events_due)
		return;
	bool nmi_waits = deliver_nmi(v, completed);
	if (!interrupt_pending(v)) {
		interrupt_window(v, false);
		v->events_due = nmi_waits; /* an NMI that waits is looked at after each exit */
		return;
	}
	if (!hvm->interrupt_allowed(v->vendor, completed)) {
		interrupt_window(v, true); /* the guest exits as soon as it can take it */
		return;
	}
	hvm->inject_event(v->vendor, HVM_EVENT_INTERRUPT, take_interrupt(v), false, 0);
	interrupt_window(v, false);
}
