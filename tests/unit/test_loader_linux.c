/* Linux's x86 boot protocol (vmm/load_linux.c) on crafted bzImages: where the kernel and
 * its initrd land, the boot_params it finds (the setup header, the command line, the
 * initrd, the e820 map, the RSDP), the machine state of its 64-bit entry, and the exact
 * refusal of each malformed image. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "include/keel/start_info.h"
#include "include/linux_boot.h"
#include "vmm/guest_boot.h"
#include "vmm/loader.h"
#include "tests/unit/loader_fixture.h"

#define PM_OFFSET 0x400 /* setup_sects 1: the boot sector and one sector of setup */
#define PAYLOAD 0x3000  /* bytes of protected-mode kernel */

/* A bzImage of protocol version, with xloadflags, init_size and pref_address. */
static void bzimage(unsigned version, unsigned xloadflags, uint32_t init_size, uint64_t pref)
{
	memset(img, 0, sizeof(img));
	img[LINUX_SETUP_SECTS] = 1;
	img[LINUX_HEADER_END_BYTE] = 0x6a; /* the header ends at 0x26c, as Debian's */
	put(LINUX_HEADER_MAGIC, LINUX_HEADER_MAGIC_VALUE, 4);
	put(LINUX_VERSION, version, 2);
	put(LINUX_LOADFLAGS, LINUX_LOADED_HIGH, 1);
	put(LINUX_INITRD_ADDR_MAX, 0x7fffffff, 4);
	put(LINUX_KERNEL_ALIGNMENT, 0x200000, 4);
	put(LINUX_RELOCATABLE, 1, 1);
	put(LINUX_XLOADFLAGS, xloadflags, 2);
	put(LINUX_CMDLINE_SIZE, 0x7ff, 4);
	put(LINUX_PREF_ADDRESS, pref, 8);
	put(LINUX_INIT_SIZE, init_size, 4);
	memset(img + PM_OFFSET, 0xcc, PAYLOAD);
	img_size = PM_OFFSET + PAYLOAD;
}

static void boots_at_its_64_bit_entry_with_boot_params(void **state)
{
	(void)state;
	bzimage(0x020f, 0x7f, 0x100000, 0x400000);
	input(KERNEL_AUTO, "console=ttyS0 quiet", 1);
	in.rsdp_gpa = 0xe0000;
	expect_loaded();
	assert_int_equal(out.type, KERNEL_LINUX);
	assert_string_equal(out.format, "bzImage");
	assert_int_equal(out.kernel_low, 0x400000); /* pref_address: it fits */
	assert_int_equal(out.kernel_high, 0x500000); /* init_size reserved */
	assert_int_equal(ram[0x400000], 0xcc);
	assert_int_equal(ram[0x400000 + PAYLOAD - 1], 0xcc);
	assert_int_equal(ram[0x400000 + PAYLOAD], 0);
	assert_int_equal(out.regs.rip, 0x400200);
	assert_int_equal(out.boot.mode, VCPU_BOOT_LONG64);
	assert_int_equal(out.boot.code_selector, LINUX_BOOT_CS);
	assert_int_equal(out.boot.data_selector, LINUX_BOOT_DS);
	assert_int_equal(out.boot.cr3, 0x2000);
	assert_int_equal(rd64(out.boot.gdt_base + LINUX_BOOT_CS), 0x00af9a000000ffffull);
	assert_int_equal(rd64(out.boot.gdt_base + LINUX_BOOT_DS), 0x00cf92000000ffffull);
	assert_int_equal(out.boot.gdt_limit, 31);

	uint64_t bp = out.regs.gpr[REG_RSI];
	assert_true(bp % 4096 == 0 && bp >= 0x8000 && bp < 0x80000);
	assert_int_equal(rd32(bp + LINUX_HEADER_MAGIC), LINUX_HEADER_MAGIC_VALUE); /* the header, copied */
	assert_int_equal(rd64(bp + LINUX_INIT_SIZE), 0x100000);
	assert_int_equal(ram[bp + LINUX_TYPE_OF_LOADER], 0xff);
	assert_int_equal(rd32(bp + 0x26c), 0); /* past the header: zero */
	assert_string_equal(str(rd32(bp + LINUX_CMD_LINE_PTR)), "console=ttyS0 quiet");
	assert_int_equal(rd32(bp + LINUX_EXT_CMD_LINE_PTR), 0);
	/* the initrd: page-aligned after init_size */
	assert_int_equal(rd32(bp + LINUX_RAMDISK_IMAGE), 0x500000);
	assert_int_equal(rd32(bp + LINUX_RAMDISK_SIZE), sizeof(mod_a));
	assert_memory_equal(ram + 0x500000, mod_a, sizeof(mod_a));
	assert_int_equal(rd64(bp + LINUX_ACPI_RSDP_ADDR), 0xe0000);
	/* the e820 map */
	assert_int_equal(ram[bp + LINUX_E820_ENTRIES], 3);
	expect_default_memory_map(bp + LINUX_E820_TABLE, LINUX_E820_ENTRY_SIZE);
}

