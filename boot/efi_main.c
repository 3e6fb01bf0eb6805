/* Keel's UEFI loader: loads the core, its configuration and the guest images from the
 * boot volume, hands the machine over in a struct boot_info and jumps to the core. */
#include "boot/efi_loader.h"

#define FAIL_DELAY_US 5000000

/* The core is entered with RDI = boot_info, interrupts off, still on the firmware's
 * identity-mapped page tables and stack. */
typedef void (*core_entry_fn)(struct boot_info *bi) __attribute__((sysv_abi, noreturn));

const CHAR16 *efi_hex(CHAR16 buf[EFI_HEX_LEN], UINT64 v)
{
	UINTN i = EFI_HEX_LEN - 1;

	buf[i] = 0;
	do {
		buf[--i] = L"0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	buf[--i] = L'x';
	buf[--i] = L'0';
	return &buf[i];
}

static EFI_STATUS give_up(EFI_STATUS status)
{
	Print(LOADER_MSG L"giving up (%r), back to the firmware in 5 seconds\n", status);
	BS->Stall(FAIL_DELAY_US);
	return status;
}

static EFI_STATUS load_all(EFI_HANDLE image, EFI_SYSTEM_TABLE *st, struct boot_info **out,
			   core_entry_fn *entry)
{
	struct core_image core;
	struct boot_info *bi;
	EFI_FILE_HANDLE root;
	UINT64 addr;
	EFI_STATUS status;

	status = efi_open_boot_volume(image, &root);
	if (EFI_ERROR(status))
		return status;
	status = efi_load_core(root, &core);
	if (EFI_ERROR(status))
		goto out;
	status = efi_alloc_low(sizeof(*bi), &addr);
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"no memory below 4 GiB for the boot information (%r)\n", status);
		goto out;
	}
	bi = (struct boot_info *)(UINTN)addr;
	ZeroMem(bi, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->source = BOOT_FROM_UEFI;
	bi->core_base = core.base;
	bi->core_end = core.end;
	status = efi_load_config(root, bi);
	if (EFI_ERROR(status))
		goto out;
	status = efi_load_guests(root, bi);
	if (EFI_ERROR(status))
		goto out;
	bi->rsdp = efi_find_rsdp(st);
	if (!bi->rsdp)
		Print(LOADER_MSG L"warning: the firmware has no ACPI RSDP\n");
	*out = bi;
	*entry = (core_entry_fn)(UINTN)core.entry;
out:
	root->Close(root);
	return status;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	CHAR16 h[3][EFI_HEX_LEN];
	struct efi_memmap mm;
	struct boot_info *bi;
	core_entry_fn entry;
	EFI_STATUS status;

	InitializeLib(image, st);
	Print(L"Keel loader\n");
	status = load_all(image, st, &bi, &entry);
	if (EFI_ERROR(status))
		return give_up(status);
	Print(LOADER_MSG L"core %s-%s, config %lu bytes, %u guest images, RSDP %s\n",
	      efi_hex(h[0], bi->core_base), efi_hex(h[1], bi->core_end), bi->config_size,
	      bi->module_count, efi_hex(h[2], bi->rsdp));

	status = efi_memmap_snapshot(&mm, bi);
	if (EFI_ERROR(status))
		return give_up(status);
	/* From here on no boot service but GetMemoryMap and ExitBootServices: if leaving
	 * fails, the firmware may be half shut down, so there is nothing left to report with. */
	status = efi_memmap_exit(image, &mm, bi);
	if (EFI_ERROR(status))
		return status;
	__asm__ volatile("cli");
	entry(bi);
}
