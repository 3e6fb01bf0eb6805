/* The host's own MSRs, as Keel set them up: recorded once virtualization is on, and
 * checked at the end of the run, so that a test can tell no guest access reached one. */
#ifndef KEEL_ARCH_X86_HOST_MSRS_H
#define KEEL_ARCH_X86_HOST_MSRS_H

#include <stddef.h>

void host_msrs_record(void);
/* Puts back the MSRs Keel switches lazily for guests (arch/x86/lazy_msrs.h), then compares
 * every recorded MSR. Returns how many differ; their names go into changed (", "-separated). */
unsigned host_msrs_check(char *changed, size_t len);

#endif
