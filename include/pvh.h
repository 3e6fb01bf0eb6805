/* The PVH boot ABI: how a loader starts a kernel at its 32-bit physical entry point, and
 * the struct it hands it (Xen's docs/misc/pvh.pandoc and public/arch-x86/hvm/start_info.h,
 * version 1). Linux built with CONFIG_PVH, Debian's kernel among them, names its entry
 * in an ELF note; Keel loads such a kernel (type = "pvh", vmm/load_pvh.c) and its test
 * guests can be one (guests/lib/pvh.asm). All fields are little endian; addresses are
 * guest-physical. */
#ifndef KEEL_INCLUDE_PVH_H
#define KEEL_INCLUDE_PVH_H

#include <stdint.h>

/* The entry: an ELF note named "Xen" of this type, whose descriptor (4 or 8 bytes) is the
 * 32-bit physical address the kernel starts at: 32-bit protected mode, paging off, CS a
 * flat 32-bit code segment, DS, ES and SS flat data segments, interrupts off, EBX the
 * address of a struct pvh_start_info. */
#define PVH_NOTE_NAME "Xen"
#define PVH_NOTE_PHYS32_ENTRY 18 /* XEN_ELFNOTE_PHYS32_ENTRY */

#define PVH_START_MAGIC 0x336ec578
#define PVH_START_VERSION 1 /* version 1 adds the memory map */

struct pvh_start_info {
	uint32_t magic;          /* PVH_START_MAGIC */
	uint32_t version;
	uint32_t flags;          /* none defined for an HVM guest's loader */
	uint32_t nr_modules;
	uint64_t modlist_paddr;  /* nr_modules struct pvh_module; the first is the initrd */
	uint64_t cmdline_paddr;  /* a NUL-terminated string; 0: none */
	uint64_t rsdp_paddr;     /* the ACPI RSDP; 0: the kernel searches for it */
	uint64_t memmap_paddr;   /* memmap_entries struct pvh_memmap_entry */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct pvh_module {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr; /* 0: none */
	uint64_t reserved;
};

/* A memory map entry, with the types of the PC's E820 map (ACPI §15, "System Address Map
 * Interfaces"): 1 RAM, 2 reserved. */
struct pvh_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

_Static_assert(sizeof(struct pvh_start_info) == 56, "struct pvh_start_info is part of the ABI");
_Static_assert(sizeof(struct pvh_module) == 32, "struct pvh_module is part of the ABI");
_Static_assert(sizeof(struct pvh_memmap_entry) == 24, "struct pvh_memmap_entry is part of the ABI");

#endif
