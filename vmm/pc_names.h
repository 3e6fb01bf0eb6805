/* Names for what a guest reached and found nothing at: what a PC usually has at a
 * guest-physical address ("local APIC ID register", "HPET main counter value register"),
 * and the well-known name of an MSR ("IA32_MISC_ENABLE", "IA32_MC2_STATUS"). The log
 * lines of vmm/guest_log.c say them, so that a user sees at once what a kernel looked for.
 * Host code: two constant tables and the domain's layout. */
#ifndef KEEL_VMM_PC_NAMES_H
#define KEEL_VMM_PC_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include "vmm/layout.h"

#define PC_NAME_MAX 96 /* room for any name these write */

/* What is at gpa, as a phrase: what a PC usually has there, else where it lies in the
 * domain's layout ("the MMIO hole, where this domain has no device", "beyond the domain's
 * RAM"). */
void pc_name_address(const struct guest_layout *l, uint64_t gpa, char *name, size_t len);

/* The MSR's well-known name, or "no well-known name". */
void pc_name_msr(uint32_t index, char *name, size_t len);

#endif
