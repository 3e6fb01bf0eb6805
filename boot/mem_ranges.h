/* Builds the sorted, merged memory map of struct boot_info: one range at a time from a map
 * that never overlaps (UEFI), or all at once from one that may (BIOS e820, via Multiboot2).
 * Pure code: no firmware calls, no allocation (it runs between GetMemoryMap and
 * ExitBootServices, where nothing may change the firmware's memory map). */
#ifndef KEEL_BOOT_MEM_RANGES_H
#define KEEL_BOOT_MEM_RANGES_H

#include <stdint.h>

#include "boot/boot_info.h"

/* The most input ranges mem_ranges_sanitize() takes: it rescans the input at every change
 * point, so this bounds its time (2n + 1 passes over n ranges), not its memory. */
#define MEM_RANGES_SANITIZE_MAX 256

enum mem_ranges_result {
	MEM_RANGES_OK = 0,
	MEM_RANGES_OVERLAP = -1,  /* overlaps a range already present, or wraps past 2^64 */
	MEM_RANGES_FULL = -2,     /* would need more than max entries */
	MEM_RANGES_TOO_MANY = -3, /* mem_ranges_sanitize: more than MEM_RANGES_SANITIZE_MAX inputs */
};

/* Adds [base, base + length) of the given type to r[0 .. *count), kept sorted by base,
 * merging it with a neighbour that touches it and has the same type. Length 0 is ignored. */
int mem_ranges_add(struct boot_mem_range *r, uint32_t *count, uint32_t max,
		   uint64_t base, uint64_t length, uint32_t type);

/* Rewrites in[0 .. n) (any order, may overlap, zero lengths allowed) into out[0 .. *count):
 * sorted, non-overlapping, merged where neighbours touch and share a type. Where ranges
 * overlap, the type with the higher precedence wins; lowest first: USABLE, BOOT_DATA,
 * RESERVED, ACPI_RECLAIM, ACPI_NVS, BAD, FIRMWARE, then types Keel does not know (the
 * larger value first). Usable RAM ranks lowest because it is what gets handed out: a byte
 * anything else claims must never be given away. Ranges that wrap past 2^64 are clipped
 * at 2^64. Two same-type neighbours stay apart only where one entry could not hold their
 * length (2^64 bytes). out must not overlap in.
 * Returns MEM_RANGES_OK; MEM_RANGES_FULL if the result needs more than max entries (out
 * then holds its first max); MEM_RANGES_TOO_MANY, with *count 0, if n is above
 * MEM_RANGES_SANITIZE_MAX. Uses a few words of stack and no other memory. */
int mem_ranges_sanitize(const struct boot_mem_range *in, uint32_t n, struct boot_mem_range *out,
			uint32_t *count, uint32_t max);

#endif
