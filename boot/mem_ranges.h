/* Builds the sorted, merged memory map of struct boot_info one range at a time.
 * Pure code: no firmware calls, no allocation (it runs between GetMemoryMap and
 * ExitBootServices, where nothing may change the firmware's memory map). */
#ifndef KEEL_BOOT_MEM_RANGES_H
#define KEEL_BOOT_MEM_RANGES_H

#include <stdint.h>

#include "boot/boot_info.h"

enum mem_ranges_result {
	MEM_RANGES_OK = 0,
	MEM_RANGES_OVERLAP = -1, /* overlaps a range already present, or wraps past 2^64 */
	MEM_RANGES_FULL = -2,    /* would need more than max entries */
};

/* Adds [base, base + length) of the given type to r[0 .. *count), kept sorted by base,
 * merging it with a neighbour that touches it and has the same type. Length 0 is ignored. */
int mem_ranges_add(struct boot_mem_range *r, uint32_t *count, uint32_t max,
		   uint64_t base, uint64_t length, uint32_t type);

#endif
