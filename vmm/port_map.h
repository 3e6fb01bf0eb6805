/* Which device owns each of the 65,536 I/O ports of a domain, found in two steps without a
 * search: a table of the 256 blocks of 256 ports gives each block's owner table, one of
 * PORT_MAP_BLOCKS where a port of the block is owned, a shared table of zeros elsewhere.
 * A domain's devices own few ports in few blocks (the UART's eight at 0x3f8, the debug
 * port 0xe9...), so the map takes 6 KiB where one byte per port would take 64 KiB. */
#ifndef KEEL_VMM_PORT_MAP_H
#define KEEL_VMM_PORT_MAP_H

#include <stdint.h>

#define PORT_MAP_BLOCKS 16 /* blocks of 256 ports that may have owners */

struct port_map {
	uint8_t *block[256]; /* port >> 8: its block's owners, indexed by port & 0xff */
	uint8_t owner[PORT_MAP_BLOCKS][256]; /* owner numbers, or 0 */
	unsigned nblocks;
};

/* No port has an owner. */
void port_map_init(struct port_map *m);

/* The owner of port (a number from 1 to 255), or 0. */
static inline uint8_t port_map_owner(const struct port_map *m, uint16_t port)
{
	return m->block[port >> 8][port & 0xff];
}

/* Gives ports [first, first + count) to owner (1-255). Returns 0, -EINVAL (an empty range,
 * past port 0xffff, or owner 0), -EEXIST if one of them has an owner, or -ENOSPC if the
 * range would need more than PORT_MAP_BLOCKS blocks; the map is unchanged on error. */
int port_map_claim(struct port_map *m, uint16_t first, uint32_t count, uint8_t owner);

#endif
