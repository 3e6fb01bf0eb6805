/* Keel's own console: where the serial input goes when no domain has it (Ctrl-A three
 * times moves it there after the last domain, vmm/serial_input.h). It answers single keys,
 * as Xen's debug keys do:
 *   l   the domains: state, CPU time, restarts, exits
 *   e   the exits of each domain by reason (the report's table, so far)
 *   h   the keys
 * Carriage returns, line feeds and spaces are ignored; any other key gets a line saying
 * that it means nothing here. */
#ifndef KEEL_VMM_KEEL_CONSOLE_H
#define KEEL_VMM_KEEL_CONSOLE_H

#include <stdint.h>

void keel_console_key(uint8_t key);
/* One line: what the keys are. */
void keel_console_help(void);

#endif
