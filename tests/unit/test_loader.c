/* The boot protocols Keel offers its domains (vmm/load_*.c), on crafted images: what each
 * kernel finds in memory and registers, and the exact refusal of each malformed image.
 * Guest memory is a host buffer behind the same p2m_copy_to_guest call the loaders use. */
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

#define MIB 0x100000ull

/* ---- the fake guest memory ---- */

static uint8_t *ram;
static struct p2m p2m;

int p2m_copy_to_guest(const struct p2m *p, uint64_t gpa, const void *src, uint64_t len)
{
	if (gpa + len < gpa || gpa + len > p->ram_size)
		return -EFAULT;
	memcpy(ram + gpa, src, len);
	return 0;
}

static void set_ram(uint64_t size)
{
	free(ram);
	ram = calloc(1, size);
	assert_non_null(ram);
	p2m.ram_size = size;
}

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v;
	memcpy(&v, ram + gpa, 4);
	return v;
}

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v;
	memcpy(&v, ram + gpa, 8);
	return v;
}

static const char *str(uint64_t gpa)
{
	return (const char *)ram + gpa;
}

/* ---- building images ---- */

static uint8_t img[0xa0000];
static size_t img_size;

static void put(size_t off, uint64_t v, size_t n)
{
	memcpy(img + off, &v, n);
}

/* An ELF64 executable: code at 0x100000 from file offset 0x1000 (0x2000 bytes, bss to
 * 0x104000), entry 0x100000 + entry_off. */
static void elf64_image(uint64_t paddr, uint64_t entry_off)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	memset(img, 0, sizeof(img));
	memcpy(img, ident, sizeof(ident));
	put(16, 2, 2);                 /* ET_EXEC */
	put(18, 62, 2);                /* EM_X86_64 */
	put(20, 1, 4);
	put(24, paddr + entry_off, 8); /* e_entry */
	put(32, 64, 8);                /* e_phoff */
	put(54, 56, 2);
	put(56, 1, 2);
	put(64 + 0, 1, 4);             /* PT_LOAD */
	put(64 + 4, 5, 4);             /* R X */
	put(64 + 8, 0x1000, 8);
	put(64 + 16, paddr, 8);
	put(64 + 24, paddr, 8);
	put(64 + 32, 0x2000, 8);
	put(64 + 40, 0x4000, 8);
	memset(img + 0x1000, 0x90, 0x2000);
	img_size = 0x3000;
}

/* The same as ELF32 i386. */
static void elf32_image(uint32_t paddr, uint32_t entry_off)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 1, 1, 1 };
	memset(img, 0, sizeof(img));
	memcpy(img, ident, sizeof(ident));
	put(16, 2, 2);
	put(18, 3, 2);
	put(20, 1, 4);
	put(24, paddr + entry_off, 4);
	put(28, 52, 4);
	put(42, 32, 2);
	put(44, 1, 2);
	put(52 + 0, 1, 4);
	put(52 + 4, 0x1000, 4);
	put(52 + 8, paddr, 4);
	put(52 + 12, paddr, 4);
	put(52 + 16, 0x2000, 4);
	put(52 + 20, 0x4000, 4);
	put(52 + 24, 5, 4);
	memset(img + 0x1000, 0x90, 0x2000);
	img_size = 0x3000;
}

static void mb1_header(size_t off, uint32_t flags)
{
	put(off, MULTIBOOT1_HEADER_MAGIC, 4);
	put(off + 4, flags, 4);
	put(off + 8, (uint32_t)-(MULTIBOOT1_HEADER_MAGIC + flags), 4);
}

/* Address fields after a Multiboot header at off. */
static void mb1_address(size_t off, uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
			uint32_t bss_end, uint32_t entry)
{
	put(off + 12, header_addr, 4);
	put(off + 16, load_addr, 4);
	put(off + 20, load_end, 4);
	put(off + 24, bss_end, 4);
	put(off + 28, entry, 4);
}

/* A Multiboot2 header at off; tags are added with mb2_tag and closed with mb2_end. */
static size_t mb2_at, mb2_len;

static void mb2_begin(size_t off)
{
	mb2_at = off;
	mb2_len = 16;
	put(off, MULTIBOOT2_HEADER_MAGIC, 4);
	put(off + 4, 0, 4);
}

static size_t mb2_tag(uint16_t type, uint16_t flags, uint32_t size)
{
	size_t t = mb2_at + mb2_len;
	put(t, type, 2);
	put(t + 2, flags, 2);
	put(t + 4, size, 4);
	mb2_len += (size + 7) & ~7u;
	return t;
}

static void mb2_end(void)
{
	mb2_tag(0, 0, 8);
	put(mb2_at + 8, mb2_len, 4);
	put(mb2_at + 12, (uint32_t)-(MULTIBOOT2_HEADER_MAGIC + 0 + (uint32_t)mb2_len), 4);
}

/* ---- running the loader ---- */

static struct loader_input in;
static struct loader_result out;
static char err[256];
static uint8_t mod_a[5000], mod_b[3];

