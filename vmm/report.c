#include "lib/log.h"
#include "lib/printf.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/report.h"

enum keel_status report_run(unsigned not_built, unsigned config_problems)
{
	kprintf("exits by reason:\n%-16s %-8s", "domain", "state");
	for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
		kprintf(" %9s", exit_reason_name(r));
	kprintf(" %9s\n", "total");

	unsigned count[DOMAIN_CRASHED + 1] = { 0 };
	for (unsigned i = 0; i < domain_count(); i++) {
		const struct domain *d = domain_at(i);
		char who[48];
		ksnprintf(who, sizeof(who), "dom%u %s", d->id, d->config.name);
		kprintf("%-16s %-8s", who, domain_state_name(d->state));
		uint64_t total = 0;
		for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
			kprintf(" %9llu", (unsigned long long)d->exits[r]);
			total += d->exits[r];
		}
		kprintf(" %9llu\n", (unsigned long long)total);
		count[d->state]++;
	}
	kprintf("\n");

	enum keel_status status = KEEL_STATUS_OK;
	if (count[DOMAIN_CRASHED] || not_built || count[DOMAIN_BLOCKED] || config_problems)
		status = KEEL_STATUS_DOMAIN_FAILED;
	kprintf("Keel finished: %u stopped, %u crashed", count[DOMAIN_STOPPED], count[DOMAIN_CRASHED]);
	if (count[DOMAIN_BLOCKED])
		kprintf(", %u blocked forever", count[DOMAIN_BLOCKED]);
	if (not_built)
		kprintf(", %u not built", not_built);
	if (config_problems)
		kprintf(", %u problem%s in keel.cfg", config_problems, config_problems == 1 ? "" : "s");
	kprintf("\n");
	return status;
}
