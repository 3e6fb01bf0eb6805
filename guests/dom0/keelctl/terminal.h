/* stdin's terminal in raw mode for console and top: each byte as typed, no echo, no signals
 * from keys; output still turns "\n" into "\r\n". Restored at exit and on a signal that
 * ends keelctl. */
#ifndef KEELCTL_TERMINAL_H
#define KEELCTL_TERMINAL_H

#include <stdbool.h>

/* False, with nothing changed, if stdin is not a terminal. */
bool terminal_raw(void);

/* Restores stdin's terminal as it was, if terminal_raw changed it. */
void terminal_restore(void);

#endif