static void input(enum kernel_type type, const char *cmdline, unsigned nmodules)
{
	memset(&in, 0, sizeof(in));
	in.type = type;
	in.kernel = (struct loader_file){ img, img_size, "k.bin", cmdline };
	for (size_t i = 0; i < sizeof(mod_a); i++)
		mod_a[i] = (uint8_t)(i * 7);
	memcpy(mod_b, "abc", 3);
	static const struct loader_file mods[] = {
		{ mod_a, sizeof(mod_a), "a.bin", "first module" },
		{ mod_b, sizeof(mod_b), "b.txt", "" },
	};
	for (unsigned i = 0; i < nmodules; i++)
		in.modules[i] = mods[i];
	in.nmodules = nmodules;
}

static int load(void)
{
	memset(ram, 0, p2m.ram_size);
	err[0] = '\0';
	in.kernel.size = img_size;
	return loader_load(&p2m, &in, &out, err, sizeof(err));
}

static void expect_refusal(const char *msg)
{
	assert_int_equal(load(), -EINVAL);
	assert_string_equal(err, msg);
}

static void expect_loaded(void)
{
	int rc = load();
	if (rc)
		fail_msg("refused: %s", err);
}

static int setup(void **state)
{
	(void)state;
	set_ram(16 * MIB);
	return 0;
}

/* ---- ELF64 ---- */

static void elf64_start_info(void **state)
{
	(void)state;
	elf64_image(0x100000, 0x10);
	input(KERNEL_AUTO, "console=uart verbose", 2);
	expect_loaded();
	assert_int_equal(out.type, KERNEL_ELF64);
	assert_string_equal(out.format, "ELF64");
	assert_int_equal(out.kernel_low, 0x100000);
	assert_int_equal(out.kernel_high, 0x104000);
	assert_int_equal(out.regs.rip, 0x100010);
	assert_int_equal(out.boot.rsp, KEEL_START_STACK_TOP);
	assert_int_equal(out.boot.mode, VCPU_BOOT_LONG64);
	assert_int_equal(out.boot.cr3, GUEST_PML4_GPA);
	assert_int_equal(out.boot.code_selector, 0x08);
	assert_int_equal(out.boot.data_selector, 0x10);
	assert_int_equal(out.boot.gdt_base, 0x1000);
	assert_int_equal(out.boot.gdt_limit, 31);
	/* the image */
	assert_int_equal(ram[0x100000], 0x90);
	assert_int_equal(ram[0x101fff], 0x90);
	assert_int_equal(ram[0x102000], 0);

	uint64_t si = out.regs.gpr[REG_RDI];
	assert_true(si >= GUEST_BOOT_INFO_GPA && si < GUEST_BOOT_INFO_END && si % 8 == 0);
	assert_int_equal(rd32(si), KEEL_START_MAGIC);
	assert_int_equal(rd32(si + 4), 1);
	assert_string_equal(str(rd64(si + 8)), "console=uart verbose");
	assert_int_equal(rd32(si + 24), 2);
	uint64_t mods = rd64(si + 16);
	/* modules: page-aligned after the kernel's end, in order, with their command lines */
	assert_int_equal(rd64(mods), 0x104000);
	assert_int_equal(rd64(mods + 8), sizeof(mod_a));
	assert_string_equal(str(rd64(mods + 16)), "first module");
	assert_int_equal(rd64(mods + 24), 0x106000);
	assert_int_equal(rd64(mods + 32), 3);
	assert_string_equal(str(rd64(mods + 40)), "");
	assert_memory_equal(ram + 0x104000, mod_a, sizeof(mod_a));
	assert_memory_equal(ram + 0x106000, "abc", 3);
	assert_int_equal(out.modules_end, 0x106003);
	/* the memory map */
	assert_int_equal(rd32(si + 28), 3);
	uint64_t map = rd64(si + 32);
	assert_int_equal(rd64(map), 0);
	assert_int_equal(rd64(map + 8), 0xa0000);
	assert_int_equal(rd32(map + 16), KEEL_MEMORY_RAM);
	assert_int_equal(rd64(map + 24), 0xa0000);
	assert_int_equal(rd64(map + 32), 0x60000);
	assert_int_equal(rd32(map + 40), KEEL_MEMORY_RESERVED);
	assert_int_equal(rd64(map + 48), MIB);
	assert_int_equal(rd64(map + 56), 15 * MIB);
	assert_int_equal(rd32(map + 64), KEEL_MEMORY_RAM);
	/* GDT and the identity map */
	assert_int_equal(rd64(0x1008), 0x00af9a000000ffffull);
	assert_int_equal(rd64(0x1010), 0x00cf92000000ffffull);
	assert_int_equal(rd64(0x1018), 0x00cf9a000000ffffull);
	assert_int_equal(rd64(GUEST_PML4_GPA), GUEST_PDPT_GPA | 3);
	assert_int_equal(rd64(GUEST_PDPT_GPA + 24), (GUEST_PD_GPA + 3 * 0x1000) | 3);
	assert_int_equal(rd64(GUEST_PD_GPA + 3 * 0x1000 + 511 * 8), 0xffe00000ull | 0x83);
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
	elf64_image(0x80000, 0);
	input(KERNEL_ELF64, "", 0);
	expect_refusal("kernel 'k.bin': segment 0 starts at 0x80000, below the lowest load address 0x100000");
	elf64_image(0xffe000, 0);
	expect_refusal("kernel 'k.bin': segment 0 ends at 0x1002000, beyond guest memory 0x1000000");
	elf32_image(0x100000, 0);
	expect_refusal("kernel 'k.bin': EI_CLASS 1 is not ELFCLASS64");
	/* the modules do not fit after the kernel */
	set_ram(0x105000);
	elf64_image(0x100000, 0);
	input(KERNEL_ELF64, "", 2);
	expect_refusal("module 'a.bin' (5000 bytes) does not fit: it would end at 0x105388, beyond the "
		       "domain's memory 0x105000");
	set_ram(0x106000);
	expect_refusal("module 'b.txt' (3 bytes) does not fit: it would end at 0x106003, beyond the "
		       "domain's memory 0x106000");
	set_ram(16 * MIB);
}

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
	assert_true(out.regs.gpr[REG_RBX] >= GUEST_BOOT_INFO_GPA && out.regs.gpr[REG_RBX] % 8 == 0);
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
	{ 0x80040, 0x80000, 0, 0, 0x80080,
	  "kernel 'k.bin': it loads at 0x80000, below 1 MiB (kernels load at 1 MiB or above; Keel keeps the "
	  "boot information below)" },
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
	set_ram(0x104000);
	elf32_image(0x100000, 0);
	mb1_header(0x1000, 0);
	input(KERNEL_MULTIBOOT1, "", 1);
	expect_refusal("module 'a.bin' (5000 bytes) does not fit: it would end at 0x105388, beyond the domain's "
		       "memory 0x104000");
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
}

