/* A guest domain: its configuration, memory, vCPU, devices, console and what it has done.
 *
 * Life of a domain: domain_create builds it from its configuration (kernel and modules
 * found among the boot modules, memory, devices, vCPU) and it runs. It ends by powering
 * off, rebooting or crashing (domain_end); its on_poweroff, on_reboot or on_crash policy
 * then destroys it, restarts it (built again from its images in its memory, zeroed) or
 * keeps it for inspection. Everything after the end is work Keel does in the scheduler, in
 * time charged to the domain (domain_work), so no handler runs on a domain that has just
 * been torn down, and a domain that ends or restarts often slows only itself.
 *
 * dom0, the management domain (keel.cfg's dom0), is domain 0. Its policies apply to it as
 * to any domain; once it is destroyed or preserved, Keel stops every other domain (END_STOPPED,
 * destroyed) and its run ends. */
#ifndef KEEL_VMM_DOMAIN_H
#define KEEL_VMM_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>
#include "boot/boot_info.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/guest_log.h"
#include "vmm/io.h"
#include "vmm/loader.h"
#include "vmm/p2m.h"
#include "vmm/vcpu.h"

#define DOMAIN_MAX CONFIG_MAX_DOMAINS
#define DOMAIN_FILES_MAX (CONFIG_MAX_MODULES + 2) /* a kernel, a ramdisk, the modules */
/* Restarts. A life is short if it lasts less than RESTART_SHORT_LIFE_NS from the end of its
 * build to its end. Before building a domain again after its second short life in a row,
 * Keel waits RESTART_BACKOFF_NS, and twice as long after each further one; a domain whose
 * lives were short RESTART_LIMIT + 1 times in a row is destroyed instead: it restarts in a
 * loop. Lives are the domain's own history: how long Keel takes to build it, or how others
 * load the CPU meanwhile, does not count. */
#define RESTART_LIMIT 5
#define RESTART_SHORT_LIFE_NS 10000000000ull
#define RESTART_BACKOFF_NS 50000000ull
/* Zeroing its memory for a rebuild: this much between two looks at the clock. */
#define RESTART_ZERO_PIECE (64 * 1024)

enum domain_state {
	DOMAIN_RUNNING,    /* its vCPU runs or waits */
	DOMAIN_ENDING,     /* it ended: Keel sends its last console lines, then applies its policy */
	DOMAIN_RESTARTING, /* being built again: its memory zeroed in pieces, then its images loaded */
	DOMAIN_ENDED,      /* ended and destroyed: its memory is free */
	DOMAIN_PRESERVED,  /* ended; memory and vCPU kept (on_* = preserve) */
};

/* END_STOPPED: Keel stops the domain because dom0 has ended (docs/dom0.md); END_DESTROYED:
 * a domain_destroy hypercall ended it. Both are destroyed whatever the domain's policies. */
enum end_reason { END_POWEROFF, END_REBOOT, END_CRASH, END_STOPPED, END_DESTROYED };

#define DOM0_ID 0 /* the management domain's id; the others' count from 1 and are never reused */

/* How the domain ended last. */
struct domain_end {
	enum end_reason reason;
	bool has_status;  /* the guest gave an exit status */
	uint32_t status;
	bool destroyed_for_looping;
	bool destroy;     /* destroy it, whatever its policy: domain_destroy came while it ended */
	uint64_t at_ns;   /* when, in Keel's clock */
	char how[160];    /* what ended it, for its line */
};

/* Its restarts: the one in progress and the history the loop rule reads. */
struct domain_restart {
	unsigned streak;  /* short lives in a row, the last one included */
	uint64_t life_ns; /* when its current life began */
	uint64_t at_ns;   /* DOMAIN_RESTARTING: when the rebuild may begin */
	uint64_t zeroed;  /* DOMAIN_RESTARTING: its memory is zeroed up to this guest-physical address */
};

/* Memory a domain holds while it runs, in bytes: its guest RAM, what Keel keeps for it
 * (struct domain, its console ring and queue, its vCPU's VMCB or VMCS and XSAVE area), and
 * its nested page tables. Memory all domains share is hvm->shared_bytes. */
struct domain_memory {
	uint64_t ram, own, page_tables;
};

struct pc_platform;
struct serial_port;

