/* The 8254 programmable interval timer of the PC (Intel 8254 data sheet): three channels
 * counting down at PIT_HZ. Channel 2, gated through port 0x61, times the TSC's calibration
 * (drivers/tsc.c); channel 0, whose output is ISA IRQ 0, paces the watchdog's NMIs
 * (vmm/watchdog.c). */
#ifndef KEEL_DRIVERS_PIT_H
#define KEEL_DRIVERS_PIT_H

#include <stdint.h>
#include "arch/x86/cpu.h"

#define PIT_HZ 1193182
#define PIT_CHANNEL0 0x40
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PIT_CH0_MODE2_LOHI 0x34 /* channel 0, low then high byte, mode 2 (rate generator), binary */

/* Channel 0 pulses its output count / PIT_HZ seconds apart, for good (mode 2); count 0
 * counts 65536. */
static inline void pit_channel0_periodic(uint16_t count)
{
	outb(PIT_COMMAND, PIT_CH0_MODE2_LOHI);
	outb(PIT_CHANNEL0, count & 0xff);
	outb(PIT_CHANNEL0, count >> 8);
}

#endif
