#include "boot/mem_ranges.h"

static uint64_t range_end(const struct boot_mem_range *r)
{
	return r->base + r->length;
}

int mem_ranges_add(struct boot_mem_range *r, uint32_t *count, uint32_t max,
		   uint64_t base, uint64_t length, uint32_t type)
{
	uint64_t end = base + length;
	uint32_t n = *count, i = 0, j;
	int join_prev, join_next;

	if (length == 0)
		return MEM_RANGES_OK;
	if (end < base)
		return MEM_RANGES_OVERLAP;
	while (i < n && r[i].base < base)
		i++;
	/* r[i - 1] starts below base, r[i] (if any) at or above it. */
	if (i > 0 && range_end(&r[i - 1]) > base)
		return MEM_RANGES_OVERLAP;
	if (i < n && r[i].base < end)
		return MEM_RANGES_OVERLAP;

	join_prev = i > 0 && range_end(&r[i - 1]) == base && r[i - 1].type == type;
	join_next = i < n && r[i].base == end && r[i].type == type;
	if (join_prev && join_next) {
		r[i - 1].length += length + r[i].length;
		for (j = i; j + 1 < n; j++)
			r[j] = r[j + 1];
		*count = n - 1;
	} else if (join_prev) {
		r[i - 1].length += length;
	} else if (join_next) {
		r[i].base = base;
		r[i].length += length;
	} else {
		if (n == max)
			return MEM_RANGES_FULL;
		for (j = n; j > i; j--)
			r[j] = r[j - 1];
		r[i].base = base;
		r[i].length = length;
		r[i].type = type;
		r[i].reserved = 0;
		*count = n + 1;
	}
	return MEM_RANGES_OK;
}

/* Precedence where ranges overlap, higher wins. Usable RAM is lowest: the allocator hands
 * it out, so it must lose to any other claim on the same bytes. The loader's data lives in
 * what was RAM; then come the firmware's claims, from the vague to the specific: reserved,
 * ACPI tables, ACPI NVS (kept across sleep), bad RAM, UEFI runtime code and data (still
 * run by the firmware). Nothing is known of an unknown type, so it outranks them all. */
static unsigned precedence(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_USABLE: return 1;
	case BOOT_MEM_BOOT_DATA: return 2;
	case BOOT_MEM_RESERVED: return 3;
	case BOOT_MEM_ACPI_RECLAIM: return 4;
	case BOOT_MEM_ACPI_NVS: return 5;
	case BOOT_MEM_BAD: return 6;
	case BOOT_MEM_FIRMWARE: return 7;
	default: return 8;
	}
}

/* Whether type a wins over type b on a byte both claim. */
static int wins(uint32_t a, uint32_t b)
{
	unsigned pa = precedence(a), pb = precedence(b);
	return pa != pb ? pa > pb : a > b; /* two unknown types: the larger, to be deterministic */
}

/* The last byte of a range of nonzero length, clipped to 2^64 - 1 if it wraps. */
static uint64_t last_byte(const struct boot_mem_range *r)
{
	if (r->length - 1 > UINT64_MAX - r->base)
		return UINT64_MAX;
	return r->base + (r->length - 1);
}

/* The sweep: walk up the address space from change point to change point (a byte where some
 * range starts, or the byte after one ends). Between two of them the set of ranges covering
 * each byte is the same, so one type, the winner among them, holds for the whole piece.
 * Rather than sorting the 2n points into a work array, each step finds the next point with
 * one pass over the input; n is bounded, so the 2n + 1 passes cost little, once, at boot.
 * Pieces are appended in address order, joined to the previous entry when they touch it and
 * have its type. */
int mem_ranges_sanitize(const struct boot_mem_range *in, uint32_t n, struct boot_mem_range *out,
			uint32_t *count, uint32_t max)
{
	uint64_t pos = 0;
	uint32_t c = 0, i;

	*count = 0;
	if (n > MEM_RANGES_SANITIZE_MAX)
		return MEM_RANGES_TOO_MANY;
	for (;;) {
		/* [pos, piece_last]: no range starts or ends strictly inside it */
		uint64_t piece_last = UINT64_MAX, last, len;
		uint32_t type = 0;
		int covered = 0, later = 0;

		for (i = 0; i < n; i++) {
			if (in[i].length == 0)
				continue;
			last = last_byte(&in[i]);
			if (in[i].base > pos) {
				later = 1;
				if (in[i].base - 1 < piece_last)
					piece_last = in[i].base - 1;
			} else if (last >= pos) {
				if (!covered || wins(in[i].type, type))
					type = in[i].type;
				covered = 1;
				if (last < piece_last)
					piece_last = last;
			}
		}
		if (!covered && !later)
			break;
		if (covered) {
			/* within one input range, so never all 2^64 bytes */
			len = piece_last - pos + 1;
			if (c > 0 && out[c - 1].type == type && range_end(&out[c - 1]) == pos &&
			    out[c - 1].length <= UINT64_MAX - len) {
				out[c - 1].length += len;
			} else {
				if (c == max) {
					*count = c;
					return MEM_RANGES_FULL;
				}
				out[c].base = pos;
				out[c].length = len;
				out[c].type = type;
				out[c].reserved = 0;
				c++;
			}
		}
		if (piece_last == UINT64_MAX)
			break;
		pos = piece_last + 1;
	}
	*count = c;
	return MEM_RANGES_OK;
}
