/* The Multiboot2 boot information parser (arch/x86/multiboot2.c). The input is the
 * information block; its total_size is the input's size, as a loader's is the block it
 * wrote (the parser reads no byte beyond total_size). 8-byte aligned, as the specification
 * promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arch/x86/multiboot2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8 || size > MULTIBOOT2_MAX_INFO)
		return 0;
	uint8_t *mbi = aligned_alloc(8, (size + 7) & ~(size_t)7);
	if (!mbi)
		abort();
	memcpy(mbi, data, size);
	uint32_t total = (uint32_t)size;
	memcpy(mbi, &total, sizeof(total));
	static struct boot_info bi;
	uint8_t rsdp[MULTIBOOT2_RSDP_MAX];
	char err[128];
	if (multiboot2_parse(mbi, &bi, rsdp, err, sizeof(err)) == 0 &&
	    (bi.mem_count == 0 || bi.mem_count > BOOT_MAX_MEMMAP || bi.module_count > BOOT_MAX_MODULES))
		__builtin_trap();
	free(mbi);
	return 0;
}
