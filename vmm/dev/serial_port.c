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
static __attribute__((noinline)) uint32_t access_bytes(struct uart16550 *u, unsigned first, uint8_t size,
						       bool in, uint32_t value)
{
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = first + i;
		if (in) {
			uint32_t byte = reg < UART16550_PORTS ? uart16550_read(u, reg) : 0xff;
			value = (value & ~(0xffu << (8 * i))) | byte << (8 * i);
		} else if (reg < UART16550_PORTS) {
			uart16550_write(u, reg, (uint8_t)(value >> (8 * i)));
		}
	}
	return value;
}

static uint32_t serial_access(struct domain *d, void *dev, uint16_t port, uint8_t size, bool in, uint32_t value)
{
	struct uart16550 *u = dev;
	unsigned reg = port - SERIAL_PORT_BASE;
	(void)d;
	if (size != 1)
		return access_bytes(u, reg, size, in, value);
	if (in)
		return uart16550_read(u, reg);
	uart16550_write(u, reg, (uint8_t)value);
	return 0;
}

int serial_port_attach(struct domain *d)
{
	struct uart16550 *u = io_device_state(d, sizeof(*u));
	if (!u)
		return -ENOMEM;
	uart16550_init(u, transmit, d);
	return io_register_ports(d, SERIAL_PORT_BASE, UART16550_PORTS, serial_access, u);
}
