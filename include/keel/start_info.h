/* How Keel starts an ELF64 kernel (type = "elf64"): what it finds in its registers and
 * memory. docs/boot-protocols.md explains it; this header is the reference.
 *
 * Entry: 64-bit mode at the ELF entry point, paging on with the low 4 GiB identity-mapped
 * (2 MiB pages, CR3 in low memory), a flat GDT (code 0x08, data 0x10), interrupts off,
 * RDI = guest-physical address of a struct keel_start_info, RSP = KEEL_START_STACK_TOP.
 * Everything the structure points to lies below 1 MiB, outside the kernel and its modules;
 * the memory map lists it as usable RAM, so the kernel may reuse it once it is done. */
#ifndef KEEL_START_INFO_H
#define KEEL_START_INFO_H

#define KEEL_START_MAGIC 0x54534c4b /* "KLST" */
#define KEEL_START_VERSION 2
#define KEEL_START_STACK_TOP 0xa0000 /* 16-byte aligned; at least 64 KiB below it are free */

/* Memory map entry types: numbered as in the PC's e820 map (and Multiboot's). */
#define KEEL_MEMORY_RAM 1
#define KEEL_MEMORY_RESERVED 2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct keel_start_module {
	uint64_t gpa;         /* page-aligned */
	uint64_t size;        /* bytes */
	uint64_t cmdline_gpa; /* the module's command line, NUL-terminated ("" when none) */
};

struct keel_memory_range {
	uint64_t base, length;
	uint32_t type; /* KEEL_MEMORY_* */
	uint32_t reserved;
};

struct keel_start_info {
	uint32_t magic;        /* KEEL_START_MAGIC */
	uint32_t version;      /* KEEL_START_VERSION */
	uint64_t cmdline_gpa;  /* the domain's cmdline, NUL-terminated ("" when none) */
	uint64_t modules_gpa;  /* module_count struct keel_start_module: the ramdisk first, then
	                          the configuration's modules in order */
	uint32_t module_count;
	uint32_t memory_count;
	uint64_t memory_gpa;   /* memory_count struct keel_memory_range, sorted */
	uint64_t rsdp_gpa;     /* version 2: the ACPI RSDP (revision 2) of the domain's virtual PC,
	                          in its BIOS area; 0 when it has none */
};

_Static_assert(sizeof(struct keel_start_info) == 48, "struct keel_start_info is part of the ABI");
_Static_assert(sizeof(struct keel_start_module) == 24, "struct keel_start_module is part of the ABI");
_Static_assert(sizeof(struct keel_memory_range) == 24, "struct keel_memory_range is part of the ABI");
#endif

#endif
