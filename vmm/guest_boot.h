/* What the loaders share: the guest-physical layout Keel gives every domain, the boot
 * information area, modules, the memory map, a GDT and identity page tables.
 *
 * Guest-physical layout (docs/boot-protocols.md):
 *   0x1000              GDT: 0x08 64-bit code, 0x10 flat data, 0x18 flat 32-bit code
 *   0x2000 - 0x7fff     the long-mode identity page tables (elf64 kernels)
 *   0x8000 - 0x7ffff    boot information: structures and strings, allocated upwards
 *   ... - 0x9ffff       the initial stack of elf64 kernels (KEEL_START_STACK_TOP)
 *   0xa0000 - 0xfffff   reserved in the memory map, as on a PC (vmm/layout.h)
 *   0x100000 -          the kernel (kernels load at 1 MiB or above), then its modules,
 *                       each page-aligned, in order, below the MMIO hole */
#ifndef KEEL_VMM_GUEST_BOOT_H
#define KEEL_VMM_GUEST_BOOT_H

#include <stdint.h>
#include "include/keel/start_info.h"
#include "vmm/elf_loader.h"
#include "vmm/loader.h"

#define GUEST_GDT_GPA 0x1000
#define GUEST_PML4_GPA 0x2000
#define GUEST_PDPT_GPA 0x3000
#define GUEST_PD_GPA 0x4000 /* four page directories: the low 4 GiB */
#define GUEST_BOOT_INFO_GPA 0x8000
#define GUEST_BOOT_INFO_END 0x80000
#define GUEST_LOW_RAM_END LAYOUT_LOW_RAM_END
#define GUEST_KERNEL_MIN 0x100000
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
	uint64_t boot_next; /* next free byte of the boot information area */
	uint64_t ram_end;   /* the end of the RAM from 1 MiB up, where the kernel and modules go */
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

/* Copies each segment's file bytes into guest memory (the rest is zero already) and
 * records the kernel's range in c->out. */
int load_segments(struct load_ctx *c, const struct elf_segment *seg, unsigned n);

/* Checks an ELF kernel against [GUEST_KERNEL_MIN, limit) and loads it. */
int load_elf_kernel(struct load_ctx *c, unsigned accept, uint64_t limit, struct elf_image *elf);

/* Multiboot's address fields (Multiboot 0.6.96 §3.1.3, Multiboot2 §3.1.5), shared by both
 * protocols: checks them against the file and [GUEST_KERNEL_MIN, 4 GiB) and loads the one
 * segment they describe. load_addr 0xffffffff (Multiboot2 only) loads from the file's start. */
struct address_fields {
	uint64_t header_offset; /* where the header is in the file */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};
int load_address_fields(struct load_ctx *c, const struct address_fields *a);

/* Places every module, page-aligned, after the kernel; each must end below limit. */
int load_modules(struct load_ctx *c, uint64_t limit);

/* The domain's memory map, from its layout (vmm/layout.h): RAM below 640 KiB, the reserved
 * PC area up to 1 MiB, RAM up to the MMIO hole, RAM above 4 GiB; adjacent ranges of a type
 * are one. Returns the number of ranges written (at most GUEST_MEMORY_RANGES). */
unsigned guest_memory_map(const struct guest_layout *layout, struct keel_memory_range *map);

/* The GDT every protected-mode and long-mode boot uses. */
int put_gdt(struct load_ctx *c);
/* What both Multiboot protocols do once the kernel is loaded: the modules below 4 GiB,
 * put_info's boot information, the GDT, and the machine state of Multiboot 0.6.96 §3.2
 * and Multiboot2 §3.3: 32-bit protected mode, paging off, flat segments, EAX = magic
 * (put_info leaves EBX pointing at the information). */
int start_multiboot(struct load_ctx *c, int (*put_info)(struct load_ctx *c), uint32_t magic);
/* Identity map of the low 4 GiB with 2 MiB pages, for a kernel entered in long mode. */
int put_identity_page_tables(struct load_ctx *c);

/* The protocols; each fills c->out. */
int load_elf64(struct load_ctx *c);
int load_multiboot1(struct load_ctx *c);
int load_multiboot2(struct load_ctx *c);
int load_real16(struct load_ctx *c);
/* Where a valid Multiboot header is, or a negative value (see the .c files); *bad_offset
 * gets the offset of a magic with a wrong checksum, if one was seen (else stays). */
long multiboot1_find_header(const void *image, uint64_t size, long *bad_offset);
long multiboot2_find_header(const void *image, uint64_t size, long *bad_offset);

#endif
