/* The Multiboot 1 and Multiboot2 boot protocols Keel offers its domains
 * (vmm/load_multiboot1.c, load_multiboot2.c), on crafted images: the boot information each
 * kernel finds, and the exact refusal of each malformed header. */
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

/* ---- Multiboot 1 ---- */

static void check_mb1_info(uint64_t mbi, uint32_t mem_upper_kib)
{
	assert_int_equal(rd32(mbi), MULTIBOOT1_INFO_MEMORY | MULTIBOOT1_INFO_CMDLINE | MULTIBOOT1_INFO_MODS |
				       MULTIBOOT1_INFO_MEM_MAP | MULTIBOOT1_INFO_BOOT_LOADER_NAME);
	assert_int_equal(rd32(mbi + 4), 640);
	assert_int_equal(rd32(mbi + 8), mem_upper_kib);
	assert_string_equal(str(rd32(mbi + 16)), "root=/dev/x quiet");
	assert_int_equal(rd32(mbi + 20), 2);
	uint32_t mods = rd32(mbi + 24);
	assert_int_equal(rd32(mods), 0x104000);
	assert_int_equal(rd32(mods + 4), 0x104000 + sizeof(mod_a));
	assert_string_equal(str(rd32(mods + 8)), "first module");
	assert_int_equal(rd32(mods + 16), 0x106000);
	assert_int_equal(rd32(mods + 20), 0x106003);
	assert_string_equal(str(rd32(mods + 24)), "");
	/* three entries, each preceded by its size (20) */
	assert_int_equal(rd32(mbi + 44), 3 * 24);
	uint32_t mm = rd32(mbi + 48);
	assert_int_equal(rd32(mm), 20);
	assert_int_equal(rd64(mm + 4), 0);
	assert_int_equal(rd64(mm + 12), 0xa0000);
	assert_int_equal(rd32(mm + 20), 1);
	assert_int_equal(rd32(mm + 24 + 20), 2);
	assert_int_equal(rd64(mm + 48 + 4), MIB);
	assert_int_equal(rd64(mm + 48 + 12), (uint64_t)mem_upper_kib * 1024);
	assert_string_equal(str(rd32(mbi + 64)), "Keel");
}

static void check_prot32(uint32_t magic)
{
	assert_int_equal(out.boot.mode, VCPU_BOOT_PROT32);
	assert_int_equal(out.boot.code_selector, 0x18);
	assert_int_equal(out.boot.data_selector, 0x10);
	assert_int_equal(out.boot.gdt_base, 0x1000);
	assert_int_equal(out.regs.gpr[REG_RAX], magic);
	assert_true(out.regs.gpr[REG_RBX] >= 0x8000 && out.regs.gpr[REG_RBX] < 0x80000 && out.regs.gpr[REG_RBX] % 8 == 0);
	assert_int_equal(rd64(0x1018), 0x00cf9a000000ffffull);
}

static void multiboot1_elf32(void **state)
{
	(void)state;
	elf32_image(0x100000, 0x20);
	mb1_header(0x1000, MULTIBOOT1_PAGE_ALIGN | MULTIBOOT1_MEMORY_INFO);
	input(KERNEL_AUTO, "root=/dev/x quiet", 2);
	expect_loaded();
	assert_int_equal(out.type, KERNEL_MULTIBOOT1);
	assert_string_equal(out.format, "ELF32");
	assert_int_equal(out.regs.rip, 0x100020);
	check_prot32(MULTIBOOT1_BOOTLOADER_MAGIC);
	check_mb1_info(out.regs.gpr[REG_RBX], 15 * 1024);
	assert_memory_equal(ram + 0x104000, mod_a, sizeof(mod_a));
}

static void multiboot1_elf64(void **state)
{
	(void)state;
	elf64_image(0x100000, 0x30);
	mb1_header(0x1ff0, 0);
	input(KERNEL_MULTIBOOT1, "root=/dev/x quiet", 2);
	expect_loaded();
	assert_string_equal(out.format, "ELF64");
	assert_int_equal(out.regs.rip, 0x100030);
	check_mb1_info(out.regs.gpr[REG_RBX], 15 * 1024);
	/* without type = multiboot1 the header still makes it a Multiboot kernel */
	in.type = KERNEL_AUTO;
	expect_loaded();
	assert_int_equal(out.type, KERNEL_MULTIBOOT1);
	/* forced to elf64, the same image boots the ELF64 way */
	in.type = KERNEL_ELF64;
	expect_loaded();
	assert_int_equal(out.boot.mode, VCPU_BOOT_LONG64);
}

