#include <stdbool.h>
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/port_map.h"

/* The owners of every block without an owned port. Never written: port_map_claim gives a
 * block a table of its own before it writes an owner. */
static uint8_t no_owners[256];

void port_map_init(struct port_map *m)
{
	memset(m->owner, 0, sizeof(m->owner));
	for (unsigned b = 0; b < 256; b++)
		m->block[b] = no_owners;
	m->nblocks = 0;
}

static bool has_owners(const struct port_map *m, uint32_t block)
{
	return m->block[block] != no_owners;
}

int port_map_claim(struct port_map *m, uint16_t first, uint32_t count, uint8_t owner)
{
	uint32_t end = (uint32_t)first + count;
	if (!count || end > 0x10000 || !owner)
		return -EINVAL;
	unsigned new_blocks = 0;
	for (uint32_t block = first >> 8; block <= (end - 1) >> 8; block++)
		if (!has_owners(m, block))
			new_blocks++;
	for (uint32_t port = first; port < end; port++)
		if (port_map_owner(m, (uint16_t)port))
			return -EEXIST;
	if (m->nblocks + new_blocks > PORT_MAP_BLOCKS)
		return -ENOSPC;
	for (uint32_t block = first >> 8; block <= (end - 1) >> 8; block++)
		if (!has_owners(m, block))
			m->block[block] = m->owner[m->nblocks++]; /* all zeros until now */
	for (uint32_t port = first; port < end; port++)
		m->block[port >> 8][port & 0xff] = owner;
	return 0;
}
