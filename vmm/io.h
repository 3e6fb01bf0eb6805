/* A domain's I/O bus: the one way device models reach the guest. Each registers its port
 * ranges and its guest-physical MMIO ranges with its read and write (struct io_ops) and
 * keeps its state in memory the bus hands it (io_device_state). A port I/O exit goes
 * straight to the device that owns the port (vmm/port_map.h: two table lookups, so the
 * exit path does not search); an access to guest-physical memory that nothing backs goes
 * to the MMIO range that holds it. Ports no device owns read as all ones and ignore
 * writes, as on a PC bus with nothing behind them, and so does unbacked guest-physical
 * space. */
#ifndef KEEL_VMM_IO_H
#define KEEL_VMM_IO_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/port_map.h"

#define IO_MAX_RANGES 24 /* port ranges: owner numbers 1..24; 0 = no device */
#define IO_MAX_MMIO 8    /* MMIO ranges */

struct domain;
struct vcpu;
struct vm_exit;

/* What a device model does with an access of size bytes (1, 2, 4 or 8) at offset from the
 * start of its range: read returns what the guest reads (the bus keeps the low size bytes),
 * write takes what the guest wrote (its low size bytes). dev is what the device
 * registered with. */
struct io_ops {
	uint64_t (*read)(void *dev, uint64_t offset, unsigned size);
	void (*write)(void *dev, uint64_t offset, unsigned size, uint64_t value);
};

struct io_range {
	uint64_t base, size; /* a port range, or guest-physical addresses */
	const struct io_ops *ops;
	void *dev;
};

struct io_bus {
	struct port_map owner; /* 1 + index into ports, or 0 */
	unsigned nports, nmmio;
	struct io_range ports[IO_MAX_RANGES];
	struct io_range mmio[IO_MAX_MMIO];
	/* The device models' own state (io_device_state): one page of the domain's, handed out
	 * in pieces, so that struct domain does not grow with each device. */
	uint8_t *state;
	uint64_t state_pa, state_used;
};

/* No device has a port or an MMIO range yet, and none has state: the domain's devices are
 * attached next. Returns 0, or -ENOMEM if their state page cannot be had. */
int io_init(struct domain *d);
/* Frees what io_init took (the domain is destroyed). */
void io_free(struct domain *d);
/* size bytes of zeroed memory for a device model's state, for the domain's life until it
 * restarts (its devices are attached again then); NULL if the page is full. */
void *io_device_state(struct domain *d, uint64_t size);
/* Each returns 0, -EEXIST if part of the range is taken already, -ENOSPC or -EINVAL. */
int io_register_ports(struct domain *d, uint16_t first, uint16_t count, const struct io_ops *ops, void *dev);
int io_register_mmio(struct domain *d, uint64_t gpa, uint64_t size, const struct io_ops *ops, void *dev);
/* An access to guest-physical gpa that nothing backs, wholly inside one device's range or
 * not: the device's answer, or all ones and a write that goes nowhere. Each returns false
 * when no device has the range: nothing is there. */
bool io_mmio_read(struct domain *d, uint64_t gpa, unsigned size, uint64_t *value);
bool io_mmio_write(struct domain *d, uint64_t gpa, unsigned size, uint64_t value);
/* A port access of size bytes (1, 2 or 4): the device's answer, or all ones and a write
 * that goes nowhere. */
uint64_t io_port_read(struct domain *d, uint16_t port, unsigned size);
void io_port_write(struct domain *d, uint16_t port, unsigned size, uint64_t value);
/* A port I/O exit: IN and OUT here, INS and OUTS through vmm/emulate.h. */
void handle_io(struct vcpu *v, const struct vm_exit *exit);

#endif
