/* The port I/O bus: device models register the ports they emulate for a domain, and keep
 * their state in memory the bus hands them (io_device_state); an I/O
 * exit goes straight to the handler that owns the port (vmm/port_map.h: two table
 * lookups, so the exit path does not search). Ports no device owns read as all ones and ignore
 * writes, as on a PC bus with nothing behind them. */
#ifndef KEEL_VMM_IO_H
#define KEEL_VMM_IO_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/port_map.h"

#define IO_MAX_RANGES 15 /* owner numbers 1..15; 0 = no device */

struct domain;
struct vcpu;
struct vm_exit;

/* An access of size bytes. in: returns what the guest reads, value being all ones (what
 * the bus floats where the device drives nothing); out: value is what the guest wrote, and
 * what is returned goes nowhere. dev is what the device registered with. */
typedef uint32_t (*port_handler_fn)(struct domain *d, void *dev, uint16_t port, uint8_t size, bool in,
				    uint32_t value);

struct io_range {
	uint16_t first;
	uint16_t count;
	port_handler_fn handler;
	void *dev;
};

struct io_ports {
	struct port_map owner; /* 1 + index into ranges, or 0 */
	unsigned nranges;
	struct io_range ranges[IO_MAX_RANGES];
	/* The device models' own state (io_device_state): one page of the domain's, handed out
	 * in pieces, so that struct domain does not grow with each device. */
	uint8_t *state;
	uint64_t state_pa, state_used;
};

/* No device has a port yet, and none has state: the domain's devices are attached next.
 * Returns 0, or -ENOMEM if their state page cannot be had. */
int io_init(struct domain *d);
/* Frees what io_init took (the domain is destroyed). */
void io_free(struct domain *d);
/* size bytes of zeroed memory for a device model's state, for the domain's life until it
 * restarts (its devices are attached again then); NULL if the page is full. */
void *io_device_state(struct domain *d, uint64_t size);
/* Returns 0, -EEXIST if a port is taken already, -ENOSPC or -EINVAL. */
int io_register_ports(struct domain *d, uint16_t first, uint16_t count, port_handler_fn handler, void *dev);
void handle_io(struct vcpu *v, const struct vm_exit *exit);

#endif
