/* The UEFI loader's parts: each prints its own "Keel loader: ..." message on failure
 * and returns the EFI status; efi_main decides what happens next. */
#ifndef KEEL_BOOT_EFI_LOADER_H
#define KEEL_BOOT_EFI_LOADER_H

#include <efi.h>
#include <efilib.h>

#include "boot/boot_info.h"

#define LOADER_MSG L"Keel loader: "
#define LOW_4G     0xFFFFFFFFull

struct core_image {
	UINT64 base, end; /* page-rounded physical range of all PT_LOAD segments */
	UINT64 entry;
};

/* What GetMemoryMap returned last, in a buffer allocated beforehand. */
struct efi_memmap {
	EFI_MEMORY_DESCRIPTOR *desc;
	UINTN capacity, size, key, desc_size;
	UINT32 desc_version;
};

/* efi_main.c; gnu-efi's start-up code calls efi_main with the SysV ABI */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
/* v as "0x" and lowercase hex digits, in buf */
#define EFI_HEX_LEN 19
const CHAR16 *efi_hex(CHAR16 buf[EFI_HEX_LEN], UINT64 v);

/* efi_files.c */
EFI_STATUS efi_alloc_low(UINT64 bytes, UINT64 *addr);
EFI_STATUS efi_open_boot_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root);
EFI_STATUS efi_read_file(EFI_FILE_HANDLE root, CHAR16 *path, UINT64 *addr, UINT64 *size);
EFI_STATUS efi_load_config(EFI_FILE_HANDLE root, struct boot_info *bi);
EFI_STATUS efi_load_guests(EFI_FILE_HANDLE root, struct boot_info *bi);

/* efi_core.c */
EFI_STATUS efi_load_core(EFI_FILE_HANDLE root, struct core_image *core);

/* efi_acpi.c: the RSDP's physical address, 0 if the firmware has none */
UINT64 efi_find_rsdp(EFI_SYSTEM_TABLE *st);

/* efi_memmap.c */
const CHAR16 *efi_range_conflict(UINT64 base, UINT64 end);
EFI_STATUS efi_memmap_snapshot(struct efi_memmap *mm, struct boot_info *bi);
EFI_STATUS efi_memmap_exit(EFI_HANDLE image, struct efi_memmap *mm, struct boot_info *bi);

#endif
