#include "lib/log.h"
#include "lib/printf.h"
#include "vmm/domain.h"
#include "vmm/guest_log.h"
#include "vmm/pc_names.h"

static const char *const kind_text[GUEST_LOG_KINDS] = {
	[GUEST_LOG_MSR] = "MSR accesses answered with #GP",
	[GUEST_LOG_UNBACKED] = "accesses where nothing is",
	[GUEST_LOG_DENIED] = "hypercalls denied by the access policy",
};

/* Counts one of kind; true if its line is to be shown. */
static bool take(struct domain *d, enum guest_log_kind kind)
{
	return __atomic_fetch_add(&d->log_counts.seen[kind], 1, __ATOMIC_RELAXED) < GUEST_LOG_LINES;
}

void guest_log_reset(struct domain *d)
{
	uint64_t *counts = d->log_counts.seen;
	for (unsigned k = 0; k < GUEST_LOG_KINDS; k++)
		__atomic_store_n(&counts[k], 0, __ATOMIC_RELAXED);
}

void guest_log_msr(struct vcpu *v, uint32_t index, bool write, uint64_t value, bool known)
{
	struct domain *d = v->dom;
	char name[PC_NAME_MAX], why[48];
	if (!take(d, GUEST_LOG_MSR))
		return;
	pc_name_msr(index, name, sizeof(name));
	if (!known)
		ksnprintf(why, sizeof(why), "Keel does not offer it");
	else if (write)
		ksnprintf(why, sizeof(why), "it refuses the value 0x%llx", (unsigned long long)value);
	else
		ksnprintf(why, sizeof(why), "it cannot be read now");
	log_warn("dom%u %s: %s of MSR 0x%x (%s) at rip 0x%llx: #GP, %s", d->id, d->config.name,
		 write ? "write" : "read", index, name, (unsigned long long)v->regs.rip, why);
}

void guest_log_unbacked(struct vcpu *v, uint64_t gpa, unsigned size, bool write)
{
	struct domain *d = v->dom;
	char name[PC_NAME_MAX];
	if (!take(d, GUEST_LOG_UNBACKED))
		return;
	pc_name_address(&d->layout, gpa, name, sizeof(name));
	log_warn("dom%u %s: %u-byte %s 0x%llx (%s) at rip 0x%llx: nothing is there, %s", d->id, d->config.name,
		 size, write ? "write to" : "read of", (unsigned long long)gpa, name, (unsigned long long)v->regs.rip,
		 write ? "the write goes nowhere" : "read as all ones");
}

void guest_log_denied(struct vcpu *v, const char *name, bool has_target, uint64_t target)
{
	struct domain *d = v->dom;
	char on[32] = "";
	if (!take(d, GUEST_LOG_DENIED))
		return;
	if (has_target)
		ksnprintf(on, sizeof(on), " on domain %llu", (unsigned long long)target);
	log_warn("dom%u %s: hypercall %s%s at rip 0x%llx: denied by the access policy", d->id, d->config.name, name,
		 on, (unsigned long long)v->regs.rip);
}

uint64_t guest_log_denials(const struct domain *d)
{
	return __atomic_load_n(&d->log_counts.seen[GUEST_LOG_DENIED], __ATOMIC_RELAXED);
}

void guest_log_summary(struct domain *d)
{
	uint64_t *counts = d->log_counts.seen;
	for (unsigned k = 0; k < GUEST_LOG_KINDS; k++) {
		uint64_t n = __atomic_load_n(&counts[k], __ATOMIC_RELAXED);
		if (n > GUEST_LOG_LINES)
			log_warn("dom%u %s: %llu more %s, not shown (%llu in all)", d->id, d->config.name,
				 (unsigned long long)(n - GUEST_LOG_LINES), kind_text[k], (unsigned long long)n);
	}
}
