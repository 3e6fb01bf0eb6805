#include <stdarg.h>
#include "arch/x86/cpu_features.h"
#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "drivers/tsc.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/dev/debug_exit.h"
#include "vmm/dev/debugcon.h"
#include "vmm/dev/pc_platform.h"
#include "vmm/dev/serial_port.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/guest_log.h"
#include "vmm/sched.h"

static struct domain domains[DOMAIN_MAX];
static unsigned ndomains; /* slots used so far; a destroyed domain's slot is taken again */
static unsigned next_id = DOM0_ID + 1; /* ids are never reused */
static struct domain_tally retired;    /* how the domains whose slots were taken again ended */

static const char *const reason_names[] = {
	[END_POWEROFF] = "poweroff", [END_REBOOT] = "reboot", [END_CRASH] = "crash", [END_STOPPED] = "stopped",
	[END_DESTROYED] = "destroyed",
};

const char *domain_end_reason_name(enum end_reason reason)
{
	return (unsigned)reason < sizeof(reason_names) / sizeof(reason_names[0]) ? reason_names[reason] : "?";
}

static const struct boot_module *find_module(const struct domain_files *files, const char *name)
{
	for (unsigned i = 0; i < files->count; i++)
		if (!strcmp(files->file[i].name, name))
			return &files->file[i];
	return NULL;
}

/* Finds the kernel, the ramdisk and the modules the configuration names. Returns what is
 * missing, or NULL. */
static const char *find_images(struct domain *d, const struct domain_files *files, char *why, size_t len)
{
	const struct domain_config *cfg = &d->config;
	struct loader_input *in = &d->images;
	const struct boot_module *m = find_module(files, cfg->kernel);
	if (!m)
		return ksnprintf(why, len, "its kernel '%s' is not among %s", cfg->kernel, files->what), why;
	*in = (struct loader_input){ .type = cfg->type };
	in->kernel = (struct loader_file){ phys_to_virt(m->base), m->size, cfg->kernel, cfg->cmdline };
	if (cfg->ramdisk[0]) {
		if (!(m = find_module(files, cfg->ramdisk)))
			return ksnprintf(why, len, "its ramdisk '%s' is not among %s", cfg->ramdisk, files->what), why;
		in->modules[in->nmodules++] = (struct loader_file){ phys_to_virt(m->base), m->size, cfg->ramdisk, "" };
	}
	for (unsigned i = 0; i < cfg->nmodules; i++) {
		const struct module_config *mc = &cfg->modules[i];
		if (!(m = find_module(files, mc->file)))
			return ksnprintf(why, len, "its module '%s' is not among %s", mc->file, files->what), why;
		in->modules[in->nmodules++] = (struct loader_file){ phys_to_virt(m->base), m->size, mc->file,
								    mc->cmdline };
	}
	return NULL;
}

static void destroy_vcpu(struct domain *d)
{
	if (d->vcpu.vendor)
		hvm->vcpu_destroy(d->vcpu.vendor);
	d->vcpu.vendor = NULL;
}

static void teardown(struct domain *d)
{
	sched_remove(&d->vcpu);
	destroy_vcpu(d);
	io_free(d);
	p2m_destroy(&d->p2m);
}

static int attach_devices(struct domain *d)
{
	int err;
	if ((err = io_init(d)) || (err = pc_attach(d)) || (err = serial_port_attach(d)) || (err = debugcon_attach(d)))
		return err;
	if (d->config.debug_exit && (err = debug_exit_attach(d, d->config.debug_exit)))
		return err;
	return 0;
}

/* Kernel and modules into the domain's zeroed memory, its devices, its vCPU: a life begins.
 * Returns 0, or -1 with the reason in why, having freed what it took but the memory. */
