/* config-files CONFIG: prints, one per line, every file a keel.cfg names as a kernel,
 * ramdisk or module (each once, in the order of first mention), so that the image builders
 * put exactly those on the boot medium. Uses Keel's own parser (vmm/config.c): its problems
 * are printed as warnings on stderr, exactly as Keel will report them at boot, and a domain
 * with problems contributes no files, as Keel will not start it. Built for the host. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"

#define MAX_FILES (CONFIG_MAX_DOMAINS * (CONFIG_MAX_MODULES + 2))

static const char *files[MAX_FILES];
static unsigned nfiles;
static struct keel_config cfg;

static void warn(void *ctx, int line, const char *msg)
{
	fprintf(stderr, "config-files: warning: %s:%d: %s\n", (const char *)ctx, line, msg);
}

static void add(const char *name)
{
	if (!name[0])
		return;
	for (unsigned i = 0; i < nfiles; i++)
		if (!strcmp(files[i], name))
			return;
	files[nfiles++] = name;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s keel.cfg\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "config-files: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	static char text[1 << 20];
	size_t len = fread(text, 1, sizeof(text), f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "config-files: %s: unreadable, or larger than %zu bytes\n", argv[1], sizeof(text));
		fclose(f);
		return 1;
	}
	fclose(f);
	config_parse(text, len, &cfg, warn, argv[1]);
	for (unsigned d = 0; d < cfg.ndomains; d++) {
		add(cfg.domains[d].kernel);
		add(cfg.domains[d].ramdisk);
		for (unsigned m = 0; m < cfg.domains[d].nmodules; m++)
			add(cfg.domains[d].modules[m].file);
	}
	for (unsigned i = 0; i < nfiles; i++)
		printf("%s\n", files[i]);
	return 0;
}
