/* The physical page allocator: 4 KiB frames, one bit each, built from the boot memory map.
 * Only BOOT_MEM_USABLE RAM is ever handed out, minus the reserved ranges the caller names
 * (the core image, boot modules, the first MiB...). It never writes to the memory it
 * hands out; callers clear what they need. */
#ifndef KEEL_ARCH_X86_PAGE_ALLOC_H
#define KEEL_ARCH_X86_PAGE_ALLOC_H

#include <stdint.h>
#include "boot/boot_info.h"

#define PAGE_SIZE 4096ull

struct phys_range {
	uint64_t base, end; /* [base, end) */
};

/* Builds the allocator. Usable memory at or above `limit` is ignored. The bitmap itself is
 * placed in usable memory (and marked used); `phys_to_ptr` says where the core can write
 * physical memory (identity in the core). Returns 0, -EINVAL on a malformed map
 * (overlapping or unsorted ranges) or -ENOMEM if no room for the bitmap. */
int page_alloc_init(const struct boot_mem_range *map, unsigned count,
		    const struct phys_range *reserved, unsigned nreserved, uint64_t limit,
		    void *(*phys_to_ptr)(uint64_t phys));

/* One frame's physical address, or 0 if memory is exhausted. */
uint64_t page_alloc(void);
/* npages contiguous frames starting at a multiple of align (a power of two, >= 4096);
 * the first frame's physical address, or 0. */
uint64_t page_alloc_contig(uint64_t npages, uint64_t align);
/* Returns frames to the allocator. Returns 0, or -EINVAL if any of them is not allocated
 * (a double free or a frame the allocator never owned); nothing is freed then. */
int page_free(uint64_t phys, uint64_t npages);

uint64_t page_alloc_free_pages(void);
uint64_t page_alloc_total_pages(void); /* frames the allocator manages (free + used) */

#endif
