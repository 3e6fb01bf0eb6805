/* The host's own MSRs, control registers and XCR0, as Keel set them up: recorded once
 * virtualization is on, and checked at the end of the run, so that a test can tell no
 * guest access reached one. */
#ifndef KEEL_ARCH_X86_HOST_STATE_H
#define KEEL_ARCH_X86_HOST_STATE_H

#include <stddef.h>

void host_state_record(void);
/* Puts back the MSRs and the state Keel leaves to a guest while it runs (arch/x86/lazy_msrs.h,
 * owned_state.h), then compares XCR0, CR0, CR3, CR4 and every recorded MSR with what the CPU
 * holds. Returns how many differ; their names go into changed (", "-separated). */
unsigned host_state_check(char *changed, size_t len);

#endif
