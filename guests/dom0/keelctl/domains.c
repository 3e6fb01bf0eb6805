/* The domains as Keel lists them (domains.h): domain_list is called again from the last id
 * it wrote + 1 until it writes none. */
#include "guests/dom0/keelctl/domains.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guests/dom0/keelctl/args.h"
#include "guests/dom0/keelctl/cli.h"
#include "guests/dom0/keelctl/dev.h"
#include "include/keel/keel_dev.h"

#define PAGE_ENTRIES (KEEL_DEV_BUFFER_MAX / sizeof(struct keel_domain_status))

void domains_fetch(const char *command, struct domain_list *out)
{
	struct keel_domain_status *page = malloc(PAGE_ENTRIES * sizeof(*page));
	uint64_t first = 0;

	*out = (struct domain_list){ 0 };
	if (!page)
		system_fail(command, "domain list");
	for (;;) {
		int64_t r = dev_call(KEEL_HC_DOMAIN_LIST, dev_ptr(page), PAGE_ENTRIES * sizeof(*page), first, 0);
		struct keel_domain_status *grown;

		if (r < 0)
			keel_fail(command, r);
		if (r == 0)
			break;
		if ((uint64_t)r > PAGE_ENTRIES)
			r = PAGE_ENTRIES;
		if (!(grown = realloc(out->v, (out->n + (size_t)r) * sizeof(*grown))))
			system_fail(command, "domain list");
		out->v = grown;
		memcpy(out->v + out->n, page, (size_t)r * sizeof(*page));
		out->n += (size_t)r;
		if (page[r - 1].id < first || page[r - 1].id == UINT32_MAX)
			break; /* no id follows it */
		first = (uint64_t)page[r - 1].id + 1;
	}
	free(page);
}

void domains_free(struct domain_list *l)
{
	free(l->v);
	*l = (struct domain_list){ 0 };
}

void domains_check_arg(const char *command, const char *arg)
{
	uint32_t id;

	if (domain_arg_parse(arg, &id) == DOMAIN_ARG_INVALID)
		usage_fail(command, "'%s' is not a domain id or name", arg);
}

const struct keel_domain_status *domains_resolve(const char *command, const struct domain_list *l, const char *arg)
{
	const struct keel_domain_status *d = domain_find(l->v, l->n, arg);

	if (!d)
		usage_fail(command, "unknown domain '%s'", arg);
	return d;
}
