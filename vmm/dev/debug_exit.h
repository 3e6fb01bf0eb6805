/* The debug-exit device at the domain's debug_exit port (default 0xf4, like QEMU's
 * isa-debug-exit): the value a guest writes there (1, 2 or 4 bytes) ends the domain as a
 * poweroff with that exit status. Reads return all ones. */
#ifndef KEEL_VMM_DEV_DEBUG_EXIT_H
#define KEEL_VMM_DEV_DEBUG_EXIT_H

#include <stdint.h>

struct domain;

/* Returns 0 or the error of registering the port. */
int debug_exit_attach(struct domain *d, uint16_t port);

#endif
