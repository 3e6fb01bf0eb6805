/* The core's own page tables: an identity map of physical memory (virtual == physical). */
#ifndef KEEL_ARCH_X86_PAGING_H
#define KEEL_ARCH_X86_PAGING_H

#include <stdint.h>
#include <stddef.h>

/* Builds and loads the identity map; returns the end of the mapped physical range. Page 0
 * stays unmapped so that a NULL dereference faults. The low 4 GiB use 2 MiB pages; where
 * the CPU has 1 GiB pages, memory above 4 GiB up to `top` is mapped with them. */
uint64_t paging_init(uint64_t top);

/* The core runs identity-mapped: a physical address is where the core reads and writes it. */
static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)phys;
}

/* Firmware tables (ACPI) lie below 4 GiB, which the core maps one to one but for page 0:
 * a pointer to [pa, pa + len), or NULL. The shape of drivers/acpi.h's acpi_map_fn. */
const void *paging_map_firmware(void *ctx, uint64_t pa, uint64_t len);

/* Makes the 2 MiB page holding phys (below 4 GiB) uncacheable, as device registers need
 * (SDM vol.3 §11.4.1 for the local APIC); returns its address, or NULL. */
void *paging_map_uncached(uint64_t phys);

/* One zeroed 4 KiB frame from the page allocator, or 0. */
uint64_t page_alloc_zeroed(void);
/* npages contiguous frames, every byte set to fill (e.g. permission maps of all ones), or 0. */
uint64_t page_alloc_filled(uint64_t npages, uint8_t fill);

#endif