/* A flat image described by the address fields: the file from offset 0 at 0x100000. */
static void kludge_image(void)
{
	memset(img, 0, sizeof(img));
	mb1_header(0x40, MULTIBOOT1_AOUT_KLUDGE);
	mb1_address(0x40, 0x100040, 0x100000, 0x102000, 0x105000, 0x100080);
	memset(img + 0x80, 0xf4, 0x1f80);
	img_size = 0x2800; /* more than load_end asks for */
}

static void multiboot1_address_fields(void **state)
{
	(void)state;
	kludge_image();
	input(KERNEL_AUTO, "root=/dev/x quiet", 2);
	expect_loaded();
	assert_string_equal(out.format, "a.out kludge");
	assert_int_equal(out.regs.rip, 0x100080);
	assert_int_equal(out.kernel_low, 0x100000);
	assert_int_equal(out.kernel_high, 0x105000);
	assert_int_equal(rd32(0x100040), MULTIBOOT1_HEADER_MAGIC);
	assert_int_equal(ram[0x101fff], 0xf4);
	assert_int_equal(ram[0x102000], 0); /* past load_end_addr: bss */
	/* modules after the bss */
	uint64_t mbi = out.regs.gpr[REG_RBX];
	assert_int_equal(rd32(rd32(mbi + 24)), 0x105000);

	/* load_end_addr 0: the rest of the file; bss_end 0: none */
	mb1_address(0x40, 0x100040, 0x100000, 0, 0, 0x100080);
	expect_loaded();
	assert_int_equal(out.kernel_high, 0x102800);
	/* the header 0x40 bytes into the file, load_addr 0x20 below header_addr: from offset 0x20 */
	mb1_address(0x40, 0x200040, 0x200020, 0x200100, 0, 0x200080);
	expect_loaded();
	assert_int_equal(out.kernel_low, 0x200020);
	assert_int_equal(rd32(0x200040), MULTIBOOT1_HEADER_MAGIC);
}

static const struct {
	uint32_t header_addr, load_addr, load_end, bss_end, entry;
	const char *msg;
} kludge_errors[] = {
	{ 0x100040, 0x100050, 0, 0, 0x100080, "kernel 'k.bin': load_addr 0x100050 is above header_addr 0x100040" },
	{ 0x100040, 0xf0000, 0, 0, 0x100080,
	  "kernel 'k.bin': header_addr 0x100040 - load_addr 0xf0000 reaches before the start of the file (the "
	  "header is at offset 0x40)" },
	{ 0x100040, 0x100000, 0xfffff, 0, 0x100080,
	  "kernel 'k.bin': load_end_addr 0xfffff is below the load address 0x100000" },
	{ 0x100040, 0x100000, 0x103000, 0, 0x100080,
	  "kernel 'k.bin': load_end_addr 0x103000 asks for 0x3000 bytes from offset 0x0, but the file has 0x2800" },
	{ 0x100040, 0x100000, 0x102000, 0x101000, 0x100080,
	  "kernel 'k.bin': bss_end_addr 0x101000 is below the end of the loaded data 0x102000" },
	{ 0x9f040, 0x9f000, 0, 0, 0x9f080,
	  "kernel 'k.bin': it loads at 0x9f000-0xa17ff, over the VGA window (0xa0000-0xbffff)" },
	{ 0xf0040, 0xf0000, 0, 0, 0xf0080,
	  "kernel 'k.bin': it loads at 0xf0000-0xf27ff, over the BIOS area (0xc0000-0xfffff)" },
	{ 0xff0040, 0xff0000, 0, 0x1001000, 0xff0080,
	  "kernel 'k.bin': it ends at 0x1001000, beyond the domain's memory (0x1000000)" },
	{ 0x100040, 0x100000, 0x102000, 0, 0x102000,
	  "kernel 'k.bin': entry_addr 0x102000 is outside the loaded image 0x100000-0x102000" },
	{ 0xffffff00, 0xffffff00 - 0x40, 0, 0, 0xffffff00,
	  "kernel 'k.bin': it ends at 0x1000026c0, beyond the domain's memory (0x1000000)" },
};

