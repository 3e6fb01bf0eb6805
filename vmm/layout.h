/* A domain's guest-physical address space, laid out as a PC's: RAM below 640 KiB; the VGA
 * window (0xa0000-0xbffff), where nothing is; the BIOS area (0xc0000-0xfffff, reserved,
 * where Keel puts what a BIOS would, such as the ACPI tables' RSDP); RAM from 1 MiB up to
 * the 32-bit MMIO hole, where the local APIC, the IO-APIC and other devices are; and the
 * rest of the RAM from 4 GiB up. It is the one table the p2m, the loaders, the memory maps
 * the boot protocols give, the ACPI tables and the hypercalls' buffer checks read. Host
 * code: it knows nothing of domains. */
#ifndef KEEL_VMM_LAYOUT_H
#define KEEL_VMM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAYOUT_LOW_RAM_END 0xa0000ull /* 640 KiB */
#define LAYOUT_VGA_END 0xc0000ull
#define LAYOUT_BIOS_END 0x100000ull   /* 1 MiB */
#define LAYOUT_4G 0x100000000ull
/* The 32-bit MMIO hole: [4 GiB - hole, 4 GiB). Its size in MiB, as xl.cfg's mmio_hole;
 * at least 32 MiB, so that it holds the IO-APIC (0xfec00000) and the local APIC
 * (0xfee00000), and at most what leaves 16 MiB of RAM below it. */
#define LAYOUT_HOLE_DEFAULT_MIB 512 /* from 0xe0000000 */
#define LAYOUT_HOLE_MIN_MIB 32
#define LAYOUT_HOLE_MAX_MIB 4080
#define LAYOUT_MAX_RANGES 5

/* Range types, numbered as in the memory maps of the boot protocols (e820, Multiboot,
 * include/keel/start_info.h's KEEL_MEMORY_*). */
enum layout_type { LAYOUT_RAM = 1, LAYOUT_RESERVED = 2 };

struct layout_range {
	uint64_t base, size;
	enum layout_type type;
	bool backed; /* host memory behind it; else a guest's access reaches the I/O bus */
	const char *name; /* what it is, for messages: "VGA window", "BIOS area", "RAM" */
};

struct guest_layout {
	struct layout_range range[LAYOUT_MAX_RANGES]; /* sorted by address, disjoint */
	unsigned count;
	uint64_t ram_bytes;  /* the domain's memory: RAM ends there below the hole, the first MiB
			      * holding the PC's holes, and the rest goes above 4 GiB */
	uint64_t hole_start; /* the 32-bit MMIO hole is [hole_start, 4 GiB) */
	uint64_t low_end;    /* the end of the RAM from 1 MiB up (1 MiB: none) */
	uint64_t high_end;   /* the end of the RAM from 4 GiB up (4 GiB: none) */
};

/* Lays out ram_bytes of RAM (a multiple of 1 MiB, at least 1 MiB: the first MiB holds the
 * low RAM and the PC's holes, so 1 MiB gives 640 KiB of RAM) with a hole of hole_mib below
 * 4 GiB. 0, or -EINVAL with the reason in why for a size it cannot lay out, or -ERANGE if
 * the space would end beyond max_gpa (the first address the nested page tables cannot
 * map). */
int layout_build(struct guest_layout *l, uint64_t ram_bytes, uint64_t hole_mib, uint64_t max_gpa, char *why,
		 size_t len);
/* The range holding gpa, or NULL: the VGA window is a range, the hole and what lies beyond
 * the last range are not. */
const struct layout_range *layout_find(const struct guest_layout *l, uint64_t gpa);
/* [gpa, gpa + len) lies wholly inside one RAM range, without wrapping (len 0: gpa is in
 * one, or ends one). Inline and without a loop, for the hypercalls' buffers: a layout's RAM
 * is below 640 KiB, from 1 MiB up to low_end, and from 4 GiB up to high_end. */
static inline bool layout_is_ram(const struct guest_layout *l, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;
	return end >= gpa && ((gpa >= LAYOUT_BIOS_END && end <= l->low_end) || end <= LAYOUT_LOW_RAM_END ||
			      (gpa >= LAYOUT_4G && end <= l->high_end));
}
/* The end of the RAM range holding gpa, or gpa if it is not RAM: how far things placed
 * from gpa on may go contiguously. */
uint64_t layout_ram_end(const struct guest_layout *l, uint64_t gpa);
/* Bytes of host memory behind the layout: what the domain costs in RAM. */
uint64_t layout_backed_bytes(const struct guest_layout *l);

#endif
