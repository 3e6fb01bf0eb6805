#include "lib/errno.h"
#include "lib/printf.h"
#include "vmm/layout.h"

#define MIB (1ull << 20)

static void add(struct guest_layout *l, uint64_t base, uint64_t end, enum layout_type type, bool backed,
		const char *name)
{
	if (end > base)
		l->range[l->count++] = (struct layout_range){ base, end - base, type, backed, name };
}

int layout_build(struct guest_layout *l, uint64_t ram_bytes, uint64_t hole_mib, uint64_t max_gpa, char *why,
		 size_t len)
{
	*l = (struct guest_layout){ .ram_bytes = ram_bytes };
	if (ram_bytes < MIB || ram_bytes % MIB) {
		ksnprintf(why, len, "its memory, %llu bytes, is not a whole number of MiB, at least 1",
			  (unsigned long long)ram_bytes);
		return -EINVAL;
	}
	if (hole_mib < LAYOUT_HOLE_MIN_MIB || hole_mib > LAYOUT_HOLE_MAX_MIB) {
		ksnprintf(why, len, "its MMIO hole of %llu MiB is not %u-%u MiB", (unsigned long long)hole_mib,
			  LAYOUT_HOLE_MIN_MIB, LAYOUT_HOLE_MAX_MIB);
		return -EINVAL;
	}
	l->hole_start = LAYOUT_4G - hole_mib * MIB;
	uint64_t low_end = ram_bytes < l->hole_start ? ram_bytes : l->hole_start;
	l->low_end = low_end > LAYOUT_BIOS_END ? low_end : LAYOUT_BIOS_END;
	uint64_t high = ram_bytes - low_end; /* RAM that goes above 4 GiB */
	uint64_t end = high ? LAYOUT_4G + high : low_end;
	l->high_end = LAYOUT_4G + high;
	if (end > max_gpa) {
		ksnprintf(why, len, "its memory would end at guest-physical 0x%llx, beyond the 0x%llx this CPU's "
			  "nested paging maps", (unsigned long long)end, (unsigned long long)max_gpa);
		return -ERANGE;
	}
	add(l, 0, LAYOUT_LOW_RAM_END, LAYOUT_RAM, true, "low RAM");
	add(l, LAYOUT_LOW_RAM_END, LAYOUT_VGA_END, LAYOUT_RESERVED, false, "VGA window");
	add(l, LAYOUT_VGA_END, LAYOUT_BIOS_END, LAYOUT_RESERVED, true, "BIOS area");
	add(l, LAYOUT_BIOS_END, low_end, LAYOUT_RAM, true, "RAM");
	add(l, LAYOUT_4G, LAYOUT_4G + high, LAYOUT_RAM, true, "RAM above 4 GiB");
	return 0;
}

const struct layout_range *layout_find(const struct guest_layout *l, uint64_t gpa)
{
	for (unsigned i = 0; i < l->count; i++)
		if (gpa - l->range[i].base < l->range[i].size)
			return &l->range[i];
	return NULL;
}

uint64_t layout_ram_end(const struct guest_layout *l, uint64_t gpa)
{
	const struct layout_range *r = layout_find(l, gpa);
	return r && r->type == LAYOUT_RAM ? r->base + r->size : gpa;
}

uint64_t layout_backed_bytes(const struct guest_layout *l)
{
	uint64_t bytes = 0;
	for (unsigned i = 0; i < l->count; i++)
		if (l->range[i].backed)
			bytes += l->range[i].size;
	return bytes;
}
