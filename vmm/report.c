#include "lib/log.h"
#include "lib/printf.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/report.h"
#include "vmm/sched.h"

/* What became of the domain: its last end, or "blocked" if it still waits. */
static const char *outcome(const struct domain *d)
{
	if (d->state == DOMAIN_RUNNING)
		return d->paused ? "paused" : d->vcpu.state == VCPU_BLOCKED ? "blocked" : "running";
	return domain_end_reason_name(d->end.reason);
}

void report_exit_table(void)
{
	kprintf("exits by reason:\n%-24s %-9s %6s %8s", "domain", "ended", "status", "restarts");
	for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
		kprintf(" %9s", exit_reason_name(r));
	kprintf(" %9s\n", "total");
	for (unsigned i = 0; i < domain_count(); i++) {
		const struct domain *d = domain_at(i);
		if (domain_slot_empty(d))
			continue;
		char who[48], status[16] = "-";
		ksnprintf(who, sizeof(who), "dom%u %s", d->id, d->config.name);
		if (d->state != DOMAIN_RUNNING && d->end.has_status)
			ksnprintf(status, sizeof(status), "%u", d->end.status);
		kprintf("%-24s %-9s %6s %8u", who, outcome(d), status, d->restarts);
		uint64_t total = 0;
		for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
			kprintf(" %9llu", (unsigned long long)d->vcpu.exits[r]);
			total += d->vcpu.exits[r];
		}
		kprintf(" %9llu\n", (unsigned long long)total);
	}
	kprintf("\n");
}

/* Each domain's CPU time (its guest's and Keel's work for it, over all its restarts), that
 * of the destroyed domains whose slots were taken again, the time Keel spent on no domain's
 * behalf (picking, switching) and the time the CPU was idle, in ns: together, the
 * scheduler's whole run. */
static void print_cpu_time(void)
{
	uint64_t domains_ns = domain_retired()->cpu_ns;
	kprintf("cpu time:\n%-24s %6s %4s %14s\n", "domain", "weight", "cap", "ns");
	for (unsigned i = 0; i < domain_count(); i++) {
		const struct domain *d = domain_at(i);
		if (domain_slot_empty(d))
			continue;
		char who[48];
		ksnprintf(who, sizeof(who), "dom%u %s", d->id, d->config.name);
		kprintf("%-24s %6u %4u %14llu\n", who, d->config.weight, d->config.cap, (unsigned long long)d->cpu_ns);
		domains_ns += d->cpu_ns;
	}
	if (domain_retired()->cpu_ns)
		kprintf("%-24s %6s %4s %14llu\n", "retired", "-", "-", (unsigned long long)domain_retired()->cpu_ns);
	kprintf("%-24s %6s %4s %14llu\n", "keel", "-", "-",
		(unsigned long long)(sched_elapsed_ns() - sched_idle_ns() - domains_ns));
	kprintf("%-24s %6s %4s %14llu\n\n", "idle", "-", "-", (unsigned long long)sched_idle_ns());
}

/* What each domain's guest wrote to its console, what Keel sent to its serial line and
 * what it dropped (bytes of lines, each with its newline), and the longest a line waited. */
static void print_console(void)
{
	kprintf("console (bytes):\n%-24s %12s %12s %12s %14s\n", "domain", "written", "shown", "dropped",
		"max delay us");
	for (unsigned i = 0; i < domain_count(); i++) {
		const struct domain *d = domain_at(i);
		if (domain_slot_empty(d))
			continue;
		const struct console_stats *c = &d->console.stats;
		char who[48];
		ksnprintf(who, sizeof(who), "dom%u %s", d->id, d->config.name);
		kprintf("%-24s %12llu %12llu %12llu %14llu\n", who, (unsigned long long)c->written,
			(unsigned long long)c->shown, (unsigned long long)c->dropped,
			(unsigned long long)(c->max_delay_ns / 1000));
	}
	kprintf("\n");
}

/* What each domain held as of its last build, and what all of them share, in bytes. */
static void print_memory(void)
{
	kprintf("memory (bytes):\n%-24s %12s %12s %12s\n", "domain", "guest RAM", "Keel's own", "page tables");
	for (unsigned i = 0; i < domain_count(); i++) {
		const struct domain *d = domain_at(i);
		if (domain_slot_empty(d))
			continue;
		char who[48];
		ksnprintf(who, sizeof(who), "dom%u %s", d->id, d->config.name);
		kprintf("%-24s %12llu %12llu %12llu\n", who, (unsigned long long)d->memory.ram,
			(unsigned long long)d->memory.own, (unsigned long long)d->memory.page_tables);
	}
	kprintf("%-24s %12s %12llu %12s\n\n", "shared", "-", (unsigned long long)hvm->shared_bytes, "-");
}

enum keel_status report_run(unsigned not_built, unsigned config_problems)
{
	struct domain_tally t = *domain_retired();
	for (unsigned i = 0; i < domain_count(); i++) {
		const struct domain *d = domain_at(i);
		if (domain_slot_empty(d))
			continue;
		if (d->state == DOMAIN_RUNNING && d->paused)
			log_warn("dom%u %s: blocked forever: it is paused, and no domain is left to unpause it", d->id,
				 d->config.name);
		else if (d->state == DOMAIN_RUNNING)
			log_warn("dom%u %s: blocked forever: it waits for an event, and none can come", d->id,
				 d->config.name);
		domain_tally_add(&t, d);
	}
	unsigned clean = t.clean, failed = t.failed, crashed = t.crashed, blocked = t.running;
	report_exit_table();
	print_cpu_time();
	print_console();
	print_memory();

	kprintf("Keel finished: %u ended cleanly, %u crashed", clean, crashed);
	if (failed)
		kprintf(", %u ended with a non-zero exit status or in a restart loop", failed);
	if (blocked)
		kprintf(", %u blocked forever", blocked);
	if (not_built)
		kprintf(", %u not built", not_built);
	if (config_problems)
		kprintf(", %u problem%s in keel.cfg", config_problems, config_problems == 1 ? "" : "s");
	kprintf("\n");
	return failed || crashed || blocked || not_built || config_problems ? KEEL_STATUS_DOMAIN_FAILED : KEEL_STATUS_OK;
}
