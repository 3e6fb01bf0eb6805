#include "arch/x86/cpu_activity.h"

static struct cpu_activity activities[1]; /* per physical CPU */

static struct cpu_activity *this_cpu_activity(void)
{
	return &activities[0]; /* Keel runs on the boot CPU only, for now */
}

void cpu_activity_set(const char *what, const char *domain_name, unsigned domain_id)
{
	struct cpu_activity *a = this_cpu_activity();
	a->what = what;
	a->domain_name = domain_name;
	a->domain_id = domain_id;
}

const struct cpu_activity *cpu_activity_get(void)
{
	return this_cpu_activity();
}
