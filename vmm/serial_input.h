/* What arrives on Keel's serial line, handed to the COM1 of one domain (keel.cfg's
 * serial_input): the keyboard of a user at Keel's console reaches that guest, as a serial
 * console's does a PC's. Keel polls its UART, which raises no interrupt (drivers/serial.h),
 * at each pass of the scheduler and at least every SERIAL_INPUT_POLL_NS while the domain
 * is alive, keeps in a buffer of its own what the guest's receiver cannot take yet, and
 * passes it on as that receiver has room, raising its interrupt. Bytes that arrive while
 * the buffer is full are lost, as on a serial line whose receiver is not read in time. */
#ifndef KEEL_VMM_SERIAL_INPUT_H
#define KEEL_VMM_SERIAL_INPUT_H

#include <stdint.h>

#define SERIAL_INPUT_POLL_NS 10000000ull /* 10 ms: fewer than 150 characters at 115200 baud */
#define SERIAL_INPUT_BUFFER 256

/* The domain named (one of those built, else nothing arrives anywhere: said once). */
void serial_input_init(const char *domain_name);
/* Takes what the line received and passes what it can to the domain. Returns when to
 * poll again at the latest, 0 if never: no domain takes input, or it is gone for good. */
uint64_t serial_input_poll(uint64_t now_ns);

#endif
