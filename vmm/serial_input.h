/* What arrives on Keel's serial line, handed to one owner at a time: the COM1 of a domain,
 * as a serial console's keyboard reaches a PC, or Keel's own console (vmm/keel_console.h).
 * keel.cfg's serial_input names the domain that has it first; with none named, Keel never
 * reads its line. Ctrl-A three times (vmm/switch_keys.h) moves the input to the next domain
 * still alive, in id order, and from the last one to Keel's console, then round again; a
 * line says where it went. When its domain is destroyed or preserved, the input goes to
 * Keel's console. The domain that has the input has the terminal: its UART's output is
 * sent as written (vmm/console.h).
 *
 * Keel polls its UART, which raises no interrupt (drivers/serial.h), at each pass of the
 * scheduler and at least every SERIAL_INPUT_POLL_NS while a domain is alive, keeps in a
 * buffer of its own what the guest's receiver cannot take yet, and passes it on as that
 * receiver has room, raising its interrupt. Bytes that arrive while the buffer is full are
 * lost, as on a serial line whose receiver is not read in time; bytes still waiting when
 * the input moves on are dropped, since they were typed for the domain it left. */
#ifndef KEEL_VMM_SERIAL_INPUT_H
#define KEEL_VMM_SERIAL_INPUT_H

#include <stdint.h>

#define SERIAL_INPUT_POLL_NS 10000000ull /* 10 ms: fewer than 150 characters at 115200 baud */
#define SERIAL_INPUT_BUFFER 256

/* Starts reading with the domain named as owner ("" : Keel does not read its line; a
 * domain that was not built: Keel's console, said once). */
void serial_input_init(const char *domain_name);
/* Takes what the line received and passes what it can to the owner. Returns when to poll
 * again at the latest, 0 if never: Keel does not read its line, or no domain is alive. */
uint64_t serial_input_poll(uint64_t now_ns);

#endif