static void multiboot1_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kludge_errors) / sizeof(kludge_errors[0]); i++) {
		kludge_image();
		mb1_address(0x40, kludge_errors[i].header_addr, kludge_errors[i].load_addr, kludge_errors[i].load_end,
			    kludge_errors[i].bss_end, kludge_errors[i].entry);
		input(KERNEL_MULTIBOOT1, "", 0);
		expect_refusal(kludge_errors[i].msg);
	}
	/* the file ends inside the address fields */
	kludge_image();
	img_size = 0x40 + 31;
	expect_refusal("kernel 'k.bin': the file ends inside the Multiboot header's address fields");

	/* flags */
	elf32_image(0x100000, 0);
	mb1_header(0x1000, MULTIBOOT1_VIDEO_MODE);
	expect_refusal("kernel 'k.bin': its Multiboot header asks for a video mode (flag 2); Keel's domains "
		       "have no display");
	mb1_header(0x1000, 1u << 5 | 1u << 9);
	expect_refusal("kernel 'k.bin': its Multiboot header requires feature bit 5, which Keel does not know");
	mb1_header(0x1000, 1u << 20); /* optional bits are ignored */
	expect_loaded();

	/* the checksum, and where the header may be */
	mb1_header(0x1000, 0);
	put(0x1008, 0x12345678, 4);
	expect_refusal("kernel 'k.bin': the Multiboot header at offset 0x1000 has a bad checksum (magic + flags + "
		       "checksum must be 0)");
	in.type = KERNEL_AUTO;
	expect_refusal("kernel 'k.bin': the Multiboot header at offset 0x1000 has a bad checksum (magic + flags + "
		       "checksum must be 0)");
	elf32_image(0x100000, 0);
	mb1_header(0x2000, 0); /* just past the first 8 KiB */
	in.type = KERNEL_MULTIBOOT1;
	expect_refusal("kernel 'k.bin': no Multiboot header in its first 8 KiB");
	mb1_header(0x1ff4, 0); /* the last place it may be */
	expect_loaded();
	elf32_image(0x100000, 0);
	mb1_header(0x1002, 0); /* not 4-byte aligned */
	expect_refusal("kernel 'k.bin': no Multiboot header in its first 8 KiB");

	/* ELF problems and 32-bit limits */
	elf32_image(0x100000, 0);
	mb1_header(0x1000, 0);
	put(18, 62, 2);
	expect_refusal("kernel 'k.bin': e_machine 62 is not i386");
	set_ram(2 * MIB);
	elf32_image(0x1fc000, 0);
	mb1_header(0x1000, 0);
	input(KERNEL_MULTIBOOT1, "", 1);
	expect_refusal("module 'a.bin' (5000 bytes) does not fit: it would end at 0x201388, beyond the domain's "
		       "memory 0x200000");
	set_ram(16 * MIB);
}

/* A Multiboot kernel in the PC's low memory, as GRUB and QEMU load them: Keel's boot area
 * moves after its modules, from 1 MiB; what it overlaps is refused by name. */
