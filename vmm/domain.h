/* A guest domain: its configuration, memory, vCPU, devices, console and what it has done.
 *
 * Life of a domain: domain_create builds it from its configuration (kernel and modules
 * found among the boot modules, memory, devices, vCPU) and it runs. It ends by powering
 * off, rebooting or crashing (domain_end); its on_poweroff, on_reboot or on_crash policy
 * then destroys it, restarts it (built again from its images in fresh memory) or keeps it
 * for inspection. The policy is applied by the scheduler after the exit that ended it
 * (domain_apply_end), so no handler runs on a domain that has just been torn down. */
#ifndef KEEL_VMM_DOMAIN_H
#define KEEL_VMM_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>
#include "boot/boot_info.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/dev/uart16550.h"
#include "vmm/io.h"
#include "vmm/loader.h"
#include "vmm/p2m.h"
#include "vmm/vcpu.h"

#define DOMAIN_MAX CONFIG_MAX_DOMAINS
/* A domain that ends this many times within RESTART_SPAN_NS, each time restarted, is
 * destroyed instead of restarted again: it is looping. */
#define RESTART_LIMIT 5
#define RESTART_SPAN_NS 10000000000ull

enum domain_state {
	DOMAIN_RUNNING,   /* its vCPU runs or waits */
	DOMAIN_ENDED,     /* ended and destroyed: its memory is free */
	DOMAIN_PRESERVED, /* ended; memory and vCPU kept (on_* = preserve) */
};

enum end_reason { END_POWEROFF, END_REBOOT, END_CRASH };

/* How the domain ended last. */
struct domain_end {
	enum end_reason reason;
	bool has_status;  /* the guest gave an exit status */
	uint32_t status;
	bool destroyed_for_looping;
};

/* Memory a domain holds while it runs, in bytes: its guest RAM, what Keel keeps for it
 * (struct domain, its console ring, its vCPU's VMCB or VMCS and XSAVE area), and its
 * nested page tables. Memory all domains share is hvm->shared_bytes. */
struct domain_memory {
	uint64_t ram, own, page_tables;
};

struct domain {
	unsigned id;
	struct domain_config config;
	enum domain_state state;
	struct p2m p2m;
	struct vcpu vcpu; /* one per domain for now */
	struct io_ports io;
	struct console console;
	struct uart16550 uart;
	struct loader_input images; /* kernel and modules, found among the boot modules once */
	uint64_t exits[EXIT_REASON_COUNT];
	uint64_t cpu_ns; /* time its vCPU has run, over all its restarts */
	unsigned restarts;
	uint64_t restart_ns[RESTART_LIMIT]; /* when the last restarts happened, oldest first */
	bool end_pending;
	struct domain_memory memory; /* as of its last build */  /* domain_end ran; domain_apply_end has not yet */
	struct domain_end end;
};

/* Builds a domain from its configuration and the boot modules; on failure logs why,
 * frees what it took and returns NULL. */
struct domain *domain_create(const struct domain_config *cfg, const struct boot_info *boot);

/* Ends the domain: logs "domN name: ended: <reason>, <exit status> (<how>); <what now>"
 * and stops its vCPU. has_status: the guest gave status. */
void domain_end(struct domain *d, enum end_reason reason, bool has_status, uint32_t status, const char *how_fmt,
		...) __attribute__((format(printf, 5, 6)));
/* Ends it because of something its guest did that Keel will not continue (a crash). */
void domain_crash(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Carries out the policy for the end recorded by domain_end: destroy, restart, preserve. */
void domain_apply_end(struct domain *d);

/* The domain ended cleanly: powered off or rebooted with exit status 0 (or none). */
bool domain_ended_cleanly(const struct domain *d);

unsigned domain_count(void);
struct domain *domain_at(unsigned index); /* 0 .. domain_count() - 1, in creation order */
const char *domain_end_reason_name(enum end_reason reason);

#endif
