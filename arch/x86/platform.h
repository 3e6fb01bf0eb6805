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

/* How an emulator learns that Keel has ended: exit_port takes the status byte (QEMU's
 * isa-debug-exit), shutdown_port the string "Shutdown" (Bochs). 0 for none. */
void platform_set_exit_ports(uint16_t exit_port, uint16_t shutdown_port);
/* Prints "Keel exit status N", reports it on the exit ports, then halts this CPU for good. */
void platform_exit(enum keel_status status) __attribute__((noreturn));

#endif
