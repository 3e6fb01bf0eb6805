/* What each physical CPU is doing, in words: set at each stage of the boot and by the
 * scheduler before each pick and each turn, read only by the report of an exception in Keel
 * (exceptions.c), which says "Keel was <what> [dom<id> <name>]". Three stores, no
 * formatting, inline: cheap enough for every turn of a vCPU. */
#ifndef KEEL_ARCH_X86_CPU_ACTIVITY_H
#define KEEL_ARCH_X86_CPU_ACTIVITY_H

struct cpu_activity {
	const char *what;        /* e.g. "taking the machine over: measuring the TSC" */
	const char *domain_name; /* NULL when no domain is involved */
	unsigned domain_id;
};

extern struct cpu_activity cpu_activities[1]; /* per physical CPU: Keel runs on the boot CPU for now */

/* This CPU's record. */
static inline struct cpu_activity *cpu_activity(void)
{
	return &cpu_activities[0];
}

/* Records what this CPU does from now on; what and domain_name must outlive the activity
 * (string literals, a domain's configuration). */
static inline void cpu_activity_set(const char *what, const char *domain_name, unsigned domain_id)
{
	struct cpu_activity *a = cpu_activity();
	a->what = what;
	a->domain_name = domain_name;
	a->domain_id = domain_id;
}

#endif
