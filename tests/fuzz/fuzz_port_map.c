/* The port map (vmm/port_map.c) under any sequence of claims, checked against a plain
 * array of 65,536 owners, at every claimed port, its neighbours and a spread of others. Each input claim: first port (2 bytes), count (2), owner (1). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "lib/errno.h"
#include "vmm/port_map.h"

static void check(const struct port_map *map, const uint8_t *model, uint32_t port)
{
	if (port < 0x10000 && port_map_owner(map, (uint16_t)port) != model[port])
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct port_map map;
	static uint8_t model[0x10000];
	port_map_init(&map);
	memset(model, 0, sizeof(model));
	for (size_t off = 0; off + 5 <= size; off += 5) {
		uint16_t first, count;
		memcpy(&first, data + off, 2);
		memcpy(&count, data + off + 2, 2);
		uint8_t owner = data[off + 4];
		int rc = port_map_claim(&map, first, count, owner);
		if (rc == 0)
			memset(model + first, owner, count);
		else if (rc != -EINVAL && rc != -EEXIST && rc != -ENOSPC)
			__builtin_trap();
	}
	/* Every port of every claim, granted or not, its neighbours, and a port in each block. */
	for (size_t off = 0; off + 5 <= size; off += 5) {
		uint16_t first, count;
		memcpy(&first, data + off, 2);
		memcpy(&count, data + off + 2, 2);
		for (uint32_t port = first ? first - 1u : 0; port <= (uint32_t)first + count; port++)
			check(&map, model, port);
	}
	for (uint32_t port = 0; port < 0x10000; port += 251)
		check(&map, model, port);
	return 0;
}
