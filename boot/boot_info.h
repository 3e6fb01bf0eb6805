/* The hand-over from a boot loader (UEFI application or Multiboot2 entry) to the core.
 * Everything the core learns about the machine at boot arrives in this one structure. */
#ifndef KEEL_BOOT_INFO_H
#define KEEL_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC   0x544f4f424c45454bull /* "KEELBOOT" */
#define BOOT_INFO_VERSION 2
#define BOOT_MAX_MEMMAP   256
#define BOOT_MAX_MODULES  64
#define BOOT_MODULE_NAME  64

enum boot_source { BOOT_FROM_UEFI = 1, BOOT_FROM_MULTIBOOT2 = 2 };

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,       /* free RAM once the loader is done */
	BOOT_MEM_RESERVED = 2,     /* never touch */
	BOOT_MEM_ACPI_RECLAIM = 3, /* ACPI tables: keep while we read them */
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
	BOOT_MEM_BOOT_DATA = 6,    /* the loader's data: core, config, modules, this structure */
	BOOT_MEM_FIRMWARE = 7,     /* UEFI runtime services code and data */
};

struct boot_mem_range {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* enum boot_mem_type */
	uint32_t reserved;
};

/* A file handed to the core: a guest image, found by its name. */
struct boot_module {
	uint64_t base; /* physical address, 4 KiB aligned */
	uint64_t size; /* bytes */
	char name[BOOT_MODULE_NAME]; /* NUL-terminated file name without directories */
};

struct boot_info {
	uint64_t magic;   /* BOOT_INFO_MAGIC */
	uint32_t version; /* BOOT_INFO_VERSION */
	uint32_t source;  /* enum boot_source */
	uint64_t rsdp;    /* physical address of the ACPI RSDP, 0 if none */
	uint64_t core_base, core_end;     /* physical range of the loaded core image */
	uint64_t config_base, config_size; /* keel.cfg text (not NUL-terminated), size 0 if none */
	uint32_t mem_count;
	uint32_t module_count;
	uint32_t modules_skipped; /* files beyond BOOT_MAX_MODULES, left out with a message */
	uint32_t reserved;
	struct boot_mem_range mem[BOOT_MAX_MEMMAP]; /* sorted by base, non-overlapping */
	struct boot_module modules[BOOT_MAX_MODULES];
};

#endif