static int start(struct domain *d, char *why, size_t len)
{
	const struct domain_config *cfg = &d->config;
	struct vcpu *v = &d->vcpu;
	struct loader_result r;
	int err;

	/* The devices first: the platform writes its ACPI tables, whose RSDP the loader hands
	 * the kernel. */
	v->dom = d;
	v->ntimers = 0; /* the devices attached next add theirs */
	v->timer_due_ns = 0;
	v->events_due = v->window_open = v->nmi_window_open = false;
	guest_log_reset(d);
	if ((err = attach_devices(d))) {
		ksnprintf(why, len, "cannot attach its devices (error %d)", err);
		return -1;
	}
	if (loader_load(&d->p2m, &d->images, &r, why, len))
		return -1;
	const char *unsupported = hvm->unsupported_boot_mode(r.boot.mode);
	if (unsupported) {
		ksnprintf(why, len, "%s", unsupported);
		return -1;
	}
	/* A vCPU at power-on; what the scheduler keeps of it (v->sched) goes on. */
	v->regs = r.regs;
	v->wake_ns = v->timer_ns = 0;
	msrs_reset(v);
	if ((err = hvm->vcpu_create(&v->vendor, d->p2m.npt.root, &r.boot))) {
		ksnprintf(why, len, "cannot create its vCPU (error %d)", err);
		v->vendor = NULL;
		return -1;
	}
	d->memory = (struct domain_memory){
		.ram = layout_backed_bytes(&d->layout),
		.own = sizeof(*d) + d->console.ring_pages * PAGE_SIZE + CONSOLE_QUEUE_BYTES + PAGE_SIZE /* devices */ +
		       hvm->vcpu_bytes,
		.page_tables = d->p2m.npt.table_pages * PAGE_SIZE,
	};
	d->state = DOMAIN_RUNNING;
	d->restart.life_ns = tsc_now_ns();
	unsigned n = d->images.nmodules;
	log_info("dom%u %s: built: %s kernel (%s) at 0x%llx-0x%llx, %u module%s, %llu MiB, entry 0x%llx", d->id,
		 cfg->name, config_kernel_type_name(r.type), r.format, (unsigned long long)r.kernel_low,
		 (unsigned long long)r.kernel_high, n, n == 1 ? "" : "s", (unsigned long long)cfg->memory_mib,
		 (unsigned long long)r.regs.rip);
	return 0;
}

unsigned domain_next_id(void)
{
	return next_id;
}

static int build(struct domain *d, const struct domain_config *cfg, const struct domain_files *files, bool dom0,
		 char *why, size_t len);

/* A slot for a new domain: a destroyed domain's (its end counted in the tally of retired
 * domains) or an empty one, else a fresh one (counted once the domain is built); NULL when
 * every slot holds a domain that exists. */
static struct domain *free_slot(void)
{
	for (unsigned i = 0; i < ndomains; i++) {
		struct domain *d = &domains[i];
		if (d->state != DOMAIN_ENDED)
			continue;
		if (!domain_slot_empty(d))
			domain_tally_add(&retired, d);
		return d;
	}
	return ndomains < DOMAIN_MAX ? &domains[ndomains] : NULL;
}

struct domain *domain_create(const struct domain_config *cfg, const struct domain_files *files, bool dom0,
			     char *why, size_t len)
{
	struct domain *d = free_slot();
	if (!d) {
		ksnprintf(why, len, "Keel runs at most %u domains at once", DOMAIN_MAX);
		return NULL;
	}
	memset(d, 0, sizeof(*d)); /* an empty slot (domain_slot_empty) until the domain is built */
	d->state = DOMAIN_ENDED;
	if (build(d, cfg, files, dom0, why, len)) {
		memset(d, 0, sizeof(*d));
		d->state = DOMAIN_ENDED;
		return NULL;
	}
	if (d == &domains[ndomains])
		ndomains++;
	d->vcpu.state = VCPU_RUNNABLE;
	sched_add(&d->vcpu);
	if (!dom0)
		next_id++;
	return d;
}

/* The domain in its slot: its images, console, memory, devices and vCPU. Returns 0, or -1
 * with the reason in why, having freed what it took. */
static int build(struct domain *d, const struct domain_config *cfg, const struct domain_files *files, bool dom0,
		 char *why, size_t len)
{
	d->id = dom0 ? DOM0_ID : next_id;
	d->config = *cfg;
	if (find_images(d, files, why, len))
		return -1;
	if (console_init(d, cfg->console_ring_kib)) {
		ksnprintf(why, len, "no memory for its %u KiB console ring", cfg->console_ring_kib);
		return -1;
	}
	int err = layout_build(&d->layout, cfg->memory_mib << 20, cfg->mmio_hole_mib, 1ull << cpu.phys_addr_bits,
			       why, len);
	if (!err && (err = p2m_init(&d->p2m, &d->layout)))
		ksnprintf(why, len, "cannot have %llu MiB of memory for it: Keel has %llu MiB free (error %d)",
			  (unsigned long long)(layout_backed_bytes(&d->layout) >> 20),
			  (unsigned long long)(page_alloc_free_pages() * PAGE_SIZE >> 20), err);
	if (err || start(d, why, len)) {
		destroy_vcpu(d);
		io_free(d);
		p2m_destroy(&d->p2m);
		console_free(d);
		return -1;
	}
	return 0;
}

