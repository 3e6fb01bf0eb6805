/* Keel's own console (see keel_console.h). */
#include "lib/log.h"
#include "lib/printf.h"
#include "vmm/domain.h"
#include "vmm/keel_console.h"
#include "vmm/report.h"

static const char *state_of(const struct domain *d)
{
	switch (d->state) {
	case DOMAIN_RUNNING:
		return d->vcpu.state == VCPU_BLOCKED ? "blocked" : "running";
	case DOMAIN_ENDING:
		return "ending";
	case DOMAIN_RESTARTING:
		return "restarting";
	case DOMAIN_ENDED:
		return "ended";
	case DOMAIN_PRESERVED:
		return "preserved";
	}
	return "?";
}

static void list_domains(void)
{
	kprintf("%-24s %-10s %-8s %10s %8s %12s\n", "domain", "state", "ended", "cpu ms", "restarts", "exits");
	for (unsigned i = 0; i < domain_count(); i++) {
		const struct domain *d = domain_at(i);
		if (domain_slot_empty(d))
			continue;
		char who[48];
		ksnprintf(who, sizeof(who), "dom%u %s", d->id, d->config.name);
		uint64_t exits = 0;
		for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
			exits += d->vcpu.exits[r];
		/* How it ended last: a running domain that restarted has ended before. */
		const char *ended = d->state == DOMAIN_RUNNING && !d->restarts ? "-" : domain_end_reason_name(d->end.reason);
		kprintf("%-24s %-10s %-8s %10llu %8u %12llu\n", who, state_of(d), ended,
			(unsigned long long)(d->cpu_ns / 1000000), d->restarts, (unsigned long long)exits);
	}
}

void keel_console_help(void)
{
	log_info("keel console: l lists the domains, e shows their exits by reason, h shows these keys; "
		 "Ctrl-A three times moves the input on");
}

void keel_console_key(uint8_t key)
{
	switch (key) {
	case 'l':
		list_domains();
		break;
	case 'e':
		report_exit_table();
		break;
	case 'h':
	case '?':
		keel_console_help();
		break;
	case '\r':
	case '\n':
	case ' ':
		break;
	default:
		if (key >= 0x20 && key < 0x7f)
			log_info("keel console: the key '%c' means nothing here: h shows the keys", key);
		else
			log_info("keel console: the key 0x%02x means nothing here: h shows the keys", key);
	}
}
