#include "arch/x86/interrupts.h"
#include "drivers/lapic.h"

struct host_interrupt_counts host_interrupts;
void (*host_nmi_hook)(void);

void host_interrupt(uint64_t vector)
{
	if (vector == VEC_TIMER) {
		host_interrupts.timer++;
		lapic_eoi();
	} else if (vector == VEC_NMI) {
		host_interrupts.nmi++;
		if (host_nmi_hook)
			host_nmi_hook();
	} else {
		host_interrupts.spurious++; /* no EOI for the spurious vector (SDM vol.3 §11.9) */
	}
}
