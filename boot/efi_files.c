/* Reading the boot files from the FAT volume the loader itself was started from. */
#include <stddef.h>

#include "boot/efi_loader.h"

#define CONFIG_PATH L"\\keel\\keel.cfg"
#define GUESTS_PATH L"\\keel\\guests"

/* An EFI_FILE_INFO with room for the longest FAT name (255 characters, UEFI §13.5.16). */
union file_info_buf {
	EFI_FILE_INFO info;
	UINT8 raw[offsetof(EFI_FILE_INFO, FileName) + 256 * sizeof(CHAR16)];
};

EFI_STATUS efi_alloc_low(UINT64 bytes, UINT64 *addr)
{
	EFI_PHYSICAL_ADDRESS a = LOW_4G;
	UINTN pages = EFI_SIZE_TO_PAGES(bytes ? bytes : 1);
	EFI_STATUS status;

	status = BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, pages, &a);
	if (!EFI_ERROR(status))
		*addr = a;
	return status;
}

EFI_STATUS efi_open_boot_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
	EFI_LOADED_IMAGE *li;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS status;

	status = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"no loaded-image protocol on our own handle (%r)\n", status);
		return status;
	}
	status = BS->HandleProtocol(li->DeviceHandle, &FileSystemProtocol, (void **)&fs);
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"the boot device has no FAT file system (%r)\n", status);
		return status;
	}
	status = fs->OpenVolume(fs, root);
	if (EFI_ERROR(status))
		Print(LOADER_MSG L"cannot open the boot volume (%r)\n", status);
	return status;
}

/* Reads all of an open file into pages below 4 GiB. */
static EFI_STATUS read_open_file(EFI_FILE_HANDLE f, CHAR16 *name, UINT64 *addr, UINT64 *size)
{
	union file_info_buf ib;
	UINTN ib_size = sizeof(ib), chunk;
	UINT64 done = 0;
	EFI_STATUS status;

	status = f->GetInfo(f, &GenericFileInfo, &ib_size, &ib);
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"%s: cannot get the file size (%r)\n", name, status);
		return status;
	}
	if (ib.info.Attribute & EFI_FILE_DIRECTORY) {
		Print(LOADER_MSG L"%s: is a directory, not a file\n", name);
		return EFI_LOAD_ERROR;
	}
	*size = ib.info.FileSize;
	status = efi_alloc_low(*size, addr);
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"%s: no memory below 4 GiB for %lu bytes (%r)\n", name, *size, status);
		return status;
	}
	while (done < *size) {
		chunk = *size - done;
		status = f->Read(f, &chunk, (UINT8 *)(UINTN)*addr + done);
		if (!EFI_ERROR(status) && chunk == 0)
			status = EFI_END_OF_FILE;
		if (EFI_ERROR(status)) {
			Print(LOADER_MSG L"%s: read failed after %lu of %lu bytes (%r)\n",
			      name, done, *size, status);
			BS->FreePages(*addr, EFI_SIZE_TO_PAGES(*size ? *size : 1));
			return status;
		}
		done += chunk;
	}
	return EFI_SUCCESS;
}

EFI_STATUS efi_read_file(EFI_FILE_HANDLE root, CHAR16 *path, UINT64 *addr, UINT64 *size)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS status;

	status = root->Open(root, &f, path, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"cannot open %s (%r)\n", path, status);
		return status;
	}
	status = read_open_file(f, path, addr, size);
	f->Close(f);
	return status;
}

EFI_STATUS efi_load_config(EFI_FILE_HANDLE root, struct boot_info *bi)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS status;

	status = root->Open(root, &f, CONFIG_PATH, EFI_FILE_MODE_READ, 0);
	if (status == EFI_NOT_FOUND) {
		Print(LOADER_MSG L"warning: no %s, the core starts without a configuration\n",
		      CONFIG_PATH);
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"cannot open %s (%r)\n", CONFIG_PATH, status);
		return status;
	}
	status = read_open_file(f, CONFIG_PATH, &bi->config_base, &bi->config_size);
	f->Close(f);
	return status;
}

/* The module name is the file name in ASCII; it must be nameable in the configuration. */
static BOOLEAN module_name(const CHAR16 *file, char out[BOOT_MODULE_NAME])
{
	UINTN i;

	for (i = 0; file[i]; i++) {
		if (i == BOOT_MODULE_NAME - 1 || file[i] <= 0x20 || file[i] >= 0x7f)
			return FALSE;
		out[i] = (char)file[i];
	}
	out[i] = '\0';
	return TRUE;
}

static EFI_STATUS load_guest(EFI_FILE_HANDLE dir, const EFI_FILE_INFO *info, struct boot_info *bi)
{
	struct boot_module *m = &bi->modules[bi->module_count];
	CHAR16 *name = (CHAR16 *)info->FileName;
	EFI_FILE_HANDLE f;
	EFI_STATUS status;

	if (bi->module_count == BOOT_MAX_MODULES) {
		Print(LOADER_MSG L"warning: skipping %s\\%s: Keel takes at most %d boot modules\n",
		      GUESTS_PATH, name, BOOT_MAX_MODULES);
		bi->modules_skipped++;
		return EFI_SUCCESS;
	}
	if (!module_name(name, m->name)) {
		Print(LOADER_MSG L"warning: skipping %s\\%s: a guest image name must be printable "
		      L"ASCII without spaces, at most %d characters\n",
		      GUESTS_PATH, name, BOOT_MODULE_NAME - 1);
		return EFI_SUCCESS;
	}
	status = dir->Open(dir, &f, name, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"cannot open %s\\%s (%r)\n", GUESTS_PATH, name, status);
		return status;
	}
	status = read_open_file(f, name, &m->base, &m->size);
	f->Close(f);
	if (!EFI_ERROR(status))
		bi->module_count++;
	return status;
}

EFI_STATUS efi_load_guests(EFI_FILE_HANDLE root, struct boot_info *bi)
{
	union file_info_buf ib;
	EFI_FILE_HANDLE dir;
	UINTN ib_size;
	EFI_STATUS status;

	status = root->Open(root, &dir, GUESTS_PATH, EFI_FILE_MODE_READ, 0);
	if (status == EFI_NOT_FOUND) {
		Print(LOADER_MSG L"warning: no %s directory, no guest images\n", GUESTS_PATH);
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"cannot open %s (%r)\n", GUESTS_PATH, status);
		return status;
	}
	/* Reading a directory returns one EFI_FILE_INFO per call, size 0 at the end (UEFI §13.5.5). */
	for (;;) {
		ib_size = sizeof(ib);
		status = dir->Read(dir, &ib_size, &ib);
		if (EFI_ERROR(status)) {
			Print(LOADER_MSG L"cannot list %s (%r)\n", GUESTS_PATH, status);
			break;
		}
		if (ib_size == 0)
			break;
		if (ib.info.Attribute & EFI_FILE_DIRECTORY)
			continue;
		status = load_guest(dir, &ib.info, bi);
		if (EFI_ERROR(status))
			break;
	}
	dir->Close(dir);
	if (!EFI_ERROR(status) && bi->module_count == 0)
		Print(LOADER_MSG L"warning: no guest images in %s\n", GUESTS_PATH);
	return status;
}
