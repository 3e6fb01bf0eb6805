/* MSRs that neither VMRUN nor a VMX transition switches between a guest and Keel (APM
 * vol.2 §15.5.1; SDM vol.3 §27.3, §28.3), and that Keel itself never uses: its code makes
 * no SYSCALL, SWAPGS or RDTSCP. Each vCPU's values are loaded before it runs, only where
 * the CPU holds something else, and stay there until another vCPU needs different ones;
 * the host's own come back with lazy_msrs_restore_host(). */
#ifndef KEEL_ARCH_X86_LAZY_MSRS_H
#define KEEL_ARCH_X86_LAZY_MSRS_H

#include <stdint.h>

enum lazy_msr {
	LAZY_KERNEL_GS_BASE,
	LAZY_STAR,
	LAZY_LSTAR,
	LAZY_CSTAR,
	LAZY_SFMASK,
	LAZY_TSC_AUX,
	LAZY_MSR_COUNT
};

#define LAZY_ALL ((1u << LAZY_MSR_COUNT) - 1)

struct lazy_msrs {
	uint64_t value[LAZY_MSR_COUNT];
};

/* Records the host's values: what the CPU holds now. */
void lazy_msrs_init(void);
extern const struct lazy_msrs *lazy_msrs_owner; /* whose values the CPU holds, NULL if unsure */
void lazy_msrs_switch(const struct lazy_msrs *m, unsigned mask);

/* Makes the CPU hold m's values for the MSRs in mask (bits of enum lazy_msr; a vendor
 * always gives the same). One comparison, inline, when m's are the ones loaded last. */
static inline void lazy_msrs_load(const struct lazy_msrs *m, unsigned mask)
{
	if (m != lazy_msrs_owner)
		lazy_msrs_switch(m, mask);
}
/* Changes one of m's values, and the CPU's MSR too if it holds m's. */
void lazy_msrs_set(struct lazy_msrs *m, enum lazy_msr which, uint64_t value);
/* m is about to go: the CPU no longer holds anyone's values for sure. */
void lazy_msrs_forget(const struct lazy_msrs *m);
/* Puts the host's values back. */
void lazy_msrs_restore_host(void);

#endif
