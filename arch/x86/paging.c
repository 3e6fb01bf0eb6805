#include <stdbool.h>
#include "arch/x86/cpu.h"
#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "lib/string.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4) /* with PWT: PAT entry 3, uncacheable in the power-on PAT */
#define PTE_PS (1ull << 7)
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)
#define LOW_GIBS 4

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd_low[LOW_GIBS][512] __attribute__((aligned(4096)));
static uint64_t pt_first[512] __attribute__((aligned(4096))); /* 4 KiB pages of the first 2 MiB */

static bool cpu_has_1g_pages(void)
{
	return (cpuid(0x80000000, 0).eax >= 0x80000001) && (cpuid(0x80000001, 0).edx & (1u << 26));
}

uint64_t paging_init(uint64_t top)
{
	for (uint64_t i = 1; i < 512; i++)
		pt_first[i] = (i << 12) | PTE_P | PTE_RW;
	for (uint64_t g = 0; g < LOW_GIBS; g++) {
		for (uint64_t i = 0; i < 512; i++)
			pd_low[g][i] = (g * GIB + i * MIB2) | PTE_P | PTE_RW | PTE_PS;
		pdpt[g] = (uint64_t)pd_low[g] | PTE_P | PTE_RW;
	}
	pd_low[0][0] = (uint64_t)pt_first | PTE_P | PTE_RW;

	uint64_t mapped = LOW_GIBS * GIB;
	if (cpu_has_1g_pages()) {
		for (uint64_t g = LOW_GIBS; g < 512 && g * GIB < top; g++)
			pdpt[g] = (g * GIB) | PTE_P | PTE_RW | PTE_PS;
		mapped = top < 512 * GIB ? (top + GIB - 1) / GIB * GIB : 512 * GIB;
		if (mapped < LOW_GIBS * GIB)
			mapped = LOW_GIBS * GIB;
	}
	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_RW;
	write_cr3((uint64_t)pml4);
	return mapped;
}

const void *paging_map_firmware(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (pa < PAGE_SIZE || pa >= LOW_GIBS * GIB || len > LOW_GIBS * GIB - pa)
		return NULL;
	return phys_to_virt(pa);
}

void *paging_map_uncached(uint64_t phys)
{
	if (phys >= LOW_GIBS * GIB)
		return NULL;
	uint64_t *pde = &pd_low[phys / GIB][(phys % GIB) / MIB2];
	if (!(*pde & PTE_PS))
		return NULL; /* the first 2 MiB: never a device's */
	*pde |= PTE_PCD | PTE_PWT;
	__asm__ volatile("invlpg (%0)" : : "r"(phys) : "memory");
	return phys_to_virt(phys);
}

uint64_t page_alloc_zeroed(void)
{
	uint64_t pa = page_alloc();
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

uint64_t page_alloc_filled(uint64_t npages, uint8_t fill)
{
	uint64_t pa = page_alloc_contig(npages, PAGE_SIZE);
	if (pa)
		memset(phys_to_virt(pa), fill, npages * PAGE_SIZE);
	return pa;
}
