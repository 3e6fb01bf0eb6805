#include "drivers/tsc.h"
#include "lib/errno.h"
#include "vmm/dev/pc.h"
#include "vmm/dev/pc_platform.h"
#include "vmm/dev/serial_port.h"
#include "vmm/dev/uart16550.h"
#include "vmm/domain.h"
#include "vmm/vtimer.h"

struct serial_port {
	struct uart16550 uart;
	struct domain *d;
	bool irq; /* the level last given to IRQ 4 */
	struct vtimer *rx_timer; /* the receiver's character timeout */
	uint32_t rx_moves_seen;  /* the receiver's moves when that timer was armed */
};

#define UART_TIMEOUT_CHARS 4 /* the character timeout's wait (PC16550D, "FIFO Interrupt Mode") */

static void transmit(void *ctx, uint8_t byte)
{
	console_put_uart(ctx, (char)byte);
}

/* A PC's board passes the UART's interrupt output to IRQ 4 only while the UART's OUT2
 * output is on (MCR bit 3): what drivers set to enable the interrupt. */
static void update_irq(struct serial_port *s)
{
	bool level = uart16550_interrupt_pending(&s->uart) && uart16550_out2(&s->uart);
	if (level != s->irq) {
		s->irq = level;
		pc_set_isa_irq(s->d->pc, PC_IRQ_COM1, level);
	}
}

/* LCR and the scratch register (offsets 3 and 7) change nothing an interrupt depends on:
 * a byte's access to them skips the check (a driver's probe, the bench's port access). */
#define NO_INTERRUPT_EFFECT ((1u << 3) | (1u << 7))

static bool no_interrupt_effect(uint64_t offset, unsigned size)
{
	return size == 1 && ((1u << offset) & NO_INTERRUPT_EFFECT);
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

/* Reads change what is pending too: IIR's read ends the THRE interrupt, RBR's the data's.
 * Out of line: the accesses that cannot change it go straight to the model. */
static __attribute__((noinline)) uint64_t read_and_update(struct serial_port *s, uint64_t offset, unsigned size)
{
	uint64_t value = size == 1 ? uart16550_read(&s->uart, (unsigned)offset)
				   : access_bytes(&s->uart, offset, size, true, ~0ull);
	update_irq(s);
	return value;
}

static __attribute__((noinline)) void write_and_update(struct serial_port *s, uint64_t offset, unsigned size,
							uint64_t value)
{
	if (size == 1)
		uart16550_write(&s->uart, (unsigned)offset, (uint8_t)value);
	else
		access_bytes(&s->uart, offset, size, false, value);
	update_irq(s);
}

static uint64_t serial_read(void *dev, uint64_t offset, unsigned size)
{
	struct serial_port *s = dev;
	if (no_interrupt_effect(offset, size))
		return uart16550_read(&s->uart, (unsigned)offset);
	return read_and_update(s, offset, size);
}

static void serial_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct serial_port *s = dev;
	if (no_interrupt_effect(offset, size))
		uart16550_write(&s->uart, (unsigned)offset, (uint8_t)value);
	else
		write_and_update(s, offset, size, value);
}

static const struct io_ops serial_ops = { serial_read, serial_write };

/* The character timeout (PC16550D, "FIFO Interrupt Mode"): bytes have waited in the FIFO,
 * none entering or leaving it, for four character times. A timer armed when a byte arrives
 * at a quiet receiver looks: if the FIFO moved meanwhile, it waits four more. */
static void arm_rx_timer(struct serial_port *s)
{
	s->rx_moves_seen = s->uart.rx_moves;
	vtimer_set_deadline(s->rx_timer, tsc_now_ns() + UART_TIMEOUT_CHARS * uart16550_char_ns(&s->uart));
}

static void rx_timer_fired(void *dev)
{
	struct serial_port *s = dev;
	if (!s->uart.rx_count)
		return;
	if (s->uart.rx_moves != s->rx_moves_seen) {
		arm_rx_timer(s);
		return;
	}
	uart16550_rx_timed_out(&s->uart);
	update_irq(s);
}

int serial_port_attach(struct domain *d)
{
	struct serial_port *s = io_device_state(d, sizeof(*s));
	if (!s)
		return -ENOMEM;
	uart16550_init(&s->uart, transmit, d);
	s->d = d;
	s->irq = false;
	if (!(s->rx_timer = vtimer_add(&d->vcpu, rx_timer_fired, s)))
		return -ENOSPC;
	d->com1 = s;
	return io_register_ports(d, SERIAL_PORT_BASE, UART16550_PORTS, &serial_ops, s);
}

bool serial_port_receive(struct serial_port *s, uint8_t byte)
{
	if (!uart16550_can_receive(&s->uart))
		return false;
	uart16550_receive(&s->uart, byte);
	if (!s->rx_timer->deadline_ns)
		arm_rx_timer(s);
	update_irq(s);
	return true;
}
