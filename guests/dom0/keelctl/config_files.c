/* The files a domain's configuration names, read with Keel's own parser (vmm/config.c), the
 * one domain_create uses; and where each is looked up. */
#include <stdio.h>
#include <string.h>

#include "guests/dom0/keelctl/config_files.h"
#include "vmm/config.h"

static void ignore(void *ctx, int line, const char *msg)
{
	(void)ctx;
	(void)line;
	(void)msg;
}

static void add(struct config_files *out, const char *name)
{
	if (!name[0])
		return;
	for (unsigned i = 0; i < out->count; i++)
		if (strcmp(out->names[i], name) == 0)
			return;
	memcpy(out->names[out->count++], name, strlen(name) + 1);
}

void config_files_find(const char *text, size_t len, struct config_files *out)
{
	static struct keel_config parsed;
	out->count = 0;
	if (config_parse_domain(text, len, &parsed, ignore, NULL))
		return;
	const struct domain_config *d = &parsed.domains[0];
	add(out, d->kernel);
	add(out, d->ramdisk);
	for (unsigned i = 0; i < d->nmodules; i++)
		add(out, d->modules[i].file);
}

bool config_file_path(char *out, size_t size, const char *config_path, const char *name)
{
	const char *slash = strrchr(config_path, '/');
	int dir_len = slash ? (int)(slash - config_path + 1) : 0;
	int n = snprintf(out, size, "%.*s%s", dir_len, config_path, name);

	return n >= 0 && (size_t)n < size;
}
