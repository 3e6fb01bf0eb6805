/* The files a domain's configuration names (its kernel, its ramdisk, its modules), read with
 * Keel's own parser (vmm/config.c, docs/config.md), so that keelctl create can hand them to
 * domain_create; and where each is looked up: the configuration file's directory. */
#ifndef KEELCTL_CONFIG_FILES_H
#define KEELCTL_CONFIG_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "include/keel/hypercall.h"

struct config_files {
	unsigned count;
	char names[KEEL_CREATE_FILES_MAX][KEEL_CREATE_FILE_NAME_MAX]; /* in the order first named */
};

/* The file names of the kernel, the ramdisk and each module of the one domain text (len
 * bytes) configures, each once, in that order. A configuration with problems names none
 * here: Keel, given it, reports the first with its line. */
void config_files_find(const char *text, size_t len, struct config_files *out);

/* The path of file name in the directory of the configuration file config_path: false if
 * it does not fit in out (size bytes). */
bool config_file_path(char *out, size_t size, const char *config_path, const char *name);

#endif