static void multiboot1_in_low_memory(void **state)
{
	(void)state;
	elf32_image(0x8000, 0x20);
	mb1_header(0x1000, 0);
	input(KERNEL_MULTIBOOT1, "root=/dev/x quiet", 2);
	expect_loaded();
	assert_int_equal(out.kernel_low, 0x8000);
	assert_int_equal(out.kernel_high, 0xc000);
	assert_int_equal(out.regs.rip, 0x8020);
	assert_int_equal(rd32(0x8000), MULTIBOOT1_HEADER_MAGIC);
	assert_int_equal(out.boot.gdt_base, 0x103000);
	assert_int_equal(rd64(0x103018), 0x00cf9a000000ffffull);
	uint64_t mbi = out.regs.gpr[REG_RBX];
	assert_true(mbi >= 0x10a000 && mbi < 0x182000 && mbi % 8 == 0);
	assert_string_equal(str(rd32(mbi + 16)), "root=/dev/x quiet");
	uint32_t mods = rd32(mbi + 24);
	assert_int_equal(rd32(mods), 0x100000);
	assert_int_equal(rd32(mods + 16), 0x102000);
	assert_memory_equal(ram + 0x100000, mod_a, sizeof(mod_a));
	/* without modules the boot area starts at 1 MiB */
	input(KERNEL_MULTIBOOT1, "", 0);
	expect_loaded();
	assert_int_equal(out.boot.gdt_base, 0x100000);
	/* from address 0, and up to the VGA window, without an elf64 kernel's stack */
	elf32_image(0, 0x20);
	mb1_header(0x1000, 0);
	expect_loaded();
	assert_int_equal(out.kernel_low, 0);
	elf32_image(0x9c000, 0x20);
	mb1_header(0x1000, 0);
	expect_loaded();
	assert_int_equal(out.boot.gdt_base, 0x1000); /* not over the boot area: it stays */
	elf32_image(0x9d000, 0x20);
	mb1_header(0x1000, 0);
	expect_refusal("kernel 'k.bin': it loads at 0x9d000-0xa0fff, over the VGA window (0xa0000-0xbffff)");
	elf32_image(0xfe000, 0x20);
	mb1_header(0x1000, 0);
	expect_refusal("kernel 'k.bin': it loads at 0xfe000-0x101fff, over the BIOS area (0xc0000-0xfffff)");
	/* a domain of 1 MiB has no RAM for the boot area once the kernel takes its place */
	set_ram(MIB);
	elf32_image(0x8000, 0x20);
	mb1_header(0x1000, 0);
	expect_refusal("kernel 'k.bin': it loads over Keel's boot area (0x1000-0x7ffff), which then goes after it "
		       "and its modules, at 0x100000, but the domain's RAM ends at 0x100000");
	set_ram(16 * MIB);
}

/* ---- Multiboot2 ---- */

/* Walks the boot information at mbi and checks every tag Keel writes. */
static void check_mb2_info(uint64_t mbi, const char *cmdline)
{
	uint32_t total = rd32(mbi);
	assert_int_equal(mbi % 8, 0);
	assert_int_equal(rd32(mbi + 4), 0);
	uint64_t t = mbi + 8;
	unsigned modules = 0;
	bool seen[22] = { false };
	for (;;) {
		uint32_t type = rd32(t), size = rd32(t + 4);
		assert_true(t % 8 == 0 && size >= 8 && t + size <= mbi + total);
		if (type == MULTIBOOT2_TAG_END) {
			assert_int_equal(size, 8);
			assert_int_equal(t + 8, mbi + total);
			break;
		}
		assert_true(type < 22);
		seen[type] = true;
		switch (type) {
		case MULTIBOOT2_TAG_CMDLINE:
			assert_string_equal(str(t + 8), cmdline);
			assert_int_equal(size, 8 + strlen(cmdline) + 1);
			break;
		case MULTIBOOT2_TAG_BOOT_LOADER_NAME:
			assert_string_equal(str(t + 8), "Keel");
			break;
		case MULTIBOOT2_TAG_MODULE:
			if (modules++ == 0) {
				assert_int_equal(rd32(t + 8), 0x104000);
				assert_int_equal(rd32(t + 12), 0x104000 + sizeof(mod_a));
				assert_string_equal(str(t + 16), "first module");
			} else {
				assert_int_equal(rd32(t + 8), 0x106000);
				assert_int_equal(rd32(t + 12), 0x106003);
				assert_string_equal(str(t + 16), "");
			}
			break;
		case MULTIBOOT2_TAG_BASIC_MEMINFO:
			assert_int_equal(rd32(t + 8), 640);
			assert_int_equal(rd32(t + 12), 15 * 1024);
			break;
		case MULTIBOOT2_TAG_ACPI_NEW: /* a copy of the platform's RSDP */
			assert_true(in.rsdp_gpa != 0);
			assert_int_equal(size, 8 + LOADER_RSDP_BYTES);
			assert_memory_equal(ram + t + 8, in.rsdp, LOADER_RSDP_BYTES);
			break;
		case MULTIBOOT2_TAG_MMAP:
			assert_int_equal(rd32(t + 8), 24);
			assert_int_equal(rd32(t + 12), 0);
			assert_int_equal(size, 16 + 3 * 24);
			assert_int_equal(rd64(t + 16 + 24), 0xa0000);
			assert_int_equal(rd32(t + 16 + 24 + 16), 2);
			assert_int_equal(rd64(t + 16 + 48 + 8), 15 * MIB);
			break;
		default:
			fail_msg("unexpected tag %u", type);
		}
		t += (size + 7) & ~7u;
	}
	assert_int_equal(modules, 2);
	assert_true(seen[1] && seen[2] && seen[3] && seen[4] && seen[6]);
	assert_true(seen[MULTIBOOT2_TAG_ACPI_NEW] == (in.rsdp_gpa != 0));
}

