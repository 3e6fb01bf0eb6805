#include <stdarg.h>
#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "drivers/tsc.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/dev/debug_exit.h"
#include "vmm/dev/debugcon.h"
#include "vmm/dev/serial_port.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/sched.h"

static struct domain domains[DOMAIN_MAX];
static unsigned ndomains;

static const char *const reason_names[] = {
	[END_POWEROFF] = "poweroff", [END_REBOOT] = "reboot", [END_CRASH] = "crash",
};

const char *domain_end_reason_name(enum end_reason reason)
{
	return (unsigned)reason < sizeof(reason_names) / sizeof(reason_names[0]) ? reason_names[reason] : "?";
}

static const struct boot_module *find_module(const struct boot_info *boot, const char *name)
{
	for (unsigned i = 0; i < boot->module_count; i++)
		if (!strcmp(boot->modules[i].name, name))
			return &boot->modules[i];
	return NULL;
}

/* Finds the kernel, the ramdisk and the modules the configuration names. Returns what is
 * missing, or NULL. */
static const char *find_images(struct domain *d, const struct boot_info *boot, char *why, size_t len)
{
	const struct domain_config *cfg = &d->config;
	struct loader_input *in = &d->images;
	const struct boot_module *m = find_module(boot, cfg->kernel);
	if (!m)
		return ksnprintf(why, len, "its kernel '%s' is not among the boot modules", cfg->kernel), why;
	*in = (struct loader_input){ .type = cfg->type };
	in->kernel = (struct loader_file){ phys_to_virt(m->base), m->size, cfg->kernel, cfg->cmdline };
	if (cfg->ramdisk[0]) {
		if (!(m = find_module(boot, cfg->ramdisk)))
			return ksnprintf(why, len, "its ramdisk '%s' is not among the boot modules", cfg->ramdisk), why;
		in->modules[in->nmodules++] = (struct loader_file){ phys_to_virt(m->base), m->size, cfg->ramdisk, "" };
	}
	for (unsigned i = 0; i < cfg->nmodules; i++) {
		const struct module_config *mc = &cfg->modules[i];
		if (!(m = find_module(boot, mc->file)))
			return ksnprintf(why, len, "its module '%s' is not among the boot modules", mc->file), why;
		in->modules[in->nmodules++] = (struct loader_file){ phys_to_virt(m->base), m->size, mc->file,
								    mc->cmdline };
	}
	return NULL;
}

static void teardown(struct domain *d)
{
	sched_remove(&d->vcpu);
	if (d->vcpu.vendor)
		hvm->vcpu_destroy(d->vcpu.vendor);
	d->vcpu.vendor = NULL;
	p2m_destroy(&d->p2m);
}

static int attach_devices(struct domain *d)
{
	int err;
	io_init(d);
	if ((err = serial_port_attach(d)) || (err = debugcon_attach(d)))
		return err;
	if (d->config.debug_exit && (err = debug_exit_attach(d, d->config.debug_exit)))
		return err;
	return 0;
}

/* Memory, kernel and modules, devices, vCPU: a domain ready to run. Returns 0, or -1 with
 * the reason in why, having freed what it took. */
static int build(struct domain *d, char *why, size_t len)
{
	const struct domain_config *cfg = &d->config;
	struct loader_result r;
	int err;

	if ((err = p2m_init(&d->p2m, cfg->memory_mib << 20))) {
		ksnprintf(why, len, "cannot allocate %llu MiB of guest memory (error %d)",
			  (unsigned long long)cfg->memory_mib, err);
		return -1;
	}
	if (loader_load(&d->p2m, &d->images, &r, why, len)) {
		p2m_destroy(&d->p2m);
		return -1;
	}
	const char *unsupported = hvm->unsupported_boot_mode(r.boot.mode);
	if (unsupported) {
		ksnprintf(why, len, "%s", unsupported);
		p2m_destroy(&d->p2m);
		return -1;
	}
	if ((err = attach_devices(d))) {
		ksnprintf(why, len, "cannot attach its devices (error %d)", err);
		p2m_destroy(&d->p2m);
		return -1;
	}
	d->vcpu = (struct vcpu){ .dom = d, .regs = r.regs };
	msrs_reset(&d->vcpu);
	if ((err = hvm->vcpu_create(&d->vcpu.vendor, d->p2m.npt.root, &r.boot))) {
		ksnprintf(why, len, "cannot create its vCPU (error %d)", err);
		teardown(d);
		return -1;
	}
	d->memory = (struct domain_memory){
		.ram = d->p2m.ram_size,
		.own = sizeof(*d) + d->console.ring_pages * PAGE_SIZE + hvm->vcpu_bytes,
		.page_tables = d->p2m.npt.table_pages * PAGE_SIZE,
	};
	d->vcpu.state = VCPU_RUNNABLE;
	d->state = DOMAIN_RUNNING;
	sched_add(&d->vcpu);
	unsigned n = d->images.nmodules;
	log_info("dom%u %s: built: %s kernel (%s) at 0x%llx-0x%llx, %u module%s, %llu MiB, entry 0x%llx", d->id,
		 cfg->name, config_kernel_type_name(r.type), r.format, (unsigned long long)r.kernel_low,
		 (unsigned long long)r.kernel_high, n, n == 1 ? "" : "s", (unsigned long long)cfg->memory_mib,
		 (unsigned long long)r.regs.rip);
	return 0;
}

