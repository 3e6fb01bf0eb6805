/* /dev/keel: how a privileged program in a Linux dom0 makes Keel's domain-control
 * hypercalls (include/keel/hypercall.h, docs/dom0.md), through the kernel driver in
 * guests/dom0/driver/. As Xen's privcmd, the driver copies each buffer between the program
 * and memory Keel may read, by the layout it knows for each hypercall, and checks its size;
 * a program passes its own addresses, never a guest-physical one.
 *
 * Shared by the driver (Linux kernel C) and keelctl (C, against the C library): fixed-size
 * types only. */
#ifndef KEEL_DEV_H
#define KEEL_DEV_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif
#include "hypercall.h"

#define KEEL_DEV_PATH "/dev/keel"
#define KEEL_DEV_BUFFER_MAX 65536 /* bytes of one buffer the driver copies (lists, consoles, the log) */

/* One domain-control hypercall (KEEL_HC_DOMAIN_LIST .. KEEL_HC_DOMAIN_CREATE), or one that
 * reads dom0's own boot modules (KEEL_HC_MODULE_INFO, KEEL_HC_MODULE_READ): nr and its
 * arguments as the ABI orders them, a buffer given as the program's address. What the
 * driver does with each:
 *   domain_list     arg0 buffer (arg1 bytes, at most KEEL_DEV_BUFFER_MAX) written back
 *   host_info       arg0 buffer (arg1 bytes, at most KEEL_DEV_BUFFER_MAX) written back
 *   console_read    arg1 buffer (arg2 bytes) written back; arg3 the address of the
 *                   uint64_t position, read and written back
 *   console_input   arg1 buffer (arg2 bytes, at most KEEL_CONSOLE_WRITE_MAX) read
 *   keel_log        arg0 buffer (arg1 bytes) written back; arg2 the position's address
 *   domain_create   arg0 the address of a struct keel_dev_create, arg1 its size; the
 *                   driver copies the configuration and each file into its own pages
 *   module_info     arg1 buffer (arg2 bytes) written back
 *   module_read     arg1 buffer (arg2 bytes, at most KEEL_DEV_BUFFER_MAX) written back
 *   the others      numbers only, passed as they are
 * result is Keel's answer (RAX); the ioctl returns 0 when the call was made, whatever
 * Keel answered, or fails with errno: EFAULT (a bad address), E2BIG (a buffer too big),
 * ENOMEM, EINVAL (a number not listed here). */
struct keel_dev_call {
	uint64_t nr;
	uint64_t arg[5];
	int64_t result;
};

/* A file for domain_create: its bytes at the program's address data. */
struct keel_dev_file {
	uint64_t data;
	uint64_t size; /* 1 .. KEEL_CREATE_FILE_MAX */
	char name[KEEL_CREATE_FILE_NAME_MAX];
};

/* domain_create's request, as a program gives it; the driver writes why back on failure. */
struct keel_dev_create {
	uint64_t config;      /* the program's address of the configuration's text */
	uint64_t config_size; /* 1 .. KEEL_CREATE_CONFIG_MAX */
	uint32_t nfiles;      /* 0 .. KEEL_CREATE_FILES_MAX */
	uint32_t reserved;
	struct keel_dev_file files[KEEL_CREATE_FILES_MAX];
	char why[KEEL_CREATE_WHY_MAX];
};

#define KEEL_DEV_CALL _IOWR('K', 1, struct keel_dev_call)

#endif
