/* The debug console port 0xe9 (as in Bochs and QEMU's debugcon): each byte written is
 * guest console text; reading the port returns 0xe9, the usual way to detect it. */
#ifndef KEEL_VMM_DEV_DEBUGCON_H
#define KEEL_VMM_DEV_DEBUGCON_H

#define DEBUGCON_PORT 0xe9

struct domain;

/* Returns 0 or the error of registering the port. */
int debugcon_attach(struct domain *d);

#endif
