/* The values XSETBV accepts for XCR0 (SDM vol.2B "XSETBV", vol.1 §13.3), checked against
 * the components Keel lets a domain enable (cpu.guest_xcr0) rather than all the CPU has. */
#ifndef KEEL_VMM_XCR0_H
#define KEEL_VMM_XCR0_H

#include <stdint.h>

/* NULL if a CPU offering only `offered` would accept value, else why it gives #GP. */
const char *xcr0_refusal(uint64_t value, uint64_t offered);

#endif
