/* create (xl create): a domain from a configuration file of one [domain] section and the
 * files it names, read from the configuration file's directory and handed to Keel's
 * domain_create with the configuration's text. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guests/dom0/keelctl/cli.h"
#include "guests/dom0/keelctl/config_files.h"
#include "guests/dom0/keelctl/dev.h"
#include "guests/dom0/keelctl/keelctl.h"
#include "include/keel/keel_dev.h"

#define READ_CHUNK 65536

/* The bytes of file path, 1 to max of them, in memory of their own; *size says how many. */
static char *read_file(const char *path, uint64_t max, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint64_t cap, len = 0;
	char *data;

	if (fd < 0 || fstat(fd, &st) < 0)
		system_fail("create", path);
	/* a regular file's size and one byte more, to find its end at once */
	cap = S_ISREG(st.st_mode) && (uint64_t)st.st_size <= max ? (uint64_t)st.st_size + 1 : READ_CHUNK;
	if (!(data = malloc(cap)))
		system_fail("create", path);
	while (len <= max) {
		ssize_t n;

		if (len == cap) {
			char *grown = realloc(data, cap + READ_CHUNK);
			if (!grown)
				system_fail("create", path);
			data = grown;
			cap += READ_CHUNK;
		}
		n = read(fd, data + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			system_fail("create", path);
		if (n == 0)
			break;
		len += (uint64_t)n;
	}
	close(fd);
	if (len == 0) {
		fprintf(stderr, "keelctl: create: %s: the file is empty\n", path);
		exit(1);
	}
	if (len > max) {
		fprintf(stderr, "keelctl: create: %s: larger than %llu bytes, the most Keel takes\n", path,
			(unsigned long long)max);
		exit(1);
	}
	*size = len;
	return data;
}

int cmd_create(int argc, char **argv)
{
	static struct keel_dev_create req;
	struct config_files files;
	const char *config;
	char *text, *data[KEEL_CREATE_FILES_MAX];
	uint64_t text_size;
	int64_t r;

	cli_expect_args("create", argc, argv, 1, 1, "no configuration file given");
	config = argv[1];
	fprintf(stderr, "Parsing config from %s\n", config);
	text = read_file(config, KEEL_CREATE_CONFIG_MAX, &text_size);
	config_files_find(text, text_size, &files);
	req.config = dev_ptr(text);
	req.config_size = text_size;
	req.nfiles = files.count;
	for (unsigned i = 0; i < files.count; i++) {
		struct keel_dev_file *f = &req.files[i];
		char path[PATH_MAX];

		if (!config_file_path(path, sizeof(path), config, files.names[i])) {
			fprintf(stderr, "keelctl: create: %s: the path of '%s' beside it is too long\n", config,
				files.names[i]);
			return 1;
		}
		data[i] = read_file(path, KEEL_CREATE_FILE_MAX, &f->size);
		f->data = dev_ptr(data[i]);
		memcpy(f->name, files.names[i], sizeof(f->name));
	}
	r = dev_call(KEEL_HC_DOMAIN_CREATE, dev_ptr(&req), sizeof(req), 0, 0);
	if (r < 0 && req.why[0]) {
		fprintf(stderr, "keelctl: create: %.*s\n", (int)strnlen(req.why, sizeof(req.why)), req.why);
		return 1;
	}
	if (r < 0)
		keel_fail("create", r);
	for (unsigned i = 0; i < files.count; i++)
		free(data[i]);
	free(text);
	return 0;
}
