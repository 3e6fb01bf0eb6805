/* The firmware's memory map: converting it into boot_info and leaving boot services. */
#include "boot/efi_loader.h"
#include "boot/mem_ranges.h"

/* Room for the descriptors that allocating the map buffer itself may add. */
#define MAP_SLACK_DESCRIPTORS 16
#define EXIT_ATTEMPTS         8

static UINT32 boot_mem_type(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiLoaderCode:
		return BOOT_MEM_USABLE;
	case EfiLoaderData:
		return BOOT_MEM_BOOT_DATA;
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
	case EfiPalCode:
		return BOOT_MEM_FIRMWARE;
	case EfiACPIReclaimMemory:
		return BOOT_MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return BOOT_MEM_ACPI_NVS;
	case EfiUnusableMemory:
		return BOOT_MEM_BAD;
	default:
		return BOOT_MEM_RESERVED;
	}
}

static const CHAR16 *owner(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiLoaderCode:
	case EfiLoaderData:
		return L"memory in use by a UEFI application (maybe this loader)";
	case EfiBootServicesCode:
	case EfiBootServicesData:
		return L"memory in use by firmware (boot services)";
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
		return L"memory in use by firmware (runtime services)";
	case EfiACPIReclaimMemory:
	case EfiACPIMemoryNVS:
		return L"memory holding ACPI tables or ACPI NVS";
	case EfiUnusableMemory:
		return L"memory marked unusable";
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return L"memory-mapped I/O";
	default:
		return L"memory reserved by firmware";
	}
}

static EFI_MEMORY_DESCRIPTOR *desc_at(EFI_MEMORY_DESCRIPTOR *map, UINTN desc_size, UINTN i)
{
	return (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + i * desc_size);
}

/* Why [base, end) cannot be allocated: the first range in it that is not free RAM. */
const CHAR16 *efi_range_conflict(UINT64 base, UINT64 end)
{
	UINTN n, key, desc_size, i;
	EFI_MEMORY_DESCRIPTOR *map, *d;
	const CHAR16 *why = L"part of it is not RAM";
	UINT32 version;

	map = LibMemoryMap(&n, &key, &desc_size, &version);
	if (!map)
		return L"the memory map is unavailable";
	for (i = 0; i < n; i++) {
		d = desc_at(map, desc_size, i);
		if (d->Type != EfiConventionalMemory && d->PhysicalStart < end &&
		    base < d->PhysicalStart + d->NumberOfPages * EFI_PAGE_SIZE) {
			why = owner(d->Type);
			break;
		}
	}
	FreePool(map);
	return why;
}

static int convert(struct efi_memmap *mm, struct boot_info *bi)
{
	EFI_MEMORY_DESCRIPTOR *d;
	UINTN i;
	int err;

	bi->mem_count = 0;
	for (i = 0; i < mm->size / mm->desc_size; i++) {
		d = desc_at(mm->desc, mm->desc_size, i);
		err = mem_ranges_add(bi->mem, &bi->mem_count, BOOT_MAX_MEMMAP, d->PhysicalStart,
				     d->NumberOfPages * EFI_PAGE_SIZE, boot_mem_type(d->Type));
		if (err)
			return err;
	}
	return MEM_RANGES_OK;
}

EFI_STATUS efi_memmap_snapshot(struct efi_memmap *mm, struct boot_info *bi)
{
	EFI_STATUS status;

	mm->desc = NULL;
	mm->capacity = 0;
	for (;;) {
		mm->size = mm->capacity;
		status = BS->GetMemoryMap(&mm->size, mm->desc, &mm->key, &mm->desc_size,
					  &mm->desc_version);
		if (status != EFI_BUFFER_TOO_SMALL)
			break;
		if (mm->desc)
			FreePool(mm->desc);
		mm->capacity = mm->size + MAP_SLACK_DESCRIPTORS * mm->desc_size;
		mm->desc = AllocatePool(mm->capacity);
		if (!mm->desc) {
			Print(LOADER_MSG L"no memory for the memory map (%lu bytes)\n", mm->capacity);
			return EFI_OUT_OF_RESOURCES;
		}
	}
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"GetMemoryMap failed (%r)\n", status);
		return status;
	}
	switch (convert(mm, bi)) {
	case MEM_RANGES_OK:
		return EFI_SUCCESS;
	case MEM_RANGES_FULL:
		Print(LOADER_MSG L"the memory map has more than %d ranges\n", BOOT_MAX_MEMMAP);
		return EFI_BUFFER_TOO_SMALL;
	default:
		Print(LOADER_MSG L"the firmware's memory map has overlapping ranges\n");
		return EFI_COMPROMISED_DATA;
	}
}

/* A map key gone stale (the map changed since GetMemoryMap) fails with
 * EFI_INVALID_PARAMETER; then only GetMemoryMap and ExitBootServices may be
 * called again (UEFI §7.4). Nothing here may print or allocate. */
EFI_STATUS efi_memmap_exit(EFI_HANDLE image, struct efi_memmap *mm, struct boot_info *bi)
{
	EFI_STATUS status;
	UINTN attempt;

	for (attempt = 1;; attempt++) {
		status = BS->ExitBootServices(image, mm->key);
		if (status != EFI_INVALID_PARAMETER || attempt == EXIT_ATTEMPTS)
			return status;
		mm->size = mm->capacity;
		status = BS->GetMemoryMap(&mm->size, mm->desc, &mm->key, &mm->desc_size,
					  &mm->desc_version);
		if (EFI_ERROR(status))
			return status;
		if (convert(mm, bi) != MEM_RANGES_OK)
			return EFI_BUFFER_TOO_SMALL;
	}
}
