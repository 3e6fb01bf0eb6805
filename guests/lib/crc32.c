/* CRC-32 as in IEEE 802.3 and zlib: reflected, polynomial 0xEDB88320, initial value and
 * final XOR 0xFFFFFFFF. Table-driven, one byte per step; the table is built on first use. */
#include "guests/lib/guest.h"

#define CRC32_POLY 0xedb88320u

static uint32_t table[256];
static bool table_ready;

static void build_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int bit = 0; bit < 8; bit++)
			c = (c & 1) ? (c >> 1) ^ CRC32_POLY : c >> 1;
		table[i] = c;
	}
	table_ready = true;
}

uint32_t crc32(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffu;

	if (!table_ready)
		build_table();
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}
