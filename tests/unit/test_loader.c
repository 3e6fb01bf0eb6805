/* The ELF64 and real-mode boot protocols Keel offers its domains (vmm/load_elf64.c,
 * load_real16.c), kind detection and the guest memory map, on crafted images: what each
 * kernel finds in memory and registers, and the exact refusal of each malformed image. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "include/keel/start_info.h"
#include "include/multiboot1.h"
#include "include/multiboot2.h"
#include "lib/errno.h"
#include "vmm/guest_boot.h"
#include "vmm/loader.h"
#include "tests/unit/loader_fixture.h"

/* ---- ELF64 ---- */

static void elf64_start_info(void **state)
{
	(void)state;
	elf64_image(0x100000, 0x10);
	input(KERNEL_AUTO, "console=uart verbose", 2);
	in.rsdp_gpa = 0xe0000; /* the platform's */
	expect_loaded();
	assert_int_equal(out.type, KERNEL_ELF64);
	assert_string_equal(out.format, "ELF64");
	assert_int_equal(out.kernel_low, 0x100000);
	assert_int_equal(out.kernel_high, 0x104000);
	assert_int_equal(out.regs.rip, 0x100010);
	assert_int_equal(out.boot.rsp, KEEL_START_STACK_TOP);
	assert_int_equal(out.boot.mode, VCPU_BOOT_LONG64);
	assert_int_equal(out.boot.cr3, 0x2000); /* Keel's boot area at 0x1000: the GDT, then the page tables */
	assert_int_equal(out.boot.code_selector, 0x08);
	assert_int_equal(out.boot.data_selector, 0x10);
	assert_int_equal(out.boot.gdt_base, 0x1000);
	assert_int_equal(out.boot.gdt_limit, 31);
	/* the image */
	assert_int_equal(ram[0x100000], 0x90);
	assert_int_equal(ram[0x101fff], 0x90);
	assert_int_equal(ram[0x102000], 0);

	uint64_t si = out.regs.gpr[REG_RDI];
	assert_true(si >= 0x8000 && si < 0x80000 && si % 8 == 0);
	assert_int_equal(rd32(si), KEEL_START_MAGIC);
	assert_int_equal(rd32(si + 4), 2);
	assert_int_equal(rd64(si + 40), 0xe0000); /* version 2's rsdp_gpa */
	assert_string_equal(str(rd64(si + 8)), "console=uart verbose");
	assert_int_equal(rd32(si + 24), 2);
	/* modules: page-aligned after the kernel's end, in order, with their command lines */
	expect_two_modules(rd64(si + 16), sizeof(struct keel_start_module));
	assert_int_equal(out.modules_end, 0x106003);
	/* the memory map */
	assert_int_equal(rd32(si + 28), 3);
	expect_default_memory_map(rd64(si + 32), sizeof(struct keel_memory_range));
	/* GDT and the identity map */
	assert_int_equal(rd64(0x1008), 0x00af9a000000ffffull);
	assert_int_equal(rd64(0x1010), 0x00cf92000000ffffull);
	assert_int_equal(rd64(0x1018), 0x00cf9a000000ffffull);
	assert_int_equal(rd64(0x2000), 0x3000 | 3);
	assert_int_equal(rd64(0x3000 + 24), (0x4000 + 3 * 0x1000) | 3);
	assert_int_equal(rd64(0x4000 + 3 * 0x1000 + 511 * 8), 0xffe00000ull | 0x83);
}

static void elf64_without_modules_or_cmdline(void **state)
{
	(void)state;
	elf64_image(0x200000, 0);
	input(KERNEL_ELF64, "", 0);
	expect_loaded();
	uint64_t si = out.regs.gpr[REG_RDI];
	assert_string_equal(str(rd64(si + 8)), "");
	assert_int_equal(rd32(si + 24), 0);
	assert_int_equal(rd64(si + 16), 0);
	assert_int_equal(out.modules_end, 0x204000);
}

/* Found by tests/fuzz/fuzz_loader.c: a segment without file bytes whose p_offset lies far
 * beyond the image, which elf_parse accepts (p_offset is not used), made load_segments form
 * a pointer past the image: undefined behaviour, which clang's UBSan reports when the fuzz
 * target replays the input (tests/fuzz/corpus/loader/regression-bss-offset); gcc's does not
 * see it. Here: such a kernel loads, its segment zero-filled. */
