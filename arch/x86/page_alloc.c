/* The physical page allocator (see page_alloc.h). Two bitmaps over frames [0, nframes),
 * where nframes ends at the highest usable frame below the limit:
 *   used  - bit set: the frame is not available (allocated, reserved, not RAM, the bitmaps);
 *   owned - bit set: the frame was free after init, so it is one the allocator hands out.
 * page_free accepts only frames that are owned and used. Frame 0 is never handed out,
 * because 0 is how page_alloc reports failure. Both bitmaps live in one run of usable
 * frames, found before they are built since they need somewhere to be built in. */
#include "arch/x86/page_alloc.h"
#include "lib/bitmap.h"
#include "lib/errno.h"

static uint64_t *used;
static uint64_t *owned;
static uint64_t nframes;
static uint64_t total_frames;
static uint64_t free_frames;

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The whole frames of a usable range that lie below limit, as [*first, *end) frame
 * numbers. Returns false if there are none. */
static bool usable_frames(const struct boot_mem_range *r, uint64_t limit, uint64_t *first,
			  uint64_t *end)
{
	if (r->type != BOOT_MEM_USABLE)
		return false;
	uint64_t top = min_u64(r->base + r->length, limit) / PAGE_SIZE;
	uint64_t bottom = r->base / PAGE_SIZE + (r->base % PAGE_SIZE != 0);
	if (bottom >= top)
		return false;
	*first = bottom;
	*end = top;
	return true;
}

/* The frames a reserved range touches (partial frames count), clipped to nframes. */
static void reserved_frames(const struct phys_range *r, uint64_t *first, uint64_t *end)
{
	if (r->base == r->end) {
		*first = *end = 0;
		return;
	}
	*first = min_u64(r->base / PAGE_SIZE, nframes);
	*end = min_u64(r->end / PAGE_SIZE + (r->end % PAGE_SIZE != 0), nframes);
}

static bool map_valid(const struct boot_mem_range *map, unsigned count,
		      const struct phys_range *reserved, unsigned nreserved)
{
	for (unsigned i = 0; i < count; i++) {
		if (map[i].base + map[i].length < map[i].base)
			return false;
		if (i > 0 && map[i].base < map[i - 1].base + map[i - 1].length)
			return false;
	}
	for (unsigned i = 0; i < nreserved; i++)
		if (reserved[i].base > reserved[i].end)
			return false;
	return true;
}

/* The lowest frame starting `need` usable frames that no reserved range touches and that
 * does not include frame 0, or 0 if there is none. */
static uint64_t find_bitmap_room(const struct boot_mem_range *map, unsigned count,
				 const struct phys_range *reserved, unsigned nreserved,
				 uint64_t limit, uint64_t need)
{
	for (unsigned i = 0; i < count; i++) {
		uint64_t first, end;
		if (!usable_frames(&map[i], limit, &first, &end))
			continue;
		uint64_t start = first ? first : 1;
		bool moved = true;
		while (moved && start + need <= end) {
			moved = false;
			for (unsigned j = 0; j < nreserved; j++) {
				uint64_t rfirst, rend;
				reserved_frames(&reserved[j], &rfirst, &rend);
				if (rfirst < rend && rfirst < start + need && start < rend) {
					start = rend;
					moved = true;
				}
			}
		}
		if (start + need <= end)
			return start;
	}
	return 0;
}

int page_alloc_init(const struct boot_mem_range *map, unsigned count,
		    const struct phys_range *reserved, unsigned nreserved, uint64_t limit,
		    void *(*phys_to_ptr)(uint64_t phys))
{
	nframes = total_frames = free_frames = 0;
	if (!map_valid(map, count, reserved, nreserved))
		return -EINVAL;

	uint64_t top = 0;
	for (unsigned i = 0; i < count; i++) {
		uint64_t first, end;
		if (usable_frames(&map[i], limit, &first, &end) && end > top)
			top = end;
	}
	/* nframes must be set before reserved_frames() clips to it. */
	nframes = top;
	uint64_t words = BITMAP_WORDS(top);
	uint64_t need = (2 * words * sizeof(uint64_t) + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t room = top ? find_bitmap_room(map, count, reserved, nreserved, limit, need) : 0;
	if (!room) {
		nframes = 0;
		return -ENOMEM;
	}

	used = phys_to_ptr(room * PAGE_SIZE);
	owned = used + words;
	for (uint64_t i = 0; i < words; i++)
		used[i] = ~0ull;
	for (unsigned i = 0; i < count; i++) {
		uint64_t first, end;
		if (usable_frames(&map[i], limit, &first, &end))
			bitmap_clear_range(used, first, end - first);
	}
	for (unsigned i = 0; i < nreserved; i++) {
		uint64_t first, end;
		reserved_frames(&reserved[i], &first, &end);
		if (first < end)
			bitmap_set_range(used, first, end - first);
	}
	bitmap_set(used, 0);
	bitmap_set_range(used, room, need);
	/* Bits past nframes stay set in used, so they stay clear in owned. */
	for (uint64_t i = 0; i < words; i++)
		owned[i] = ~used[i];

	total_frames = free_frames = bitmap_count(owned, nframes);
	return 0;
}

uint64_t page_alloc_contig(uint64_t npages, uint64_t align)
{
	if (npages == 0 || align < PAGE_SIZE || (align & (align - 1)) != 0 || nframes == 0)
		return 0;
	size_t first = bitmap_find_clear_run(used, nframes, npages, align / PAGE_SIZE);
	if (first == SIZE_MAX)
		return 0;
	bitmap_set_range(used, first, npages);
	free_frames -= npages;
	return first * PAGE_SIZE;
}

uint64_t page_alloc(void)
{
	return page_alloc_contig(1, PAGE_SIZE);
}

int page_free(uint64_t phys, uint64_t npages)
{
	uint64_t first = phys / PAGE_SIZE;
	if (phys % PAGE_SIZE != 0 || npages == 0 || first >= nframes || npages > nframes - first)
		return -EINVAL;
	for (uint64_t i = first; i < first + npages; i++)
		if (!bitmap_test(owned, i) || !bitmap_test(used, i))
			return -EINVAL;
	bitmap_clear_range(used, first, npages);
	free_frames += npages;
	return 0;
}

uint64_t page_alloc_free_pages(void)
{
	return free_frames;
}

uint64_t page_alloc_total_pages(void)
{
	return total_frames;
}
