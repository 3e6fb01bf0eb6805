#include <stdarg.h>
#include "arch/x86/paging.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/dev/debugcon.h"
#include "vmm/domain.h"
#include "vmm/loader.h"

static struct domain domains[DOMAIN_MAX];
static unsigned ndomains;

static const struct boot_module *find_module(const struct boot_info *boot, const char *name)
{
	for (unsigned i = 0; i < boot->module_count; i++)
		if (!strcmp(boot->modules[i].name, name))
			return &boot->modules[i];
	return NULL;
}

struct domain *domain_build(const struct domain_config *cfg, const struct boot_info *boot)
{
	const char *what = cfg->name;
	if (ndomains == DOMAIN_MAX) {
		log_error("domain '%s' not started: Keel runs at most %u domains", what, DOMAIN_MAX);
		return NULL;
	}
	const char *unsupported = hvm->unsupported_boot_mode(
		cfg->mode == GUEST_MODE_LONG64 ? VCPU_BOOT_LONG64 : VCPU_BOOT_REAL16);
	if (unsupported) {
		log_error("domain '%s' not started: %s", what, unsupported);
		return NULL;
	}
	const struct boot_module *image = find_module(boot, cfg->kernel);
	if (!image) {
		log_error("domain '%s' not started: its kernel '%s' is not among the boot modules", what, cfg->kernel);
		return NULL;
	}
	struct domain *d = &domains[ndomains];
	memset(d, 0, sizeof(*d));
	d->id = ndomains + 1; /* domain 0 is the management domain's, once it exists */
	d->config = *cfg;
	d->state = DOMAIN_BUILDING;
	d->vcpu.dom = d;

	int err = p2m_init(&d->p2m, cfg->memory_mib << 20);
	if (err) {
		log_error("domain '%s' not started: cannot allocate %llu MiB of guest memory (error %d)", what,
			  (unsigned long long)cfg->memory_mib, err);
		return NULL;
	}
	char why[160];
	struct vcpu_boot_state start;
	if (loader_load(&d->p2m, cfg->mode, phys_to_virt(image->base), image->size, &start, &d->vcpu.regs,
			why, sizeof(why))) {
		log_error("domain '%s' not started: bad image '%s': %s", what, cfg->kernel, why);
		p2m_destroy(&d->p2m);
		return NULL;
	}
	if ((err = debugcon_attach(d))) {
		log_error("domain '%s' not started: cannot attach its debug port (error %d)", what, err);
		p2m_destroy(&d->p2m);
		return NULL;
	}
	if ((err = hvm->vcpu_create(&d->vcpu, &start))) {
		log_error("domain '%s' not started: cannot create its vCPU (error %d)", what, err);
		p2m_destroy(&d->p2m);
		return NULL;
	}
	d->vcpu.state = VCPU_RUNNABLE;
	d->state = DOMAIN_RUNNING;
	ndomains++;
	log_info("dom%u %s: built: %s, %llu MiB, entry 0x%llx", d->id, what,
		 cfg->mode == GUEST_MODE_LONG64 ? "long64" : "real16", (unsigned long long)cfg->memory_mib,
		 (unsigned long long)d->vcpu.regs.rip);
	return d;
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char why[200];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	console_flush(d);
	log_warn("dom%u %s: crashed: %s", d->id, d->config.name, why);
	d->state = DOMAIN_CRASHED;
	d->vcpu.state = VCPU_DEAD;
	if (d->config.on_crash == ON_CRASH_DESTROY) {
		hvm->vcpu_destroy(&d->vcpu);
		p2m_destroy(&d->p2m);
	}
}

void domain_update_state(struct domain *d)
{
	if (d->state == DOMAIN_CRASHED)
		return;
	if (d->vcpu.state == VCPU_STOPPED) {
		console_flush(d);
		d->state = DOMAIN_STOPPED;
		hvm->vcpu_destroy(&d->vcpu);
		p2m_destroy(&d->p2m);
	} else if (d->vcpu.state == VCPU_BLOCKED) {
		d->state = DOMAIN_BLOCKED;
	} else {
		d->state = DOMAIN_RUNNING;
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

const char *domain_state_name(enum domain_state state)
{
	static const char *const names[] = {
		[DOMAIN_BUILDING] = "building", [DOMAIN_RUNNING] = "running", [DOMAIN_BLOCKED] = "blocked",
		[DOMAIN_STOPPED] = "stopped",   [DOMAIN_CRASHED] = "crashed",
	};
	return names[state];
}
