/* /dev/keel (dev.h): opens the device and makes each call with ioctl KEEL_DEV_CALL. */
#include "guests/dom0/keelctl/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "include/keel/keel_dev.h"

static int dev_fd = -1;

int64_t dev_call(uint64_t nr, uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
	struct keel_dev_call call = { .nr = nr, .arg = { arg0, arg1, arg2, arg3, 0 } };

	if (dev_fd < 0) {
		dev_fd = open(KEEL_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (dev_fd < 0) {
			fprintf(stderr, "keelctl: cannot open %s: %s (is the keel module loaded?)\n", KEEL_DEV_PATH,
				strerror(errno));
			exit(1);
		}
	}
	if (ioctl(dev_fd, KEEL_DEV_CALL, &call) < 0) {
		fprintf(stderr, "keelctl: %s refused hypercall %llu: %s\n", KEEL_DEV_PATH, (unsigned long long)nr,
			strerror(errno));
		exit(1);
	}
	return call.result;
}