static void multiboot2_elf64(void **state)
{
	(void)state;
	elf64_image(0x100000, 0x40);
	mb2_begin(0x1008);
	size_t req = mb2_tag(MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST, 0, 8 + 5 * 4);
	put(req + 8, 1, 4);
	put(req + 12, 2, 4);
	put(req + 16, 3, 4);
	put(req + 20, 4, 4);
	put(req + 24, 6, 4);
	mb2_tag(MULTIBOOT2_HEADER_TAG_MODULE_ALIGN, 0, 8);
	size_t fb = mb2_tag(MULTIBOOT2_HEADER_TAG_FRAMEBUFFER, MULTIBOOT2_HEADER_TAG_OPTIONAL, 20);
	(void)fb;
	mb2_end();
	input(KERNEL_AUTO, "mb2 args", 2);
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

/* ---- detection and real mode ---- */

static void detection(void **state)
{
	(void)state;
	memset(img, 0x55, 0x400);
	img_size = 0x400;
	input(KERNEL_AUTO, "", 0);
	expect_refusal("kernel 'k.bin': not an ELF64 or Multiboot kernel (no ELF header, no Multiboot header in "
		       "its first 8 KiB, no Multiboot2 header in its first 32 KiB); a real-mode binary needs "
		       "type = \"real16\"");
	img_size = 0;
	expect_refusal("kernel 'k.bin': not an ELF64 or Multiboot kernel (no ELF header, no Multiboot header in "
		       "its first 8 KiB, no Multiboot2 header in its first 32 KiB); a real-mode binary needs "
		       "type = \"real16\"");
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

static void memory_maps(void **state)
{
	(void)state;
	struct keel_memory_range m[GUEST_MEMORY_RANGES];
	assert_int_equal(guest_memory_map(MIB, m), 2);
	assert_int_equal(m[0].length, 0xa0000);
	assert_int_equal(m[1].base, 0xa0000);
	assert_int_equal(m[1].length, 0x60000);
	assert_int_equal(guest_memory_map(0x80000, m), 1);
	assert_int_equal(m[0].length, 0x80000);
	assert_int_equal(guest_memory_map(4096 * MIB, m), 3);
	assert_int_equal(m[2].length, 4095 * MIB);
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	ram = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(elf64_start_info, setup),
		cmocka_unit_test_setup(elf64_without_modules_or_cmdline, setup),
		cmocka_unit_test_setup(elf64_bss_segment_offset_beyond_the_file, setup),
		cmocka_unit_test_setup(elf64_refusals, setup),
		cmocka_unit_test_setup(multiboot1_elf32, setup),
		cmocka_unit_test_setup(multiboot1_elf64, setup),
		cmocka_unit_test_setup(multiboot1_address_fields, setup),
		cmocka_unit_test_setup(multiboot1_refusals, setup),
		cmocka_unit_test_setup(multiboot2_elf64, setup),
		cmocka_unit_test_setup(multiboot2_address_tag, setup),
		cmocka_unit_test_setup(multiboot2_header_tags, setup),
		cmocka_unit_test_setup(multiboot2_relocatable, setup),
		cmocka_unit_test_setup(multiboot2_header_refusals, setup),
		cmocka_unit_test_setup(detection, setup),
		cmocka_unit_test_setup(real16, setup),
		cmocka_unit_test_setup(memory_maps, setup),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