static void elf64_bss_segment_offset_beyond_the_file(void **state)
{
	(void)state;
	elf64_image(0x100000, 0);
	put(56, 2, 2);                        /* e_phnum */
	put(120 + 0, 1, 4);                   /* PT_LOAD */
	put(120 + 4, 6, 4);                   /* R W */
	put(120 + 8, 0xfffffffffffff000ull, 8); /* p_offset: pointer arithmetic with it wraps */
	put(120 + 16, 0x300000, 8);
	put(120 + 24, 0x300000, 8);
	put(120 + 32, 0, 8);                  /* p_filesz */
	put(120 + 40, 0x1000, 8);             /* p_memsz */
	input(KERNEL_ELF64, "", 0);
	expect_loaded();
	assert_int_equal(out.kernel_low, 0x100000);
	assert_int_equal(out.kernel_high, 0x301000);
}

static void elf64_refusals(void **state)
{
	(void)state;
	elf64_image(0x8e000, 0);
	input(KERNEL_ELF64, "", 0);
	expect_refusal("kernel 'k.bin': it loads at 0x8e000-0x91fff, over the initial stack of an elf64 kernel "
		       "(0x90000-0x9ffff)");
	elf64_image(0x9e000, 0);
	expect_refusal("kernel 'k.bin': it loads at 0x9e000-0xa1fff, over the VGA window (0xa0000-0xbffff)");
	elf64_image(0xffe000, 0);
	expect_refusal("kernel 'k.bin': segment 0 ends at 0x1002000, beyond guest memory 0x1000000");
	elf32_image(0x100000, 0);
	expect_refusal("kernel 'k.bin': EI_CLASS 1 is not ELFCLASS64");
	/* the modules do not fit after the kernel (its .bss ends 0x4000 after its start) */
	set_ram(2 * MIB);
	elf64_image(0x1fc000, 0);
	input(KERNEL_ELF64, "", 2);
	expect_refusal("module 'a.bin' (5000 bytes) does not fit: it would end at 0x201388, beyond the "
		       "domain's memory 0x200000");
	elf64_image(0x1fa000, 0);
	expect_refusal("module 'b.txt' (3 bytes) does not fit: it would end at 0x200003, beyond the "
		       "domain's memory 0x200000");
	set_ram(16 * MIB);
}

/* An elf64 kernel in low memory: Keel's boot area moves after its modules, from 1 MiB. */
static void elf64_in_low_memory(void **state)
{
	(void)state;
	elf64_image(0x8000, 0x10);
	input(KERNEL_ELF64, "low", 2);
	expect_loaded();
	assert_int_equal(out.kernel_low, 0x8000);
	assert_int_equal(out.kernel_high, 0xc000);
	assert_int_equal(out.regs.rip, 0x8010);
	assert_int_equal(ram[0x8000], 0x90);
	/* the modules from 1 MiB, then the boot area at the next page: GDT, page tables, information */
	uint64_t si = out.regs.gpr[REG_RDI];
	uint64_t mods = rd64(si + 16);
	assert_int_equal(rd64(mods), 0x100000);
	assert_int_equal(rd64(mods + 24), 0x102000);
	assert_int_equal(out.boot.gdt_base, 0x103000);
	assert_int_equal(rd64(0x103008), 0x00af9a000000ffffull);
	assert_int_equal(out.boot.cr3, 0x104000);
	assert_int_equal(rd64(0x104000), 0x105000 | 3);
	assert_int_equal(rd64(0x105000), 0x106000 | 3);
	assert_int_equal(rd64(0x106000), 0x83);
	assert_true(si >= 0x10a000 && si < 0x182000 && si % 8 == 0);
	assert_string_equal(str(rd64(si + 8)), "low");
	assert_int_equal(out.boot.rsp, KEEL_START_STACK_TOP);
	/* up to the 64 KiB of the stack, and clear of the boot area, which stays */
	elf64_image(0x90000 - 0x4000, 0);
	expect_loaded();
	assert_int_equal(out.boot.cr3, 0x2000);
}

/* ---- detection and real mode ---- */

