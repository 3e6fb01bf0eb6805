/* The key sequence that moves Keel's serial input to its next owner: Ctrl-A three times in
 * a row, as on Xen's console. A Ctrl-A is held back until the next byte shows whether the
 * sequence goes on; one or two that another byte follows are passed on before it, so a
 * guest still gets the Ctrl-A a shell uses (beginning of line), one key late. */
#ifndef KEEL_VMM_SWITCH_KEYS_H
#define KEEL_VMM_SWITCH_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#define SWITCH_KEY 0x01   /* Ctrl-A */
#define SWITCH_PRESSES 3
#define SWITCH_KEYS_OUT SWITCH_PRESSES /* the most bytes one typed byte lets out */

struct switch_keys {
	unsigned held; /* Ctrl-As in a row, held back */
};

/* Takes one typed byte. Returns true when it completes the sequence (nothing to pass on);
 * otherwise false, with the bytes to pass on, oldest first, in out[0..*n). */
bool switch_keys_feed(struct switch_keys *k, uint8_t c, uint8_t out[SWITCH_KEYS_OUT], unsigned *n);

#endif