void domain_tally_add(struct domain_tally *t, const struct domain *d)
{
	t->cpu_ns += d->cpu_ns;
	if (d->state == DOMAIN_RUNNING)
		t->running++;
	else if (domain_ended_cleanly(d))
		t->clean++;
	else if (d->end.reason == END_CRASH)
		t->crashed++;
	else
		t->failed++;
}

const struct domain_tally *domain_retired(void)
{
	return &retired;
}

static enum end_action policy(const struct domain *d, enum end_reason reason)
{
	if (d->end.destroy)
		return ACTION_DESTROY;
	switch (reason) {
	case END_POWEROFF:
		return d->config.on_poweroff;
	case END_REBOOT:
		return d->config.on_reboot;
	case END_STOPPED:
	case END_DESTROYED:
		return ACTION_DESTROY;
	default:
		return d->config.on_crash;
	}
}

bool domain_ended_cleanly(const struct domain *d)
{
	return d->state != DOMAIN_RUNNING && d->end.reason != END_CRASH && !d->end.destroyed_for_looping &&
	       (!d->end.has_status || d->end.status == 0);
}

void domain_end(struct domain *d, enum end_reason reason, bool has_status, uint32_t status, const char *how_fmt, ...)
{
	va_list ap;
	if (d->state != DOMAIN_RUNNING)
		return; /* it is ending already */
	domain_unpause(d); /* back in its run queue, for the work of its end */
	console_flush(d);
	sched_end(&d->vcpu);
	d->state = DOMAIN_ENDING;
	d->end = (struct domain_end){ .reason = reason, .has_status = has_status, .status = status,
				      .at_ns = tsc_now_ns() };
	va_start(ap, how_fmt);
	kvsnprintf(d->end.how, sizeof(d->end.how), how_fmt, ap);
	va_end(ap);
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

/* Restart, or destroy if its lives have been short too often in a row (domain.h): what
 * follows, in words, and the wait before the rebuild. */
static enum end_action restart_or_not(struct domain *d, char *what, size_t len, uint64_t *wait_ns)
{
	bool short_life = d->end.at_ns - d->restart.life_ns < RESTART_SHORT_LIFE_NS;
	d->restart.streak = short_life ? d->restart.streak + 1 : 0;
	*wait_ns = d->restart.streak >= 2 ? RESTART_BACKOFF_NS << (d->restart.streak - 2) : 0;
	if (d->restart.streak > RESTART_LIMIT) {
		d->end.destroyed_for_looping = true;
		ksnprintf(what, len, "destroyed: restarting in a loop (%u lives in a row shorter than %llu s)",
			  d->restart.streak, RESTART_SHORT_LIFE_NS / 1000000000ull);
		return ACTION_DESTROY;
	}
	if (*wait_ns)
		ksnprintf(what, len, "restarting in %llu ms", (unsigned long long)(*wait_ns / 1000000));
	else
		ksnprintf(what, len, "restarting");
	return ACTION_RESTART;
}

void domain_free_copies(struct boot_module *copies, unsigned *count)
{
	for (unsigned i = 0; i < *count; i++)
		page_free(copies[i].base, (copies[i].size + PAGE_SIZE - 1) / PAGE_SIZE);
	*count = 0;
}

static void destroy(struct domain *d)
{
	teardown(d);
	console_free(d);
	domain_free_copies(d->copies, &d->ncopies);
	d->state = DOMAIN_ENDED;
}

/* dom0 is gone for good: Keel stops the other domains, and its run ends once they are. */
static void stop_the_others(const struct domain *dom0)
{
	for (unsigned i = 0; i < ndomains; i++) {
		struct domain *d = &domains[i];
		if (d == dom0)
			continue;
		if (d->state == DOMAIN_RUNNING)
			domain_end(d, END_STOPPED, false, 0, "Keel stops: dom0 %s has ended", dom0->config.name);
		else if (d->state == DOMAIN_RESTARTING) {
			log_info("dom%u %s: not restarted: Keel stops; destroyed", d->id, d->config.name);
			destroy(d);
		}
	}
}

/* Its console lines are out: says how it ended, then destroys, preserves or restarts it. */
static void finish_end(struct domain *d)
{
	enum end_action action = policy(d, d->end.reason);
	char what[96], status_text[32];
	uint64_t wait_ns = 0;
	if (action == ACTION_RESTART)
		action = restart_or_not(d, what, sizeof(what), &wait_ns);
	else
		ksnprintf(what, sizeof(what), "%s",
			  action == ACTION_PRESERVE ? "preserved: its memory and vCPU are kept" : "destroyed");
	if (d->end.has_status)
		ksnprintf(status_text, sizeof(status_text), "exit status %u", d->end.status);
	else
		ksnprintf(status_text, sizeof(status_text), "no exit status");
	bool clean = d->end.reason != END_CRASH && !d->end.destroyed_for_looping &&
		     (!d->end.has_status || d->end.status == 0);
	guest_log_summary(d);
	log_msg(clean ? LOG_INFO : LOG_WARN, "dom%u %s: ended: %s, %s (%s); %s", d->id, d->config.name,
		reason_names[d->end.reason], status_text, d->end.how, what);

	if (action == ACTION_RESTART) {
		destroy_vcpu(d);
		d->restarts++;
		d->state = DOMAIN_RESTARTING;
		d->restart.at_ns = tsc_now_ns() + wait_ns;
		d->restart.zeroed = 0;
	} else if (action == ACTION_PRESERVE) {
		sched_remove(&d->vcpu);
		d->state = DOMAIN_PRESERVED;
	} else {
		destroy(d);
	}
	if (d->id == DOM0_ID && action != ACTION_RESTART)
		stop_the_others(d);
}

/* The next pieces of its memory zeroed; once all of it is, it starts again. */
static void rebuild(struct domain *d, uint64_t until_tsc)
{
	char why[200];
	bool zeroed;
	do
		zeroed = p2m_zero_next(&d->p2m, &d->restart.zeroed, RESTART_ZERO_PIECE);
	while (!zeroed && rdtsc() < until_tsc);
	if (!zeroed)
		return;
	if (start(d, why, sizeof(why))) {
		log_error("dom%u %s: cannot restart: %s", d->id, d->config.name, why);
		destroy(d);
		if (d->id == DOM0_ID)
			stop_the_others(d);
		return;
	}
	sched_restart(&d->vcpu);
}

void domain_work(struct domain *d, uint64_t until_tsc)
{
	if (console_pending(&d->console) && !console_drain(d, until_tsc))
		return; /* more lines: its next turn */
	if (d->state == DOMAIN_ENDING)
		finish_end(d);
	else if (d->state == DOMAIN_RESTARTING && tsc_now_ns() >= d->restart.at_ns)
		rebuild(d, until_tsc);
}

struct domain *domain_by_id(uint64_t id)
{
	for (unsigned i = 0; i < ndomains; i++)
		if (domains[i].id == id && domains[i].state != DOMAIN_ENDED)
			return &domains[i];
	return NULL;
}

void domain_pause(struct domain *d)
{
	if (d->state != DOMAIN_RUNNING || d->paused)
		return;
	d->paused = true;
	sched_pause(&d->vcpu);
}

void domain_unpause(struct domain *d)
{
	if (!d->paused)
		return;
	d->paused = false;
	sched_unpause(&d->vcpu);
}

void domain_destroy(struct domain *d, const char *by)
{
	switch (d->state) {
	case DOMAIN_RUNNING:
		domain_end(d, END_DESTROYED, false, 0, "destroyed by %s", by);
		break;
	case DOMAIN_ENDING:
		d->end.destroy = true; /* its end is applied as a destroy */
		break;
	case DOMAIN_RESTARTING:
	case DOMAIN_PRESERVED:
		log_info("dom%u %s: destroyed by %s, %s", d->id, d->config.name, by,
			 d->state == DOMAIN_PRESERVED ? "its memory and vCPU freed" : "not restarted");
		destroy(d);
		break;
	case DOMAIN_ENDED:
		break;
	}
}

void domain_press_power_button(struct domain *d)
{
	acpi_pm_power_button(&d->pc->pm);
}

void domain_set_share(struct domain *d, unsigned weight, unsigned cap)
{
	d->config.weight = weight;
	d->config.cap = cap;
	sched_set_share(&d->vcpu, weight, cap);
}

unsigned domain_count(void)
{
	return ndomains;
}

struct domain *domain_at(unsigned index)
{
	return index < ndomains ? &domains[index] : NULL;
}
