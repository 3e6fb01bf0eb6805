/* A guest domain: its memory, its vCPU, its devices and what it has done. */
#ifndef KEEL_VMM_DOMAIN_H
#define KEEL_VMM_DOMAIN_H

#include <stdint.h>
#include "boot/boot_info.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/io.h"
#include "vmm/p2m.h"
#include "vmm/vcpu.h"

#define DOMAIN_MAX CONFIG_MAX_DOMAINS

enum domain_state {
	DOMAIN_BUILDING,
	DOMAIN_RUNNING,
	DOMAIN_BLOCKED, /* every vCPU waits for an interrupt */
	DOMAIN_STOPPED, /* every vCPU halted with interrupts off: it has finished */
	DOMAIN_CRASHED,
};

struct domain {
	unsigned id;
	struct domain_config config;
	enum domain_state state;
	struct p2m p2m;
	struct vcpu vcpu; /* one per domain for now */
	struct io_ports io;
	struct console console;
	uint64_t exits[EXIT_REASON_COUNT];
};

/* Builds a domain from its configuration and the boot modules; on failure logs why,
 * frees what it took and returns NULL. */
struct domain *domain_build(const struct domain_config *cfg, const struct boot_info *boot);

/* Ends a domain because of something its guest did; the reason completes
 * "domN name: crashed: ...". Frees its memory unless on_crash = preserve. */
void domain_crash(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Re-derives the domain's state from its vCPU (stopped, blocked, running). */
void domain_update_state(struct domain *d);

unsigned domain_count(void);
struct domain *domain_at(unsigned index); /* 0 .. domain_count() - 1, in creation order */
const char *domain_state_name(enum domain_state state);

#endif
