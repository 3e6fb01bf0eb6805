/* Reaching guest-physical memory above 4 GiB, which the identity map the runtime runs on
 * (Keel's for elf64 kernels, multiboot_entry.asm's for Multiboot ones) does not cover: a
 * page directory of its own for the GiB that holds the address, hung into the PDPT that
 * the PML4's first entry names (SDM Vol. 3A §4.5), identity-mapped with 2 MiB pages. */
#include "guests/lib/guest.h"
#include "guests/lib/paging.h"

static uint64_t directory[512] __attribute__((aligned(4096)));
static uint64_t mapped_gib; /* 0: none */

void *guest_map_high(uint64_t gpa)
{
	uint64_t gib = gpa >> 30;
	if (gib < 4 || gib >= 512)
		return NULL;
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & PTE_ADDR);
	if (mapped_gib)
		pdpt[mapped_gib] = 0; /* the directory is about to map another GiB */
	for (unsigned i = 0; i < 512; i++)
		directory[i] = (gib << 30) | ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
	pdpt[gib] = (uint64_t)(uintptr_t)directory | PTE_P | PTE_RW;
	mapped_gib = gib;
	write_cr3(read_cr3()); /* no stale translation of that GiB */
	return (void *)(uintptr_t)gpa;
}
