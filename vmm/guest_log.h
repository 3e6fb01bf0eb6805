/* The log lines that say what a guest reached and found nothing at: an MSR Keel answers
 * with #GP, guest-physical space where nothing is (read as all ones, or the access that
 * ends a domain with unbacked = "crash"), and a hypercall the access policy denies it
 * (vmm/policy.h). Each names the MSR or the address and what a PC
 * usually has there (vmm/pc_names.h), so that a user sees at once why a kernel stopped:
 *
 *   [warn] dom3 probe: read of MSR 0x1a2 (MSR_TEMPERATURE_TARGET) at rip 0x1000e9: #GP, Keel
 *          does not offer it
 *   [warn] dom3 probe: 4-byte read of 0xfed000f0 (HPET main counter value register) at rip
 *          0x100131: nothing is there, read as all ones
 *   [warn] dom2 web: hypercall domain_pause on domain 1 at rip 0x1001f3: denied by the access
 *          policy
 *
 * A guest may do either without end, so each kind is rate-limited per domain: the first
 * GUEST_LOG_LINES of a life are shown, the rest counted, and the count said in one line when
 * the life ends. The count is the domain's own (not a global one): its vCPUs add to it
 * atomically. */
#ifndef KEEL_VMM_GUEST_LOG_H
#define KEEL_VMM_GUEST_LOG_H

#include <stdbool.h>
#include <stdint.h>

#define GUEST_LOG_LINES 8 /* of each kind, per domain life */

enum guest_log_kind { GUEST_LOG_MSR, GUEST_LOG_UNBACKED, GUEST_LOG_DENIED, GUEST_LOG_KINDS };

/* How many of each kind a domain's guest made in its life, shown or not: the domain's
 * (struct domain), so that the exit path neither allocates nor searches to count one. */
struct guest_log_counts {
	uint64_t seen[GUEST_LOG_KINDS];
};

struct domain;
struct vcpu;

/* A life of d begins: nothing seen yet. */
void guest_log_reset(struct domain *d);
/* RDMSR or WRMSR of index gets #GP: known, the MSR exists and refused value (a write) or the
 * read; else Keel does not offer the MSR. */
void guest_log_msr(struct vcpu *v, uint32_t index, bool write, uint64_t value, bool known);
/* A size-byte read or write at gpa found nothing: it reads all ones, or goes nowhere. */
void guest_log_unbacked(struct vcpu *v, uint64_t gpa, unsigned size, bool write);
/* The access policy denied hypercall `name` to the guest, on the domain with id target if
 * the call names one. */
void guest_log_denied(struct vcpu *v, const char *name, bool has_target, uint64_t target);
/* How many hypercalls the policy has denied d in its life. */
uint64_t guest_log_denials(const struct domain *d);
/* The life of d has ended: a line for each kind with lines not shown. */
void guest_log_summary(struct domain *d);

#endif
