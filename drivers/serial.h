/* The hypervisor's own console: a 16550 UART (COM1 at 0x3f8 on PCs), 115200 8N1, polled,
 * both ways (what it receives goes to a domain or Keel's console: vmm/serial_input.h). */
#ifndef KEEL_DRIVERS_SERIAL_H
#define KEEL_DRIVERS_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void serial_init(uint16_t base);
/* "\n" is sent as "\r\n"; text after raw bytes that ended mid-line starts a line of its own. */
void serial_write(const char *text, size_t len);
/* The bytes as they are: a domain's output to the terminal that types to it. */
void serial_write_raw(const char *text, size_t len);
/* Waits until the last character has left the UART (before the machine is switched off). */
void serial_drain(void);
/* A character the UART has received, if it holds one: true and *c. */
bool serial_read(uint8_t *c);

#endif
