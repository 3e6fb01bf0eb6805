/* keelctl files <dir>: copies the files Keel handed dom0 as its boot modules (all but its
 * ramdisk; module_info, module_read) into dir, one per module under its own name, as Xen
 * hands dom0 its boot modules. dom0's init runs it into /etc/keel. */
#include <stdio.h>
#include <stdlib.h>

#include "guests/dom0/keelctl/cli.h"
#include "guests/dom0/keelctl/dev.h"
#include "guests/dom0/keelctl/keelctl.h"
#include "include/keel/keel_dev.h"

/* Module index into path; the bytes written. */
static uint64_t copy_module(uint32_t index, const char *path, char *buf)
{
	FILE *f = fopen(path, "wb");
	uint64_t offset = 0;
	int64_t r;

	if (!f)
		system_fail("files", path);
	while ((r = dev_call(KEEL_HC_MODULE_READ, index, dev_ptr(buf), KEEL_DEV_BUFFER_MAX, offset)) > 0) {
		if (fwrite(buf, 1, (size_t)r, f) != (size_t)r)
			system_fail("files", path);
		offset += (uint64_t)r;
	}
	if (r < 0)
		keel_fail("files", r);
	if (fclose(f) != 0)
		system_fail("files", path);
	return offset;
}

int cmd_files(int argc, char **argv)
{
	char *buf = malloc(KEEL_DEV_BUFFER_MAX);
	struct keel_module_info info;
	int64_t r;

	cli_expect_args("files", argc, argv, 1, 1, "no directory given");
	if (!buf)
		system_fail("files", "a buffer");
	for (uint32_t i = 0; (r = dev_call(KEEL_HC_MODULE_INFO, i, dev_ptr(&info), sizeof(info), 0)) >= 0; i++) {
		char path[4096];
		if (info.ramdisk)
			continue;
		if (snprintf(path, sizeof(path), "%s/%.*s", argv[1], (int)sizeof(info.name), info.name) >= (int)sizeof(path))
			usage_fail("files", "the directory's name is too long");
		printf("%s: %llu bytes\n", path, (unsigned long long)copy_module(i, path, buf));
	}
	if (r != -KEEL_ENOENT)
		keel_fail("files", r);
	free(buf);
	return 0;
}
