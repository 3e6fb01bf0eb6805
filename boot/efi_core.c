/* Loading the core: an ELF64 x86-64 executable whose PT_LOAD segments go to fixed
 * physical addresses (p_paddr), where the core was linked to run. */
#include "boot/efi_loader.h"
#include "vmm/elf_loader.h"

#define CORE_PATH L"\\keel\\core.elf"

/* The core may lie anywhere below 4 GiB: the loader hands over identity-mapped memory. */
#define CORE_LIMIT 0x100000000ull

/* Checks the image with the same ELF parser Keel uses for guest images, and computes the
 * core's page-rounded range. */
static const CHAR16 *check_core(const UINT8 *file, UINT64 size, struct elf_image *elf, struct core_image *core)
{
	static CHAR16 why[ELF_ERROR_MAX];
	char err[ELF_ERROR_MAX];
	UINT64 lo = ~0ull, hi = 0;
	unsigned i;

	if (elf_parse(file, size, ELF_ACCEPT_64, CORE_LIMIT, elf, err, sizeof(err))) {
		for (i = 0; i < ELF_ERROR_MAX && (why[i] = (CHAR16)(UINT8)err[i]); i++)
			;
		return why;
	}
	for (i = 0; i < elf->nsegments; i++) {
		if (elf->seg[i].gpa < lo)
			lo = elf->seg[i].gpa;
		if (elf->seg[i].gpa + elf->seg[i].mem_size > hi)
			hi = elf->seg[i].gpa + elf->seg[i].mem_size;
	}
	core->base = lo & ~(UINT64)EFI_PAGE_MASK;
	core->end = (hi + EFI_PAGE_MASK) & ~(UINT64)EFI_PAGE_MASK;
	core->entry = elf->entry;
	return NULL;
}

/* One allocation covers all segments, so segments sharing a page need no special case. */
static EFI_STATUS place_segments(const UINT8 *file, const struct elf_image *elf, const struct core_image *core)
{
	EFI_PHYSICAL_ADDRESS base = core->base;
	CHAR16 h[2][EFI_HEX_LEN];
	EFI_STATUS status;
	unsigned i;

	status = BS->AllocatePages(AllocateAddress, EfiLoaderData,
				   EFI_SIZE_TO_PAGES(core->end - core->base), &base);
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"cannot place the core at %s-%s: %s (%r)\n",
		      efi_hex(h[0], core->base), efi_hex(h[1], core->end),
		      efi_range_conflict(core->base, core->end), status);
		return status;
	}
	ZeroMem((void *)(UINTN)core->base, core->end - core->base);
	for (i = 0; i < elf->nsegments; i++)
		CopyMem((void *)(UINTN)elf->seg[i].gpa, (void *)(file + elf->seg[i].file_offset),
			elf->seg[i].file_size);
	return EFI_SUCCESS;
}

EFI_STATUS efi_load_core(EFI_FILE_HANDLE root, struct core_image *core)
{
	struct elf_image elf;
	const CHAR16 *why;
	UINT64 addr, size;
	EFI_STATUS status;

	status = efi_read_file(root, CORE_PATH, &addr, &size);
	if (EFI_ERROR(status))
		return status;
	why = check_core((const UINT8 *)(UINTN)addr, size, &elf, core);
	if (why) {
		Print(LOADER_MSG L"%s: %s\n", CORE_PATH, why);
		status = EFI_LOAD_ERROR;
	} else {
		status = place_segments((const UINT8 *)(UINTN)addr, &elf, core);
	}
	BS->FreePages(addr, EFI_SIZE_TO_PAGES(size ? size : 1));
	return status;
}
