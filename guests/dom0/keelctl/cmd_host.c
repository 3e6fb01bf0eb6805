/* The commands about Keel and the machine: info (xl info) and dmesg (xl dmesg). */
#include <stdio.h>
#include <stdlib.h>

#include "guests/dom0/keelctl/cli.h"
#include "guests/dom0/keelctl/dev.h"
#include "guests/dom0/keelctl/format.h"
#include "guests/dom0/keelctl/keelctl.h"
#include "include/keel/keel_dev.h"

int cmd_info(int argc, char **argv)
{
	struct keel_host_info h = { 0 };
	char text[2048];
	int64_t r;

	cli_expect_args("info", argc, argv, 0, 0, "");
	r = dev_call(KEEL_HC_HOST_INFO, dev_ptr(&h), sizeof(h), 0, 0);
	if (r < 0)
		keel_fail("info", r);
	format_info(text, sizeof(text), &h);
	fputs(text, stdout);
	return 0;
}

int cmd_dmesg(int argc, char **argv)
{
	char *buf = malloc(KEEL_DEV_BUFFER_MAX);
	uint64_t position = 0;
	int64_t r;

	cli_expect_args("dmesg", argc, argv, 0, 0, "");
	if (!buf)
		system_fail("dmesg", "log buffer");
	while ((r = dev_call(KEEL_HC_KEEL_LOG, dev_ptr(buf), KEEL_DEV_BUFFER_MAX, dev_ptr(&position), 0)) > 0)
		fwrite(buf, 1, (uint64_t)r < KEEL_DEV_BUFFER_MAX ? (size_t)r : KEEL_DEV_BUFFER_MAX, stdout);
	if (r < 0)
		keel_fail("dmesg", r);
	free(buf);
	return 0;
}