static void multiboot2_elf64(void **state)
{
	(void)state;
	elf64_image(0x100000, 0x40);
	mb2_begin(0x1008);
	size_t req = mb2_tag(MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST, 0, 8 + 6 * 4);
	put(req + 8, 1, 4);
	put(req + 12, 2, 4);
	put(req + 16, 3, 4);
	put(req + 20, 4, 4);
	put(req + 24, 6, 4);
	put(req + 28, MULTIBOOT2_TAG_ACPI_NEW, 4); /* required: the domain has ACPI tables */
	mb2_tag(MULTIBOOT2_HEADER_TAG_MODULE_ALIGN, 0, 8);
	size_t fb = mb2_tag(MULTIBOOT2_HEADER_TAG_FRAMEBUFFER, MULTIBOOT2_HEADER_TAG_OPTIONAL, 20);
	(void)fb;
	mb2_end();
	input(KERNEL_AUTO, "mb2 args", 2);
	in.rsdp_gpa = 0xe0000;
	for (unsigned i = 0; i < LOADER_RSDP_BYTES; i++)
		in.rsdp[i] = (uint8_t)(0x40 + i);
	expect_loaded();
	assert_int_equal(out.type, KERNEL_MULTIBOOT2);
	assert_string_equal(out.format, "ELF64");
	assert_int_equal(out.regs.rip, 0x100040);
	check_prot32(MULTIBOOT2_BOOTLOADER_MAGIC);
	check_mb2_info(out.regs.gpr[REG_RBX], "mb2 args");
	/* an entry address tag overrides e_entry */
	mb2_begin(0x1008);
	size_t e = mb2_tag(MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS, 0, 12);
	put(e + 8, 0x100100, 4);
	mb2_end();
	expect_loaded();
	assert_int_equal(out.regs.rip, 0x100100);
	/* a kernel with both headers is taken as Multiboot2 */
	mb1_header(0x1100, 0);
	expect_loaded();
	assert_int_equal(out.type, KERNEL_MULTIBOOT2);
	in.type = KERNEL_MULTIBOOT1;
	expect_loaded();
	assert_int_equal(out.regs.gpr[REG_RAX], MULTIBOOT1_BOOTLOADER_MAGIC);
}

static void multiboot2_address_tag(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	mb2_begin(0x10);
	size_t a = mb2_tag(MULTIBOOT2_HEADER_TAG_ADDRESS, 0, 24);
	put(a + 8, 0x300010, 4);     /* header_addr */
	put(a + 12, 0xffffffff, 4);  /* load_addr: from the file's start */
	put(a + 16, 0x301000, 4);    /* load_end_addr */
	put(a + 20, 0x302000, 4);    /* bss_end_addr */
	size_t e = mb2_tag(MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS, 0, 12);
	put(e + 8, 0x300200, 4);
	mb2_end();
	memset(img + 0x200, 0xcc, 0xe00);
	img_size = 0x1000;
	input(KERNEL_AUTO, "", 2);
	expect_loaded();
	assert_string_equal(out.format, "a.out kludge");
	assert_int_equal(out.kernel_low, 0x300000);
	assert_int_equal(out.kernel_high, 0x302000);
	assert_int_equal(out.regs.rip, 0x300200);
	assert_int_equal(rd32(0x300010), MULTIBOOT2_HEADER_MAGIC);
	assert_int_equal(ram[0x300fff], 0xcc);
	/* header_addr below the header's own offset cannot load from the start */
	put(a + 8, 0x8, 4);
	mb2_end();
	expect_refusal("kernel 'k.bin': header_addr 0x8 is below the header's offset 0x10 in the file");
	/* an address tag needs an entry address tag */
	mb2_begin(0x10);
	a = mb2_tag(MULTIBOOT2_HEADER_TAG_ADDRESS, 0, 24);
	put(a + 8, 0x300010, 4);
	put(a + 12, 0xffffffff, 4);
	mb2_end();
	expect_refusal("kernel 'k.bin': its Multiboot2 header has an address tag but no entry address tag");
}

