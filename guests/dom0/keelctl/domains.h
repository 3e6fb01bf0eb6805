/* The domains as Keel lists them (domain_list, every page), and the one a command's
 * domain argument names. */
#ifndef KEELCTL_DOMAINS_H
#define KEELCTL_DOMAINS_H

#include <stddef.h>

#include "include/keel/hypercall.h"

struct domain_list {
	struct keel_domain_status *v; /* in the order of their ids */
	size_t n;
};

/* Every domain; a refusal exits for command. */
void domains_fetch(const char *command, struct domain_list *out);
void domains_free(struct domain_list *l);

/* Exits with status 2 for command if arg is neither a domain id nor a name: checked
 * before Keel is asked anything. */
void domains_check_arg(const char *command, const char *arg);

/* The domain of l arg names (checked by domains_check_arg); if none, exits with status 2
 * for command. */
const struct keel_domain_status *domains_resolve(const char *command, const struct domain_list *l, const char *arg);

#endif
