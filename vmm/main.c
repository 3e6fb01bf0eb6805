/* The vendor-neutral start of Keel: read the configuration, build the domains, run them,
 * report. Reached from arch/x86/setup.c once the machine is Keel's. */
#include "arch/x86/hvm_select.h"
#include "arch/x86/platform.h"
#include "lib/log.h"
#include "vmm/config.h"
#include "vmm/domain.h"
#include "vmm/main.h"
#include "vmm/report.h"
#include "vmm/sched.h"

static struct keel_config config;
static unsigned config_problems;

static void report_config_problem(void *ctx, int line, const char *msg)
{
	(void)ctx;
	log_error("keel.cfg:%d: %s", line, msg);
}

static void read_config(const struct boot_info *boot)
{
	if (boot->config_size == 0) {
		log_error("no keel.cfg was handed over by the boot loader: nothing to run");
		platform_exit(KEEL_STATUS_BAD_CONFIG);
	}
	const char *text = (const char *)(uintptr_t)boot->config_base;
	config_problems = (unsigned)config_parse(text, boot->config_size, &config, report_config_problem, NULL);
	log_set_level(config.loglevel);
	platform_set_exit_ports(config.exit_port, config.shutdown_port);
}

void vmm_main(const struct boot_info *boot)
{
	read_config(boot);

	const char *missing = hvm_select();
	if (missing) {
		log_error("Keel cannot run guests on this CPU: %s.", missing);
		platform_exit(KEEL_STATUS_UNSUPPORTED_CPU);
	}
	int err = hvm->cpu_enable();
	if (err) {
		log_error("cannot turn on %s (error %d)", hvm->name, err);
		platform_exit(KEEL_STATUS_PANIC);
	}
	log_info("%s: enabled, nested paging with %s pages", hvm->name,
		 hvm->npt_format->large_1g ? "4 KiB, 2 MiB and 1 GiB" : "4 KiB and 2 MiB");

	unsigned not_built = 0;
	for (unsigned i = 0; i < config.ndomains; i++)
		if (!domain_build(&config.domains[i], boot))
			not_built++;
	if (domain_count() == 0) {
		log_error("no domain could be started: check keel.cfg and the guest images");
		platform_exit(KEEL_STATUS_BAD_CONFIG);
	}

	log_info("scheduler: running %u domain%s", domain_count(), domain_count() == 1 ? "" : "s");
	sched_run();
	log_info("all domains have ended");
	platform_exit(report_run(not_built, config_problems));
}
