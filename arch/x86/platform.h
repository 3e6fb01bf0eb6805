/* How the core ends: the exit status it reports, and stopping the machine. */
#ifndef KEEL_ARCH_X86_PLATFORM_H
#define KEEL_ARCH_X86_PLATFORM_H

#include <stdint.h>

/* Keel's exit status, written to the configured exit port (docs/architecture.md). */
enum keel_status {
	KEEL_STATUS_OK = 0,              /* every domain stopped cleanly */
	KEEL_STATUS_PANIC = 1,           /* Keel itself failed: CPU exception, assertion */
	KEEL_STATUS_UNSUPPORTED_CPU = 2, /* a required CPU feature is missing */
	KEEL_STATUS_BAD_CONFIG = 3,      /* no usable configuration or no domain could be built */
	KEEL_STATUS_DOMAIN_FAILED = 4,   /* finished, but a domain crashed or was not built */
};

/* The I/O port of a debug-exit device (QEMU's isa-debug-exit), 0 for none. */
void platform_set_exit_port(uint16_t port);
/* Reports the status on the exit port, if any, then halts this CPU for good. */
void platform_exit(enum keel_status status) __attribute__((noreturn));

#endif