static const struct {
	uint16_t type, flags;
	uint32_t size, word; /* word: the tag's first field */
	const char *msg;     /* NULL: accepted */
} mb2_tag_cases[] = {
	{ MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST, 0, 12, 8,
	  "kernel 'k.bin': its Multiboot2 header requires boot information tag 8, which Keel does not provide" },
	{ MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST, 1, 12, 8, NULL },
	{ MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST, 0, 12, 14,
	  "kernel 'k.bin': its Multiboot2 header requires boot information tag 14, which Keel does not provide" },
	{ MULTIBOOT2_HEADER_TAG_FRAMEBUFFER, 0, 20, 0,
	  "kernel 'k.bin': its Multiboot2 header requires a framebuffer; Keel's domains have no display" },
	{ MULTIBOOT2_HEADER_TAG_EFI_BS, 0, 8, 0,
	  "kernel 'k.bin': its Multiboot2 header requires EFI boot services; Keel's domains have no firmware" },
	{ MULTIBOOT2_HEADER_TAG_EFI_BS, 1, 8, 0, NULL },
	{ MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI64, 0, 12, 0x12345, NULL },
	{ MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS, 0, 12, 1,
	  "kernel 'k.bin': its Multiboot2 header requires a console described in the boot information, which "
	  "Keel does not provide (its domains have a serial port only)" },
	{ MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS, 0, 12, 2, NULL },
	{ MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS, 0, 8, 0,
	  "kernel 'k.bin': Multiboot2 console flags tag of 8 bytes, expected 12" },
	{ 11, 0, 8, 0, "kernel 'k.bin': its Multiboot2 header has required tag type 11, which Keel does not know" },
	{ 11, 1, 8, 0, NULL },
	{ MULTIBOOT2_HEADER_TAG_ADDRESS, 0, 16, 0, "kernel 'k.bin': Multiboot2 address tag of 16 bytes, expected 24" },
	{ MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS, 0, 8, 0,
	  "kernel 'k.bin': Multiboot2 entry address tag of 8 bytes, expected 12" },
	{ MULTIBOOT2_HEADER_TAG_RELOCATABLE, 0, 16, 0,
	  "kernel 'k.bin': Multiboot2 relocatable tag of 16 bytes, expected 24" },
	{ MULTIBOOT2_HEADER_TAG_END, 0, 7, 0, "kernel 'k.bin': Multiboot2 header tag 0 at offset 0x1018 has size 7" },
	{ 5, 0, 4000, 0, "kernel 'k.bin': Multiboot2 header tag 5 at offset 0x1018 has size 4000" },
};

static void multiboot2_header_tags(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mb2_tag_cases) / sizeof(mb2_tag_cases[0]); i++) {
		elf32_image(0x100000, 0);
		mb2_begin(0x1008);
		size_t t = mb2_tag(mb2_tag_cases[i].type, mb2_tag_cases[i].flags, mb2_tag_cases[i].size);
		if (mb2_tag_cases[i].size >= 12)
			put(t + 8, mb2_tag_cases[i].word, 4);
		if (mb2_tag_cases[i].size > 100)
			mb2_len = 16 + 8; /* the tag claims more than the header holds */
		mb2_end();
		input(KERNEL_MULTIBOOT2, "", 0);
		if (!mb2_tag_cases[i].msg) {
			expect_loaded();
			assert_string_equal(out.format, "ELF32");
		} else {
			expect_refusal(mb2_tag_cases[i].msg);
		}
	}
}

