/* What the hypercall handlers share: vmm/hypercall.c dispatches and has the calls a domain
 * makes on itself, vmm/domctl.c those on other domains and the machine (domain control). */
#ifndef KEEL_VMM_HYPERCALL_H
#define KEEL_VMM_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/domain.h"

/* A hypercall as its handler sees it: the caller, and how much of each register is the
 * guest's (outside 64-bit mode only the low halves). Two words, passed in registers. */
struct hypercall {
	struct vcpu *v;
	uint64_t mask;
};

/* Argument i (0-4): RDI, RSI, RDX, R10, R8, read only by the handlers that take it. */
static inline uint64_t hypercall_arg(struct hypercall hc, unsigned i)
{
	static const uint8_t regs[] = { REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8 };
	return hc.v->regs.gpr[regs[i]] & hc.mask;
}

/* [gpa, gpa + len) is the caller's RAM, all of it in one of its layout's RAM ranges. */
static inline bool hypercall_in_ram(const struct domain *d, uint64_t gpa, uint64_t len)
{
	return layout_is_ram(&d->layout, gpa, len);
}

/* Domain control: the access policy has allowed the call, and target is the domain it
 * names (its first argument), or NULL for one that names none. */
int64_t hc_domain_list(struct hypercall hc, struct domain *target);
int64_t hc_domain_pause(struct hypercall hc, struct domain *target);
int64_t hc_domain_unpause(struct hypercall hc, struct domain *target);
int64_t hc_domain_destroy(struct hypercall hc, struct domain *target);
int64_t hc_domain_sched(struct hypercall hc, struct domain *target);
int64_t hc_host_info(struct hypercall hc, struct domain *target);
int64_t hc_domain_shutdown(struct hypercall hc, struct domain *target);
int64_t hc_console_read(struct hypercall hc, struct domain *target);
int64_t hc_console_input(struct hypercall hc, struct domain *target);
int64_t hc_keel_log(struct hypercall hc, struct domain *target);
int64_t hc_domain_create(struct hypercall hc, struct domain *target); /* vmm/create.c */

#endif
