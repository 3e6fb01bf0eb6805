/* The vendor-neutral start of Keel: read the configuration, build the domains, run them,
 * report. Reached from arch/x86/setup.c once the machine is Keel's. */
#include "arch/x86/cpu_activity.h"
#include "arch/x86/host_state.h"
#include "arch/x86/hvm_select.h"
#include "arch/x86/interrupts.h"
#include "arch/x86/paging.h"
#include "arch/x86/platform.h"
#include "drivers/acpi.h"
#include "lib/log.h"
#include "lib/string.h"
#include "vmm/config.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/main.h"
#include "vmm/report.h"
#include "vmm/sched.h"
#include "vmm/serial_input.h"
#include "vmm/watchdog.h"

static struct keel_config config;
static unsigned config_problems;

static void report_config_problem(void *ctx, int line, const char *msg)
{
	(void)ctx;
	log_error("keel.cfg:%d: %s", line, msg);
}

/* Refuses an exit or shutdown port that this machine's ACPI tables say resets or powers
 * it off (the fixed PC ones were refused by the parser). */
static void check_end_port(const struct acpi_control_ports *ports, const char *key, uint16_t *port, int line)
{
	const struct acpi_port_range *r = *port ? acpi_port_lookup(ports, *port) : NULL;
	if (!r)
		return;
	log_error("keel.cfg:%d: %s = 0x%x: refused: port 0x%x is %s (0x%x-0x%x), through which the machine "
		  "powers off or resets", line, key, *port, *port, r->what, r->first, r->first + r->count - 1);
	*port = 0;
	config_problems++;
}

static void check_end_ports(const struct boot_info *boot)
{
	struct acpi_control_ports ports = { 0 };
	char err[ACPI_ERROR_MAX];
	if (acpi_find_control_ports(boot->rsdp, paging_map_firmware, NULL, &ports, err, sizeof(err)))
		log_info("acpi: %s: only the PC's fixed reset ports are refused as exit ports", err);
	for (unsigned i = 0; i < ports.count; i++)
		log_debug("acpi: ports 0x%x-0x%x: %s", ports.range[i].first,
			  ports.range[i].first + ports.range[i].count - 1, ports.range[i].what);
	check_end_port(&ports, "exit_port", &config.exit_port, config.exit_port_line);
	check_end_port(&ports, "shutdown_port", &config.shutdown_port, config.shutdown_port_line);
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
	check_end_ports(boot);
	platform_set_exit_ports(config.exit_port, config.shutdown_port);
}

/* One domain of keel.cfg, from the boot modules; false, having said why, if it is not. */
static bool build(const struct domain_config *cfg, const struct boot_info *boot, bool dom0)
{
	const struct domain_files files = { boot->modules, boot->module_count, "the boot modules" };
	char why[200];
	if (domain_create(cfg, &files, dom0, why, sizeof(why)))
		return true;
	log_error("keel.cfg:%d: domain '%s' not started: %s", cfg->line, cfg->name, why);
	return false;
}

void vmm_main(const struct boot_info *boot)
{
	cpu_activity_set("reading keel.cfg", NULL, 0);
	read_config(boot);

	cpu_activity_set("turning on hardware virtualization", NULL, 0);
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
	host_state_record();
	msrs_init();
	cpuid_init();

	sched_init(config.timeslice_ms);
	unsigned not_built = 0;
	/* dom0 first, as domain 0; without it a configuration that names it has no manager. */
	for (unsigned i = 0; i < config.ndomains; i++) {
		if (strcmp(config.domains[i].name, config.dom0) != 0)
			continue;
		cpu_activity_set("building", config.dom0, DOM0_ID);
		if (!build(&config.domains[i], boot, true)) {
			log_error("dom0 %s could not be built: Keel stops, as nothing would manage the machine",
				  config.dom0);
			platform_exit(KEEL_STATUS_BAD_CONFIG);
		}
	}
	for (unsigned i = 0; i < config.ndomains; i++) {
		if (strcmp(config.domains[i].name, config.dom0) == 0)
			continue;
		cpu_activity_set("building", config.domains[i].name, domain_next_id());
		if (!build(&config.domains[i], boot, false))
			not_built++;
	}
	if (domain_count() == 0) {
		log_error("no domain could be started: check keel.cfg and the guest images");
		platform_exit(KEEL_STATUS_BAD_CONFIG);
	}

	log_info("scheduler: running %u domain%s, time slice %u ms", domain_count(), domain_count() == 1 ? "" : "s",
		 config.timeslice_ms);
	serial_input_init(config.serial_input[0] ? config.serial_input : config.dom0);
	watchdog_start(config.watchdog_s, boot->rsdp);
	sched_run();
	cpu_activity_set("ending the run: checks and the report", NULL, 0);
	watchdog_stop();
	bool waiting = false;
	for (unsigned i = 0; i < domain_count(); i++)
		waiting |= domain_at(i)->state == DOMAIN_RUNNING;
	log_info(waiting ? "scheduler: no vCPU can run any more" : "all domains have ended");
	char changed[160];
	if (host_state_check(changed, sizeof(changed)))
		log_error("host MSRs, control registers or XCR0 changed while guests ran: %s", changed);
	else
		log_info("host MSRs, control registers and XCR0: as Keel set them up, none changed by a guest");
	log_info("host interrupts taken: timer %llu, NMI %llu, spurious %llu; guests' debug traps dropped %llu",
		 (unsigned long long)host_interrupts.timer, (unsigned long long)host_interrupts.nmi,
		 (unsigned long long)host_interrupts.spurious, (unsigned long long)host_interrupts.guest_debug_traps);
	platform_exit(report_run(not_built, config_problems));
}
