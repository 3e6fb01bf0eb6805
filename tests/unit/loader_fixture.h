/* The loader tests' fixture (test_loader.c, test_loader_multiboot.c): guest memory as a
 * host buffer behind the same p2m_copy_to_guest call the loaders use, builders of ELF64,
 * ELF32, Multiboot 1 and Multiboot2 images, and running loader_load on them. */
#ifndef KEEL_TESTS_UNIT_LOADER_FIXTURE_H
#define KEEL_TESTS_UNIT_LOADER_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include "vmm/loader.h"

#define MIB 0x100000ull

extern uint8_t *ram;          /* guest memory: set_ram's size */
extern uint64_t ram_size;
extern struct p2m p2m;
extern uint8_t img[0xa0000];  /* the kernel image being built */
extern size_t img_size;
extern size_t mb2_at, mb2_len; /* the Multiboot2 header being built */
extern struct loader_input in;
extern struct loader_result out;
extern char err[256];
extern uint8_t mod_a[5000], mod_b[3];

void set_ram(uint64_t size);
uint32_t rd32(uint64_t gpa);
uint64_t rd64(uint64_t gpa);
const char *str(uint64_t gpa);
void put(size_t off, uint64_t v, size_t n);
/* An ELF64 executable: code at paddr from file offset 0x1000 (0x2000 bytes, bss to
 * paddr + 0x4000), entry paddr + entry_off; elf32_image the same as ELF32 i386. */
void elf64_image(uint64_t paddr, uint64_t entry_off);
void elf32_image(uint32_t paddr, uint32_t entry_off);
/* A second program header, PT_NOTE with alignment align, over one PVH entry note (include/pvh.h)
 * at file offset at, its descriptor desc_size bytes of entry; the image grows to hold it. */
void pvh_note(size_t at, uint32_t desc_size, uint64_t entry, uint64_t align);
void mb1_header(size_t off, uint32_t flags);
void mb1_address(size_t off, uint32_t header_addr, uint32_t load_addr, uint32_t load_end, uint32_t bss_end,
		 uint32_t entry);
void mb2_begin(size_t off);
size_t mb2_tag(uint16_t type, uint16_t flags, uint32_t size);
void mb2_end(void);
/* The kernel img with cmdline and the first nmodules of two test modules. */
void input(enum kernel_type type, const char *cmdline, unsigned nmodules);
int load(void);
/* The memory map of the 16 MiB domain setup gives, at gpa in guest memory, its entries
 * entry_size bytes apart (base, length, type: Keel's 24, E820's 20): RAM to 640 KiB, the PC's
 * reserved area to 1 MiB, RAM from 1 MiB. */
void expect_default_memory_map(uint64_t gpa, unsigned entry_size);
/* The two test modules of input() after a kernel ending at 0x104000, as a list at gpa of
 * entries entry_size bytes apart (address, size, command line's address: Keel's 24, PVH's
 * 32), each page-aligned, in order, with its bytes. */
void expect_two_modules(uint64_t gpa, unsigned entry_size);
void expect_refusal(const char *msg);
void expect_loaded(void);
int setup(void **state);    /* 16 MiB of guest memory */
int teardown(void **state);

#endif
