/* /dev/keel (include/keel/keel_dev.h): the one way keelctl makes Keel's domain-control
 * hypercalls. */
#ifndef KEELCTL_DEV_H
#define KEELCTL_DEV_H

#include <stdint.h>

/* Makes hypercall nr with its arguments (a buffer as this program's address) and returns
 * Keel's answer: >= 0, or a negative KEEL_E* code. Opens /dev/keel the first time. If it
 * cannot be opened, or the driver refuses the call, says why and exits with status 1. */
int64_t dev_call(uint64_t nr, uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3);

/* A pointer as a hypercall argument. */
static inline uint64_t dev_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

#endif
