/* COM1: the domain's 16550 UART (vmm/dev/uart16550.c) at ports 0x3f8-0x3ff, its output
 * the domain's console, its interrupt ISA IRQ 4 (while the guest sets OUT2). */
#ifndef KEEL_VMM_DEV_SERIAL_PORT_H
#define KEEL_VMM_DEV_SERIAL_PORT_H

#define SERIAL_PORT_BASE 0x3f8

struct domain;

/* Resets the domain's UART and registers its ports. Returns 0 or the error of that. */
int serial_port_attach(struct domain *d);

#endif
