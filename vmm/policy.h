/* The access policy (docs/policy.md), checked on every hypercall before it runs, as Xen's
 * XSM is: (caller, operation, target domain) -> allow or deny.
 *
 * Every domain may act on itself (console_write, yield, domain_info, ...). dom0 may do
 * everything, to every domain. Another domain may act on the domains its configuration's
 * `rights` name, with the rights given there, and on no other; it never gets rights over
 * dom0, nor those that concern Keel and the machine as a whole. A denied call gets -EPERM,
 * is counted in the caller's domain and logged, rate-limited (vmm/guest_log.h). */
#ifndef KEEL_VMM_POLICY_H
#define KEEL_VMM_POLICY_H

#include <stdbool.h>

enum policy_op {
	POLICY_SELF,    /* on the caller itself: every domain may */
	POLICY_INFO,    /* see the target (domain_list): any right over it gives this one */
	POLICY_PAUSE,   /* pause and unpause it */
	POLICY_DESTROY, /* destroy it */
	POLICY_SCHED,   /* set its weight and cap */
	POLICY_SHUTDOWN, /* ask it to power off (its ACPI power button), or reset it */
	POLICY_CONSOLE, /* read its console, type to its COM1 */
	POLICY_LIST,    /* list domains, no target: dom0, and a domain with rights over any */
	POLICY_HOST,    /* about Keel and the machine, no target: dom0 only */
	POLICY_OPS
};

/* The operation names a target domain (the hypercall's first argument is its id). */
static inline bool policy_op_has_target(enum policy_op op)
{
	return op >= POLICY_INFO && op <= POLICY_CONSOLE;
}

struct domain;

/* May caller do op to target? target is NULL for an operation without one, or when no
 * domain has the id the caller named (then only dom0 may go on, to learn -ESRCH). */
bool policy_allows(const struct domain *caller, enum policy_op op, const struct domain *target);

#endif
