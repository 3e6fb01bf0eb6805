#include "vmm/dev/serial_port.h"
#include "vmm/domain.h"

static void transmit(void *ctx, uint8_t byte)
{
	char c = (char)byte;
	console_put(ctx, CONSOLE_UART, &c, 1);
}

/* A 2- or 4-byte access reaches consecutive registers, a byte each, as the bus splits it
 * for a byte-wide device; bytes past the last register float high. */
static void serial_access(struct domain *d, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	struct uart16550 *u = dev;
	(void)d;
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = port + i - SERIAL_PORT_BASE;
		if (in) {
			uint32_t byte = reg < UART16550_PORTS ? uart16550_read(u, reg) : 0xff;
			*value = (*value & ~(0xffu << (8 * i))) | byte << (8 * i);
		} else if (reg < UART16550_PORTS) {
			uart16550_write(u, reg, (uint8_t)(*value >> (8 * i)));
		}
	}
}

int serial_port_attach(struct domain *d)
{
	uart16550_init(&d->uart, transmit, d);
	return io_register_ports(d, SERIAL_PORT_BASE, UART16550_PORTS, serial_access, &d->uart);
}
