/* COM1: the domain's 16550 UART (vmm/dev/uart16550.c) at ports 0x3f8-0x3ff, its output
 * the domain's console, its interrupt ISA IRQ 4 (while the guest sets OUT2). */
#ifndef KEEL_VMM_DEV_SERIAL_PORT_H
#define KEEL_VMM_DEV_SERIAL_PORT_H

#include <stdbool.h>
#include <stdint.h>

#define SERIAL_PORT_BASE 0x3f8

struct domain;

struct serial_port;

/* Resets the domain's UART, registers its ports and makes it d->com1. Returns 0 or the
 * error of that. */
int serial_port_attach(struct domain *d);
/* A byte for the guest's receiver (from Keel's serial line, or dom0's console_input), if it
 * can keep it now (see uart16550_can_receive), raising its interrupt as the guest enabled
 * it; false, and nothing happens, if not. The FIFO's character timeout, which the UART
 * model leaves to its caller, is a device timer of the domain's (vmm/vtimer.h): it raises
 * the timeout interrupt once bytes have waited in the FIFO, none entering or leaving, for
 * four character times. */
bool serial_port_receive(struct serial_port *s, uint8_t byte);

#endif
