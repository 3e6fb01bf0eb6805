/* Spots Keel's input-switch sequence in what is typed (see switch_keys.h). */
#include "vmm/switch_keys.h"

bool switch_keys_feed(struct switch_keys *k, uint8_t c, uint8_t out[SWITCH_KEYS_OUT], unsigned *n)
{
	*n = 0;
	if (c == SWITCH_KEY) {
		if (++k->held < SWITCH_PRESSES)
			return false;
		k->held = 0;
		return true;
	}
	for (; k->held; k->held--)
		out[(*n)++] = SWITCH_KEY;
	out[(*n)++] = c;
	return false;
}
