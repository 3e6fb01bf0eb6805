/* The Multiboot2 specification, version 2.0: the header a kernel carries (§3.1) and the
 * boot information a loader hands it (§3.6). Keel itself is a Multiboot2 kernel for GRUB
 * (arch/x86/multiboot2.c) and loads Multiboot2 kernels into domains
 * (vmm/load_multiboot2.c); its test guests read the same structures. */
#ifndef MULTIBOOT2_H
#define MULTIBOOT2_H

#define MULTIBOOT2_HEADER_MAGIC 0xe85250d6
#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289 /* in EAX at entry */
#define MULTIBOOT2_SEARCH 32768                /* the header lies in the file's first 32 KiB */
#define MULTIBOOT2_HEADER_ALIGN 8
#define MULTIBOOT2_ARCHITECTURE_I386 0         /* 32-bit protected mode */
#define MULTIBOOT2_TAG_ALIGN 8

/* Header tags (§3.1.3 - 3.1.13). */
#define MULTIBOOT2_HEADER_TAG_END 0
#define MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST 1
#define MULTIBOOT2_HEADER_TAG_ADDRESS 2
#define MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS 3
#define MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS 4
#define MULTIBOOT2_HEADER_TAG_FRAMEBUFFER 5
#define MULTIBOOT2_HEADER_TAG_MODULE_ALIGN 6
#define MULTIBOOT2_HEADER_TAG_EFI_BS 7
#define MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI32 8
#define MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI64 9
#define MULTIBOOT2_HEADER_TAG_RELOCATABLE 10
#define MULTIBOOT2_HEADER_TAG_OPTIONAL 1 /* flags bit 0: the loader may ignore the tag */
#define MULTIBOOT2_CONSOLE_REQUIRED 1    /* console_flags bit 0 */

/* Boot information tags (§3.6). */
#define MULTIBOOT2_TAG_END 0
#define MULTIBOOT2_TAG_CMDLINE 1
#define MULTIBOOT2_TAG_BOOT_LOADER_NAME 2
#define MULTIBOOT2_TAG_MODULE 3
#define MULTIBOOT2_TAG_BASIC_MEMINFO 4
#define MULTIBOOT2_TAG_BOOTDEV 5
#define MULTIBOOT2_TAG_MMAP 6
#define MULTIBOOT2_TAG_VBE 7
#define MULTIBOOT2_TAG_FRAMEBUFFER 8
#define MULTIBOOT2_TAG_ELF_SECTIONS 9
#define MULTIBOOT2_TAG_APM 10
#define MULTIBOOT2_TAG_EFI32 11
#define MULTIBOOT2_TAG_EFI64 12
#define MULTIBOOT2_TAG_SMBIOS 13
#define MULTIBOOT2_TAG_ACPI_OLD 14
#define MULTIBOOT2_TAG_ACPI_NEW 15
#define MULTIBOOT2_TAG_NETWORK 16
#define MULTIBOOT2_TAG_EFI_MMAP 17
#define MULTIBOOT2_TAG_EFI_BS 18
#define MULTIBOOT2_TAG_EFI32_IH 19
#define MULTIBOOT2_TAG_EFI64_IH 20
#define MULTIBOOT2_TAG_LOAD_BASE_ADDR 21

#define MULTIBOOT2_MEMORY_AVAILABLE 1
#define MULTIBOOT2_MEMORY_RESERVED 2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct multiboot2_header {
	uint32_t magic, architecture, header_length;
	uint32_t checksum; /* magic + architecture + header_length + checksum == 0 (mod 2^32) */
};

struct multiboot2_header_tag {
	uint16_t type, flags;
	uint32_t size;
};

struct multiboot2_header_tag_address {
	struct multiboot2_header_tag tag;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr; /* load_addr -1: from the file's start */
};

struct multiboot2_header_tag_entry {
	struct multiboot2_header_tag tag;
	uint32_t entry_addr;
};

struct multiboot2_header_tag_relocatable {
	struct multiboot2_header_tag tag;
	uint32_t min_addr, max_addr, align, preference;
};

struct multiboot2_tag {
	uint32_t type, size;
};

struct multiboot2_tag_string { /* CMDLINE, BOOT_LOADER_NAME */
	uint32_t type, size;
	char string[];
};

struct multiboot2_tag_module {
	uint32_t type, size;
	uint32_t mod_start, mod_end;
	char string[];
};

struct multiboot2_tag_basic_meminfo {
	uint32_t type, size;
	uint32_t mem_lower, mem_upper;
};

struct multiboot2_tag_mmap {
	uint32_t type, size;
	uint32_t entry_size, entry_version;
	/* entries follow */
};

struct multiboot2_mmap_entry {
	uint64_t addr, len;
	uint32_t type, zero;
};

_Static_assert(sizeof(struct multiboot2_header_tag_address) == 24, "Multiboot2 address tag layout");
_Static_assert(sizeof(struct multiboot2_header_tag_relocatable) == 24, "Multiboot2 relocatable tag layout");
_Static_assert(sizeof(struct multiboot2_mmap_entry) == 24, "Multiboot2 memory map entry layout");
#endif

#endif
