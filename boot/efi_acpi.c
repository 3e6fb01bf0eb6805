/* Finding the ACPI RSDP through the EFI configuration table (UEFI §4.6). */
#include "boot/efi_loader.h"

static UINT64 find_table(EFI_SYSTEM_TABLE *st, EFI_GUID *guid)
{
	UINTN i;

	for (i = 0; i < st->NumberOfTableEntries; i++)
		if (CompareGuid(&st->ConfigurationTable[i].VendorGuid, guid) == 0)
			return (UINT64)(UINTN)st->ConfigurationTable[i].VendorTable;
	return 0;
}

UINT64 efi_find_rsdp(EFI_SYSTEM_TABLE *st)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	UINT64 rsdp = find_table(st, &acpi20);

	return rsdp ? rsdp : find_table(st, &acpi10);
}
