/* The Multiboot specification, version 0.6.96 (the original "Multiboot 1"): the header a
 * kernel carries (§3.1) and the information a boot loader hands it (§3.3). Keel loads
 * Multiboot kernels into domains (vmm/load_multiboot1.c); its test guests read the same
 * structures. Field names follow the specification. */
#ifndef MULTIBOOT1_H
#define MULTIBOOT1_H

#define MULTIBOOT1_HEADER_MAGIC 0x1badb002
#define MULTIBOOT1_BOOTLOADER_MAGIC 0x2badb002 /* in EAX at entry */
#define MULTIBOOT1_SEARCH 8192                 /* the header lies in the file's first 8 KiB */
#define MULTIBOOT1_HEADER_ALIGN 4

/* Header flags. Bits 0-15 are requirements a loader must meet or refuse the kernel. */
#define MULTIBOOT1_PAGE_ALIGN (1u << 0)  /* modules page-aligned */
#define MULTIBOOT1_MEMORY_INFO (1u << 1) /* mem_* (and the memory map) must be provided */
#define MULTIBOOT1_VIDEO_MODE (1u << 2)  /* a video mode table must be provided */
#define MULTIBOOT1_REQUIRED_MASK 0xffffu
#define MULTIBOOT1_AOUT_KLUDGE (1u << 16) /* the address fields are valid: use them, not ELF */

/* Information flags: which fields of struct multiboot1_info are valid. */
#define MULTIBOOT1_INFO_MEMORY (1u << 0)
#define MULTIBOOT1_INFO_BOOTDEV (1u << 1)
#define MULTIBOOT1_INFO_CMDLINE (1u << 2)
#define MULTIBOOT1_INFO_MODS (1u << 3)
#define MULTIBOOT1_INFO_AOUT_SYMS (1u << 4)
#define MULTIBOOT1_INFO_ELF_SHDR (1u << 5)
#define MULTIBOOT1_INFO_MEM_MAP (1u << 6)
#define MULTIBOOT1_INFO_DRIVES (1u << 7)
#define MULTIBOOT1_INFO_CONFIG_TABLE (1u << 8)
#define MULTIBOOT1_INFO_BOOT_LOADER_NAME (1u << 9)

#define MULTIBOOT1_MEMORY_AVAILABLE 1
#define MULTIBOOT1_MEMORY_RESERVED 2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct multiboot1_header {
	uint32_t magic, flags, checksum; /* magic + flags + checksum == 0 (mod 2^32) */
	/* valid with MULTIBOOT1_AOUT_KLUDGE (§3.1.3) */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	/* valid with MULTIBOOT1_VIDEO_MODE (§3.1.4) */
	uint32_t mode_type, width, height, depth;
};

struct multiboot1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper; /* KiB below 640 KiB, KiB from 1 MiB to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;              /* physical address of a NUL-terminated string */
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
};

struct multiboot1_module {
	uint32_t mod_start, mod_end; /* [mod_start, mod_end) */
	uint32_t string;             /* the module's command line */
	uint32_t reserved;
};

/* Memory map entries are preceded by their size (of the rest): the next entry is at
 * entry + size + 4. */
struct multiboot1_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

_Static_assert(sizeof(struct multiboot1_header) == 48, "Multiboot 1 header layout");
_Static_assert(sizeof(struct multiboot1_info) == 72, "Multiboot 1 information layout up to apm_table");
_Static_assert(sizeof(struct multiboot1_mmap_entry) == 24, "Multiboot 1 memory map entry layout");
#endif

#endif
