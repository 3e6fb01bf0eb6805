/* The interrupts Keel itself takes (SDM vol.3 chapter 6): its local APIC's timer, the APIC's
 * spurious vector and NMIs. Keel runs with interrupts off (RFLAGS.IF = 0) except where it
 * waits for one: while a guest runs, and while it halts with nothing to run. */
#ifndef KEEL_ARCH_X86_INTERRUPTS_H
#define KEEL_ARCH_X86_INTERRUPTS_H

#include <stdint.h>

#define VEC_NMI 2
#define VEC_TIMER 0xf0    /* the local APIC timer (drivers/lapic.c) */
#define VEC_SPURIOUS 0xff /* low nibble all ones, as older APICs need (SDM vol.3 §11.9) */

/* Called from the IDT (arch/x86/interrupt_stubs.asm), or after an exit that acknowledged
 * the interrupt itself (VT-x), with the vector: the timer gets its EOI, an NMI is counted. */
void host_interrupt(uint64_t vector);

/* Called on each NMI, after it is counted, if set (vmm/watchdog.c's check). */
extern void (*host_nmi_hook)(void);

/* How many of each Keel has taken, for the final report; with the guests' debug traps that
 * an emulator delivered to Keel after a VM exit, which Keel drops (exceptions.c). */
struct host_interrupt_counts {
	uint64_t timer, nmi, spurious, guest_debug_traps;
};
extern struct host_interrupt_counts host_interrupts;

/* Lets an interrupt the CPU holds pending be delivered now, then turns interrupts off. */
static inline void host_interrupt_window(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory"); /* STI holds off delivery for one instruction */
}

#endif