struct domain *domain_create(const struct domain_config *cfg, const struct boot_info *boot)
{
	char why[200];
	if (ndomains == DOMAIN_MAX) {
		log_error("keel.cfg:%d: domain '%s' not started: Keel runs at most %u domains", cfg->line, cfg->name,
			  DOMAIN_MAX);
		return NULL;
	}
	struct domain *d = &domains[ndomains];
	memset(d, 0, sizeof(*d));
	d->id = ndomains + 1; /* domain 0 is the management domain's, once it exists */
	d->config = *cfg;
	const char *missing = find_images(d, boot, why, sizeof(why));
	if (missing) {
		log_error("keel.cfg:%d: domain '%s' not started: %s", cfg->line, cfg->name, missing);
		return NULL;
	}
	if (console_init(d, cfg->console_ring_kib)) {
		log_error("keel.cfg:%d: domain '%s' not started: no memory for its %u KiB console ring", cfg->line,
			  cfg->name, cfg->console_ring_kib);
		return NULL;
	}
	if (build(d, why, sizeof(why))) {
		log_error("keel.cfg:%d: domain '%s' not started: %s", cfg->line, cfg->name, why);
		console_free(d);
		return NULL;
	}
	ndomains++;
	return d;
}

static enum end_action policy(const struct domain *d, enum end_reason reason)
{
	switch (reason) {
	case END_POWEROFF:
		return d->config.on_poweroff;
	case END_REBOOT:
		return d->config.on_reboot;
	default:
		return d->config.on_crash;
	}
}

/* It has restarted RESTART_LIMIT times already, the first of them within the span. */
static bool restarting_in_a_loop(const struct domain *d)
{
	return d->restarts >= RESTART_LIMIT && tsc_now_ns() - d->restart_ns[0] < RESTART_SPAN_NS;
}

bool domain_ended_cleanly(const struct domain *d)
{
	return d->state != DOMAIN_RUNNING && d->end.reason != END_CRASH && !d->end.destroyed_for_looping &&
	       (!d->end.has_status || d->end.status == 0);
}

void domain_end(struct domain *d, enum end_reason reason, bool has_status, uint32_t status, const char *how_fmt, ...)
{
	char how[200], status_text[32];
	va_list ap;

	if (d->end_pending || d->state != DOMAIN_RUNNING)
		return; /* it is ending already */
	va_start(ap, how_fmt);
	kvsnprintf(how, sizeof(how), how_fmt, ap);
	va_end(ap);
	console_flush(d);
	sched_end(&d->vcpu);
	d->end_pending = true;
	d->end = (struct domain_end){ .reason = reason, .has_status = has_status, .status = status };

	enum end_action action = policy(d, reason);
	char what[64];
	ksnprintf(what, sizeof(what), "%s", action == ACTION_PRESERVE ? "preserved: its memory and vCPU are kept"
					    : action == ACTION_RESTART ? "restarting"
									: "destroyed");
	if (action == ACTION_RESTART && restarting_in_a_loop(d)) {
		d->end.destroyed_for_looping = true;
		ksnprintf(what, sizeof(what), "destroyed: it restarted %u times within %llu s", RESTART_LIMIT,
			  RESTART_SPAN_NS / 1000000000ull);
	}
	if (has_status)
		ksnprintf(status_text, sizeof(status_text), "exit status %u", status);
	else
		ksnprintf(status_text, sizeof(status_text), "no exit status");
	bool clean = reason != END_CRASH && !d->end.destroyed_for_looping && (!has_status || status == 0);
	log_msg(clean ? LOG_INFO : LOG_WARN, "dom%u %s: ended: %s, %s (%s); %s", d->id, d->config.name,
		reason_names[reason], status_text, how, what);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char why[200];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	domain_end(d, END_CRASH, false, 0, "%s", why);
}

static void restart(struct domain *d)
{
	char why[200];
	teardown(d);
	/* Remember when: restart_ns holds the last RESTART_LIMIT restarts, oldest first. */
	if (d->restarts >= RESTART_LIMIT)
		memmove(d->restart_ns, d->restart_ns + 1, sizeof(d->restart_ns) - sizeof(d->restart_ns[0]));
	d->restart_ns[d->restarts < RESTART_LIMIT ? d->restarts : RESTART_LIMIT - 1] = tsc_now_ns();
	d->restarts++;
	if (build(d, why, sizeof(why))) {
		log_error("dom%u %s: cannot restart: %s", d->id, d->config.name, why);
		console_free(d);
		d->state = DOMAIN_ENDED;
	}
}

void domain_apply_end(struct domain *d)
{
	if (!d->end_pending)
		return;
	d->end_pending = false;
	enum end_action action = policy(d, d->end.reason);
	if (action == ACTION_RESTART && !d->end.destroyed_for_looping) {
		restart(d);
	} else if (action == ACTION_PRESERVE) {
		d->state = DOMAIN_PRESERVED;
	} else {
		teardown(d);
		console_free(d);
		d->state = DOMAIN_ENDED;
	}
}

unsigned domain_count(void)
{
	return ndomains;
}

struct domain *domain_at(unsigned index)
{
	return index < ndomains ? &domains[index] : NULL;
}
