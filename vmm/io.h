/* The port I/O bus: device models register the ports they emulate for a domain; an I/O
 * exit is routed to the handler that owns the port. */
#ifndef KEEL_VMM_IO_H
#define KEEL_VMM_IO_H

#include <stdbool.h>
#include <stdint.h>

#define IO_MAX_RANGES 16

struct domain;
struct vcpu;
struct vm_exit;

/* in: fill *value (size bytes); out: *value holds what the guest wrote. */
typedef void (*port_handler_fn)(struct domain *d, uint16_t port, uint8_t size, bool in, uint32_t *value);

struct io_range {
	uint16_t first;
	uint16_t count;
	port_handler_fn handler;
};

struct io_ports {
	unsigned nranges;
	struct io_range ranges[IO_MAX_RANGES];
};

/* Returns 0, -EEXIST if a port is taken already, -ENOSPC or -EINVAL. */
int io_register_ports(struct domain *d, uint16_t first, uint16_t count, port_handler_fn handler);
void handle_io(struct vcpu *v, const struct vm_exit *exit);

#endif
