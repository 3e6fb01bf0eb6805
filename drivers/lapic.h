/* The local APIC (SDM vol.3 chapter 11), taken over from the firmware: every LVT entry
 * masked but the timer and LINT1 (the platform's NMI), Keel's own spurious and timer vectors (arch/x86/interrupts.h), and
 * a one-shot timer that Keel arms for a TSC value: in TSC-deadline mode where the CPU has
 * it (CPUID.1:ECX[24]), else in one-shot mode with the count converted from TSC ticks. */
#ifndef KEEL_DRIVERS_LAPIC_H
#define KEEL_DRIVERS_LAPIC_H

#include <stdint.h>

/* After tsc_init and cpu_detect. Returns 0, or -ENODEV without a usable APIC. */
int lapic_init(void);
/* The timer interrupts once the TSC reaches tsc (at once if it has); 0 stops it. */
void lapic_timer_at(uint64_t tsc);
void lapic_eoi(void);
/* This CPU's local APIC id (xAPIC: 8 bits; x2APIC: 32). */
uint32_t lapic_id(void);

#endif
