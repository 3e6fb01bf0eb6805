/* What the loaders share: the guest-physical layout Keel gives every domain, Keel's boot
 * area, modules, the memory map, a GDT and identity page tables.
 *
 * Guest-physical layout (docs/boot-protocols.md):
 *   0x1000 - 0x7ffff    Keel's boot area (below), unless the kernel loads there
 *   0x90000 - 0x9ffff   the initial stack of elf64 kernels (KEEL_START_STACK_TOP)
 *   0xa0000 - 0xfffff   the VGA window and the BIOS area, reserved as on a PC (vmm/layout.h)
 *   the kernel          anywhere in RAM outside the last two (usually from 1 MiB)
 *   then its modules    each page-aligned, in order, from the first page after the kernel
 *                       and at or above 1 MiB, below the MMIO hole
 *
 * Keel's boot area holds what Keel writes for the kernel, at fixed offsets from its start:
 *   +0x0000             GDT: 0x08 64-bit code, 0x10 flat data, 0x18 flat 32-bit code
 *   +0x1000 - +0x6fff   the long-mode identity page tables (elf64 kernels)
 *   +0x7000 -           boot information: structures and strings, allocated upwards
 * A kernel that loads anywhere in 0x1000-0x7ffff moves it: it then starts at the first page
 * after the kernel and its modules (at or above 1 MiB) and ends 508 KiB further on, or
 * where that RAM ends. */
#ifndef KEEL_VMM_GUEST_BOOT_H
#define KEEL_VMM_GUEST_BOOT_H

#include <stdint.h>
#include "include/keel/start_info.h"
#include "vmm/elf_loader.h"
#include "vmm/loader.h"

#define GUEST_BOOT_AREA 0x1000 /* where the boot area is, unless the kernel loads there */
#define GUEST_BOOT_AREA_SIZE 0x7f000
#define BOOT_AREA_GDT 0x0
#define BOOT_AREA_PML4 0x1000
#define BOOT_AREA_PDPT 0x2000
#define BOOT_AREA_PD 0x3000 /* four page directories: the low 4 GiB */
#define BOOT_AREA_INFO 0x7000
#define GUEST_ELF64_STACK (KEEL_START_STACK_TOP - 0x10000) /* the 64 KiB start_info.h promises */
#define GUEST_LOW_RAM_END LAYOUT_LOW_RAM_END
#define GUEST_UPPER_RAM LAYOUT_BIOS_END /* Multiboot's "upper memory" starts at 1 MiB */
#define GUEST_CODE64 0x08
#define GUEST_DATA 0x10
#define GUEST_CODE32 0x18
#define GUEST_GDT_LIMIT (4 * 8 - 1)
#define GUEST_MEMORY_RANGES 4
#define GUEST_32BIT_LIMIT 0x100000000ull /* what Multiboot's 32-bit fields can address */
#define KEEL_BOOT_LOADER_NAME "Keel"

struct load_ctx {
	struct p2m *p2m;
	const struct loader_input *in;
	struct loader_result *out;
	uint64_t boot_area; /* where Keel's boot area starts (place_boot_area) */
	uint64_t boot_next; /* next free byte of its boot information */
	uint64_t boot_end;  /* where it ends */
	uint64_t ram_end;   /* the end of the RAM from 1 MiB up, where kernels and modules go */
	uint64_t module_gpa[LOADER_MAX_MODULES];
	char *err;
	size_t errlen;
};

/* Writes the reason into c->err and returns -EINVAL. */
int load_fail(struct load_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copies len bytes into the boot information area at the next multiple of align; returns
 * the guest-physical address, or 0 (after load_fail) when the area is full. */
uint64_t boot_put(struct load_ctx *c, const void *data, uint64_t len, uint64_t align);
uint64_t boot_put_string(struct load_ctx *c, const char *s);

/* Checks that each segment lies in RAM, clear of the VGA window, the BIOS area and (for an
 * elf64 kernel) its initial stack, copies its file bytes into guest memory (the rest is
 * zero already) and records the kernel's range in c->out. */
int load_segments(struct load_ctx *c, const struct elf_segment *seg, unsigned n);

/* Checks an ELF kernel against [0, limit) and loads it. */
int load_elf_kernel(struct load_ctx *c, unsigned accept, uint64_t limit, struct elf_image *elf);

/* Multiboot's address fields (Multiboot 0.6.96 §3.1.3, Multiboot2 §3.1.5), shared by both
 * protocols: checks them against the file and the domain's RAM below 4 GiB and loads the
 * one segment they describe. load_addr 0xffffffff (Multiboot2 only) loads from the file's
 * start. */
struct address_fields {
	uint64_t header_offset; /* where the header is in the file */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};
int load_address_fields(struct load_ctx *c, const struct address_fields *a);

/* Places every module, page-aligned, after the kernel and at or above 1 MiB; each must end
 * below limit. */
int load_modules(struct load_ctx *c, uint64_t limit);
/* Places Keel's boot area (above), once the kernel and modules are in. */
int place_boot_area(struct load_ctx *c);

/* The domain's memory map, from its layout (vmm/layout.h): RAM below 640 KiB, the reserved
 * PC area up to 1 MiB, RAM up to the MMIO hole, RAM above 4 GiB; adjacent ranges of a type
 * are one. Returns the number of ranges written (at most GUEST_MEMORY_RANGES). */
unsigned guest_memory_map(const struct guest_layout *layout, struct keel_memory_range *map);

/* The GDT every protected-mode and long-mode boot uses. */
int put_gdt(struct load_ctx *c);
/* What the protocols that start a kernel in 32-bit protected mode (Multiboot 1 and 2, PVH)
 * do once it is loaded: the modules below 4 GiB, the boot area, put_info's boot
 * information, the GDT, and the machine state of Multiboot 0.6.96 §3.2, Multiboot2 §3.3
 * and PVH: 32-bit protected mode, paging off, flat segments, EAX = eax (Multiboot's magic;
 * PVH leaves it unspecified); put_info leaves EBX pointing at the information. */
int start_protected_mode(struct load_ctx *c, int (*put_info)(struct load_ctx *c), uint32_t eax);
/* Identity map of the low 4 GiB with 2 MiB pages, for a kernel entered in long mode. */
int put_identity_page_tables(struct load_ctx *c);

/* The protocols; each fills c->out. */
int load_elf64(struct load_ctx *c);
int load_multiboot1(struct load_ctx *c);
int load_multiboot2(struct load_ctx *c);
int load_real16(struct load_ctx *c);
int load_pvh(struct load_ctx *c);
int load_linux(struct load_ctx *c);
/* Where a valid Multiboot header is, or a negative value (see the .c files); *bad_offset
 * gets the offset of a magic with a wrong checksum, if one was seen (else stays). */
long multiboot1_find_header(const void *image, uint64_t size, long *bad_offset);
long multiboot2_find_header(const void *image, uint64_t size, long *bad_offset);

#endif
