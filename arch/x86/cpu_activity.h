/* What each physical CPU is doing, in words: set at each stage of the boot and by the
 * scheduler before each run, read only by the report of an exception in Keel
 * (exceptions.c), which says "Keel was <what> [dom<id> <name>]". Three stores, no
 * formatting: cheap enough for every run of a vCPU. */
#ifndef KEEL_ARCH_X86_CPU_ACTIVITY_H
#define KEEL_ARCH_X86_CPU_ACTIVITY_H

struct cpu_activity {
	const char *what;        /* e.g. "taking the machine over: measuring the TSC" */
	const char *domain_name; /* NULL when no domain is involved */
	unsigned domain_id;
};

/* Records what this CPU does from now on; what and domain_name must outlive the activity
 * (string literals, a domain's configuration). */
void cpu_activity_set(const char *what, const char *domain_name, unsigned domain_id);
/* This CPU's record. */
const struct cpu_activity *cpu_activity_get(void);

#endif
