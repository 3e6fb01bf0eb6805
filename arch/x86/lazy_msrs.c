#include <stddef.h>
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/lazy_msrs.h"

static const uint32_t index[LAZY_MSR_COUNT] = {
	[LAZY_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE, [LAZY_STAR] = MSR_STAR, [LAZY_LSTAR] = MSR_LSTAR,
	[LAZY_CSTAR] = MSR_CSTAR, [LAZY_SFMASK] = MSR_SFMASK, [LAZY_TSC_AUX] = MSR_TSC_AUX,
};

static struct lazy_msrs host, loaded; /* one CPU for now: these become per-CPU with SMP */
const struct lazy_msrs *lazy_msrs_owner;
static unsigned present;              /* the MSRs this CPU has */

void lazy_msrs_init(void)
{
	present = LAZY_ALL & ~(cpu.tsc_aux ? 0 : 1u << LAZY_TSC_AUX);
	for (unsigned i = 0; i < LAZY_MSR_COUNT; i++)
		if (present & (1u << i))
			host.value[i] = loaded.value[i] = rdmsr(index[i]);
}

void lazy_msrs_switch(const struct lazy_msrs *m, unsigned mask)
{
	lazy_msrs_owner = m;
	mask &= present;
	for (unsigned i = 0; i < LAZY_MSR_COUNT; i++) {
		if ((mask & (1u << i)) && loaded.value[i] != m->value[i]) {
			wrmsr(index[i], m->value[i]);
			loaded.value[i] = m->value[i];
		}
	}
}

void lazy_msrs_set(struct lazy_msrs *m, enum lazy_msr which, uint64_t value)
{
	m->value[which] = value;
	if (m == lazy_msrs_owner && (present & (1u << which)) && loaded.value[which] != value) {
		wrmsr(index[which], value);
		loaded.value[which] = value;
	}
}

void lazy_msrs_forget(const struct lazy_msrs *m)
{
	if (m == lazy_msrs_owner)
		lazy_msrs_owner = NULL;
}

void lazy_msrs_restore_host(void)
{
	lazy_msrs_load(&host, LAZY_ALL);
	lazy_msrs_owner = NULL;
}