static void multiboot2_relocatable(void **state)
{
	(void)state;
	elf32_image(0x200000, 0);
	mb2_begin(0x1008);
	size_t r = mb2_tag(MULTIBOOT2_HEADER_TAG_RELOCATABLE, 0, 24);
	put(r + 8, 0x100000, 4);  /* min_addr */
	put(r + 12, 0x7fffffff, 4); /* max_addr */
	put(r + 16, 0x200000, 4); /* align */
	mb2_end();
	input(KERNEL_MULTIBOOT2, "", 0);
	expect_loaded(); /* its own address suits the constraints */
	put(r + 8, 0x300000, 4);
	mb2_end();
	expect_refusal("kernel 'k.bin': its Multiboot2 header asks to be relocated within 0x300000-0x7fffffff "
		       "(alignment 0x200000); Keel loads kernels only at their own addresses");
	put(r + 8, 0x100000, 4);
	put(r + 16, 0x400000, 4);
	mb2_end();
	expect_refusal("kernel 'k.bin': its Multiboot2 header asks to be relocated within 0x100000-0x7fffffff "
		       "(alignment 0x400000); Keel loads kernels only at their own addresses");
}

static void multiboot2_header_refusals(void **state)
{
	(void)state;
	elf32_image(0x100000, 0);
	mb2_begin(0x1008);
	mb2_end();
	put(0x1008 + 12, 0, 4);
	input(KERNEL_AUTO, "", 0);
	expect_refusal("kernel 'k.bin': the Multiboot2 header at offset 0x1008 has a bad checksum (magic + "
		       "architecture + header_length + checksum must be 0)");
	mb2_begin(0x1008);
	put(0x1008 + 4, 4, 4); /* MIPS */
	mb2_len = 16 + 8;
	put(0x1008 + 16, 0, 4);
	put(0x1008 + 20, 8, 4);
	put(0x1008 + 8, mb2_len, 4);
	put(0x1008 + 12, (uint32_t)-(MULTIBOOT2_HEADER_MAGIC + 4 + (uint32_t)mb2_len), 4);
	expect_refusal("kernel 'k.bin': Multiboot2 architecture 4 is not i386 (0)");
	/* no end tag: the header ends after a module-alignment tag */
	mb2_begin(0x1008);
	mb2_tag(MULTIBOOT2_HEADER_TAG_MODULE_ALIGN, 0, 8);
	put(0x1008 + 8, mb2_len, 4);
	put(0x1008 + 12, (uint32_t)-(MULTIBOOT2_HEADER_MAGIC + (uint32_t)mb2_len), 4);
	expect_refusal("kernel 'k.bin': its Multiboot2 header has no end tag");
	/* header_length beyond the file */
	elf32_image(0x100000, 0);
	mb2_begin(0x2ff0);
	put(0x2ff0 + 8, 0x100, 4);
	put(0x2ff0 + 12, (uint32_t)-(MULTIBOOT2_HEADER_MAGIC + 0x100), 4);
	expect_refusal("kernel 'k.bin': Multiboot2 header_length 256 runs past the end of the file");
	/* only in the first 32 KiB, 8-byte aligned */
	elf32_image(0x100000, 0);
	img_size = 0x9000;
	mb2_begin(0x8000);
	mb2_end();
	in.type = KERNEL_MULTIBOOT2;
	expect_refusal("kernel 'k.bin': no Multiboot2 header in its first 32 KiB");
	elf32_image(0x100000, 0);
	mb2_begin(0x1004);
	mb2_end();
	expect_refusal("kernel 'k.bin': no Multiboot2 header in its first 32 KiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(multiboot1_elf32, setup),
		cmocka_unit_test_setup(multiboot1_elf64, setup),
		cmocka_unit_test_setup(multiboot1_address_fields, setup),
		cmocka_unit_test_setup(multiboot1_refusals, setup),
		cmocka_unit_test_setup(multiboot1_in_low_memory, setup),
		cmocka_unit_test_setup(multiboot2_elf64, setup),
		cmocka_unit_test_setup(multiboot2_address_tag, setup),
		cmocka_unit_test_setup(multiboot2_header_tags, setup),
		cmocka_unit_test_setup(multiboot2_relocatable, setup),
		cmocka_unit_test_setup(multiboot2_header_refusals, setup),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