/* Debian's pref_address, 16 MiB, does not fit a domain of 16 MiB: a relocatable kernel goes
 * to the first 2 MiB boundary from 1 MiB; one that is not is refused. */
static void relocates_where_pref_address_does_not_fit(void **state)
{
	(void)state;
	bzimage(0x020f, 0x7f, 0x400000, 0x1000000);
	input(KERNEL_LINUX, "", 0);
	expect_loaded();
	assert_int_equal(out.kernel_low, 0x200000);
	assert_int_equal(out.regs.rip, 0x200200);
	uint64_t bp = out.regs.gpr[REG_RSI];
	assert_int_equal(rd32(bp + LINUX_RAMDISK_IMAGE), 0);
	assert_string_equal(str(rd32(bp + LINUX_CMD_LINE_PTR)), "");

	put(LINUX_RELOCATABLE, 0, 1);
	expect_refusal("kernel 'k.bin': it needs 0x400000 bytes (init_size) from 0x1000000, beyond the domain's "
		       "memory (0x1000000)");
}

static void refusals(void **state)
{
	(void)state;
	bzimage(0x020b, 0x7f, 0x100000, 0x400000);
	input(KERNEL_LINUX, "", 0);
	expect_refusal("kernel 'k.bin': boot protocol 2.11, older than 2.12");
	bzimage(0x020f, 0x7e, 0x100000, 0x400000);
	expect_refusal("kernel 'k.bin': no 64-bit entry (xloadflags bit 0 clear)");
	bzimage(0x020f, 0x7f, 0x100000, 0x400000);
	put(LINUX_LOADFLAGS, 0, 1);
	expect_refusal("kernel 'k.bin': not a bzImage loaded at 1 MiB or above (loadflags bit 0 clear)");
	bzimage(0x020f, 0x7f, 0x100000, 0x400000);
	put(LINUX_HEADER_MAGIC, 0x53726447, 4);
	expect_refusal("kernel 'k.bin': not a bzImage (no \"HdrS\" at 0x202)");
	bzimage(0x020f, 0x7f, 0x100000, 0x400000);
	img[LINUX_HEADER_END_BYTE] = 0xff; /* the header would end at 0x301 */
	img_size = 0x280;
	expect_refusal("kernel 'k.bin': its setup header (to 0x301) runs past the end of the file");
	bzimage(0x020f, 0x7f, 0x100000, 0x400000);
	img[LINUX_SETUP_SECTS] = 40; /* its setup would take the whole file */
	expect_refusal("kernel 'k.bin': setup_sects 40 leaves no protected-mode kernel in its 13312 bytes");
	bzimage(0x020f, 0x7f, 0x100000, 0x400000);
	input(KERNEL_LINUX, "", 2);
	expect_refusal("kernel 'k.bin': the Linux boot protocol takes one initrd (ramdisk), not 2 modules");
	put(LINUX_CMDLINE_SIZE, 3, 4);
	input(KERNEL_LINUX, "long", 0);
	expect_refusal("kernel 'k.bin': its command line of 4 bytes is longer than its cmdline_size 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(boots_at_its_64_bit_entry_with_boot_params, setup, teardown),
		cmocka_unit_test_setup_teardown(relocates_where_pref_address_does_not_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