static void detection(void **state)
{
	(void)state;
	memset(img, 0x55, 0x400);
	img_size = 0x400;
	input(KERNEL_AUTO, "", 0);
	expect_refusal("kernel 'k.bin': no kernel header Keel knows (ELF, bzImage \"HdrS\", Multiboot in the first "
		       "8 KiB, Multiboot2 in the first 32 KiB); a real-mode binary needs type = \"real16\"");
	img_size = 0;
	expect_refusal("kernel 'k.bin': no kernel header Keel knows (ELF, bzImage \"HdrS\", Multiboot in the first "
		       "8 KiB, Multiboot2 in the first 32 KiB); a real-mode binary needs type = \"real16\"");
	/* ELF32 without a Multiboot header is not a kernel Keel can start */
	elf32_image(0x100000, 0);
	expect_refusal("kernel 'k.bin': EI_CLASS 1 is not ELFCLASS64");
}

static void real16(void **state)
{
	(void)state;
	memset(img, 0xeb, 0x200);
	img_size = 0x200;
	input(KERNEL_REAL16, "", 0);
	expect_loaded();
	assert_string_equal(out.format, "flat binary");
	assert_int_equal(out.boot.mode, VCPU_BOOT_REAL16);
	assert_int_equal(out.regs.rip, 0x7c00);
	assert_int_equal(out.boot.rsp, 0x7c00);
	assert_int_equal(ram[0x7dff], 0xeb);
	assert_int_equal(ram[0x7e00], 0);
	img_size = 0xa0000 - 0x7c00;
	expect_loaded();
	img_size++;
	expect_refusal("kernel 'k.bin': a real16 image must be 1 to 623616 bytes (it loads at 0x7c00, below "
		       "0xa0000), this one is 623617");
	img_size = 0;
	expect_refusal("kernel 'k.bin': a real16 image must be 1 to 623616 bytes (it loads at 0x7c00, below "
		       "0xa0000), this one is 0");
}

/* The memory map of a layout of ram bytes with a hole of hole_mib. */
static unsigned map_of(uint64_t ram, uint64_t hole_mib, struct keel_memory_range *m)
{
	struct guest_layout l;
	char why[128];
	assert_int_equal(layout_build(&l, ram, hole_mib, 1ull << 48, why, sizeof(why)), 0);
	return guest_memory_map(&l, m);
}

static void expect_range(const struct keel_memory_range *m, uint64_t base, uint64_t length, uint32_t type)
{
	assert_int_equal(m->base, base);
	assert_int_equal(m->length, length);
	assert_int_equal(m->type, type);
}

static void memory_maps(void **state)
{
	(void)state;
	struct keel_memory_range m[GUEST_MEMORY_RANGES];
	/* 1 MiB: the low RAM and the PC's reserved area, the VGA window and the BIOS area as one */
	assert_int_equal(map_of(MIB, LAYOUT_HOLE_DEFAULT_MIB, m), 2);
	expect_range(&m[0], 0, 0xa0000, KEEL_MEMORY_RAM);
	expect_range(&m[1], 0xa0000, 0x60000, KEEL_MEMORY_RESERVED);
	assert_int_equal(map_of(8 * MIB, LAYOUT_HOLE_DEFAULT_MIB, m), 3);
	expect_range(&m[2], MIB, 7 * MIB, KEEL_MEMORY_RAM);
	/* 4 GiB: RAM up to the hole at 0xe0000000, the rest above 4 GiB */
	assert_int_equal(map_of(4096 * MIB, LAYOUT_HOLE_DEFAULT_MIB, m), 4);
	expect_range(&m[2], MIB, 0xe0000000 - MIB, KEEL_MEMORY_RAM);
	expect_range(&m[3], 0x100000000ull, 512 * MIB, KEEL_MEMORY_RAM);
	/* a hole of 3968 MiB leaves 128 MiB below it */
	assert_int_equal(map_of(256 * MIB, 3968, m), 4);
	expect_range(&m[2], MIB, 127 * MIB, KEEL_MEMORY_RAM);
	expect_range(&m[3], 0x100000000ull, 128 * MIB, KEEL_MEMORY_RAM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(elf64_start_info, setup),
		cmocka_unit_test_setup(elf64_without_modules_or_cmdline, setup),
		cmocka_unit_test_setup(elf64_bss_segment_offset_beyond_the_file, setup),
		cmocka_unit_test_setup(elf64_refusals, setup),
		cmocka_unit_test_setup(elf64_in_low_memory, setup),
		cmocka_unit_test_setup(detection, setup),
		cmocka_unit_test_setup(real16, setup),
		cmocka_unit_test_setup(memory_maps, setup),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
