#include "lib/log.h"
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

void events_before_entry(struct vcpu *v, bool interrupted, bool completed)
{
	/* An exit during an event's delivery (a host interrupt arriving meanwhile, a fault on
	 * the guest's IDT or stack) leaves the event undelivered: it comes again, before
	 * anything else. */
	if (interrupted)
		hvm->redeliver(v->vendor);
	if (!v->events_due)
		return;
	if (vlapic_take_nmi(v->lapic) && !v->nmi_dropped) {
		v->nmi_dropped = true;
		log_warn("dom%u %s: an NMI for its vCPU was dropped: Keel does not deliver NMIs to guests yet",
			 v->dom->id, v->dom->config.name);
	}
	if (!interrupt_pending(v)) {
		interrupt_window(v, false);
		v->events_due = false; /* the local APIC raises its output again for the next */
		return;
	}
	if (!hvm->interrupt_allowed(v->vendor, completed)) {
		interrupt_window(v, true); /* the guest exits as soon as it can take it */
		return;
	}
	hvm->inject_event(v->vendor, HVM_EVENT_INTERRUPT, take_interrupt(v), false, 0);
	interrupt_window(v, false);
}

/* Lowering the task priority may let a held-back interrupt through: the local APIC raises
 * its output then (vlapic_set_cr8), and the vCPU takes it before this entry. */
void events_cr8_written(struct vcpu *v, uint8_t cr8)
{
	vlapic_set_cr8(v->lapic, cr8);
}
