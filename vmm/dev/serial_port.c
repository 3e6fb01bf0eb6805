#include "lib/errno.h"
#include "vmm/dev/serial_port.h"
#include "vmm/dev/uart16550.h"
#include "vmm/domain.h"

static void transmit(void *ctx, uint8_t byte)
{
	char c = (char)byte;
	console_put(ctx, CONSOLE_UART, &c, 1);
}

/* A 2- or 4-byte access reaches consecutive registers, a byte each, as the bus splits it
 * for a byte-wide device; bytes past the last register float high. Out of line, so that a
 * byte's access saves and restores no register. */
static __attribute__((noinline)) uint64_t access_bytes(struct uart16550 *u, uint64_t first, unsigned size, bool in,
						       uint64_t value)
{
	for (unsigned i = 0; i < size; i++) {
		uint64_t reg = first + i;
		if (in) {
			uint64_t byte = reg < UART16550_PORTS ? uart16550_read(u, (unsigned)reg) : 0xff;
			value = (value & ~(0xffull << (8 * i))) | byte << (8 * i);
		} else if (reg < UART16550_PORTS) {
			uart16550_write(u, (unsigned)reg, (uint8_t)(value >> (8 * i)));
		}
	}
	return value;
}

static uint64_t serial_read(void *dev, uint64_t offset, unsigned size)
{
	return size == 1 ? uart16550_read(dev, (unsigned)offset) : access_bytes(dev, offset, size, true, ~0ull);
}

static void serial_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	if (size == 1)
		uart16550_write(dev, (unsigned)offset, (uint8_t)value);
	else
		access_bytes(dev, offset, size, false, value);
}

static const struct io_ops serial_ops = { serial_read, serial_write };

int serial_port_attach(struct domain *d)
{
	struct uart16550 *u = io_device_state(d, sizeof(*u));
	if (!u)
		return -ENOMEM;
	uart16550_init(u, transmit, d);
	return io_register_ports(d, SERIAL_PORT_BASE, UART16550_PORTS, &serial_ops, u);
}