struct domain {
	unsigned id;
	struct domain_config config;
	enum domain_state state;
	bool paused;                /* by domain_pause: its vCPU runs no guest code */
	struct guest_layout layout; /* its guest-physical address space */
	struct p2m p2m;
	struct vcpu vcpu; /* one per domain for now */
	struct io_bus io;
	struct pc_platform *pc; /* its interrupt controllers and timers, in the device page */
	struct serial_port *com1; /* its UART, there too */
	struct guest_log_counts log_counts; /* what its guest reached where nothing is (vmm/guest_log.h) */
	struct console console;
	struct loader_input images; /* kernel and modules, found among its files once */
	/* The copies Keel made of the files dom0 handed over (domain_create), which its images
	 * point into: Keel's until the domain is destroyed. None for a domain of keel.cfg. */
	struct boot_module copies[DOMAIN_FILES_MAX];
	unsigned ncopies;
	uint64_t cpu_ns; /* time its vCPU ran and Keel worked for it, over all its restarts */
	unsigned restarts;
	struct domain_restart restart;
	struct domain_memory memory; /* as of its last build */
	struct domain_end end;
};

/* The files a domain's kernel, ramdisk and modules are found among, by name: the boot
 * modules, or the copies Keel made of those dom0 handed over (domain_create's hypercall). */
struct domain_files {
	const struct boot_module *file;
	unsigned count;
	const char *what; /* for messages: "the boot modules" */
};

/* Builds a domain from its configuration and files, as dom0 (id DOM0_ID) or with the next
 * id, in a free slot (a destroyed domain's, or a new one) and fresh, zeroed memory; on
 * failure says why, frees what it took and returns NULL. */
struct domain *domain_create(const struct domain_config *cfg, const struct domain_files *files, bool dom0,
			     char *why, size_t len);
/* Frees copies Keel made of files dom0 handed over (vmm/create.c), and forgets them. */
void domain_free_copies(struct boot_module *copies, unsigned *count);
/* The id the next domain built that is not dom0 gets. */
unsigned domain_next_id(void);

/* Ends the domain: its vCPU runs no more guest code, and once its console lines are sent
 * Keel logs "domN name: ended: <reason>, <exit status> (<how>); <what now>" and applies its
 * policy (domain_work). has_status: the guest gave status. Nothing if it is not running. */
void domain_end(struct domain *d, enum end_reason reason, bool has_status, uint32_t status, const char *how_fmt,
		...) __attribute__((format(printf, 5, 6)));
/* Ends it because of something its guest did that Keel will not continue (a crash). */
void domain_crash(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keel has work for the domain: console lines to send, an end to apply, a rebuild that may
 * begin; if it has none now but a rebuild will be due, *due_ns says when. Inline: the
 * scheduler asks it of every vCPU each time it picks. */
static inline bool domain_has_work(const struct domain *d, uint64_t now_ns, uint64_t *due_ns)
{
	if (console_pending(&d->console) || d->state == DOMAIN_ENDING)
		return true;
	if (d->state != DOMAIN_RESTARTING)
		return false;
	if (now_ns >= d->restart.at_ns)
		return true;
	*due_ns = d->restart.at_ns;
	return false;
}
/* Does that work, charged by the scheduler to the domain's vCPU, until the TSC reaches
 * until_tsc: sends console lines, then applies the policy of an end (destroy, preserve, or
 * restart), or zeroes the next pieces of its memory for a rebuild and, once all of it is,
 * loads its images and starts its vCPU again. Each step is short: a line, 64 KiB. */
void domain_work(struct domain *d, uint64_t until_tsc);

/* The domain ended cleanly: powered off or rebooted with exit status 0 (or none). */
bool domain_ended_cleanly(const struct domain *d);

/* Domain control (vmm/domctl.c; the access policy has allowed it). The domain that exists
 * with this id (not destroyed), or NULL. */
struct domain *domain_by_id(uint64_t id);
/* A running domain's vCPU stops running guest code until domain_unpause; twice is once. */
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
/* Ends it at once and destroys it, whatever its policies; `by` says who, for its line. A
 * domain that has ended already is destroyed instead of what its policy says. */
void domain_destroy(struct domain *d, const char *by);
/* Presses its ACPI power button (PM1 PWRBTN_STS): its guest may power it off, or not. */
void domain_press_power_button(struct domain *d);
/* Its share of the CPU from now on: weight 1..CONFIG_WEIGHT_MAX, cap 0..100. */
void domain_set_share(struct domain *d, unsigned weight, unsigned cap);

/* The slots: 0 .. domain_count() - 1. A slot holds a domain that exists or that was
 * destroyed (DOMAIN_ENDED, kept for the report until a new domain takes the slot), or is
 * empty (domain_slot_empty: a build into it failed). */
unsigned domain_count(void);
struct domain *domain_at(unsigned index);
static inline bool domain_slot_empty(const struct domain *d)
{
	return d->state == DOMAIN_ENDED && !d->config.name[0];
}
/* How domains ended: those in the slots, or those whose slots were taken again. */
struct domain_tally {
	unsigned clean, crashed, failed, running;
	uint64_t cpu_ns; /* their CPU time */
};
void domain_tally_add(struct domain_tally *t, const struct domain *d);
const struct domain_tally *domain_retired(void);
const char *domain_end_reason_name(enum end_reason reason);

#endif
