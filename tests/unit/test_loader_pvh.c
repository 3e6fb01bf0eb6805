/* The PVH boot protocol (vmm/load_pvh.c) on crafted images: detection by the entry note,
 * the start info a kernel finds (its command line, modules, memory map and RSDP), the
 * machine state it starts in, and the exact refusal of each malformed image. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "include/keel/start_info.h"
#include "include/pvh.h"
#include "vmm/guest_boot.h"
#include "vmm/loader.h"
#include "tests/unit/loader_fixture.h"

#define NOTE_AT 0x3000 /* where pvh_note puts the note in the file */

static void pvh_start_info(void **state)
{
	(void)state;
	elf64_image(0x100000, 0x10);
	pvh_note(NOTE_AT, 4, 0x100020, 4);
	input(KERNEL_AUTO, "console=ttyS0 quiet", 2);
	in.rsdp_gpa = 0xe0000;
	expect_loaded();
	assert_int_equal(out.type, KERNEL_PVH);
	assert_string_equal(out.format, "ELF64");
	assert_int_equal(out.regs.rip, 0x100020); /* the note's entry, not e_entry */
	assert_int_equal(out.boot.mode, VCPU_BOOT_PROT32);
	assert_int_equal(out.boot.code_selector, 0x18);
	assert_int_equal(out.boot.data_selector, 0x10);
	assert_int_equal(out.boot.gdt_base, 0x1000);
	assert_int_equal(ram[0x100000], 0x90);

	uint64_t si = out.regs.gpr[REG_RBX];
	assert_true(si >= 0x8000 && si < 0x80000 && si % 8 == 0);
	assert_int_equal(rd32(si), PVH_START_MAGIC);
	assert_int_equal(rd32(si + 4), 1);             /* version */
	assert_int_equal(rd32(si + 8), 0);             /* flags */
	assert_string_equal(str(rd64(si + 24)), "console=ttyS0 quiet");
	assert_int_equal(rd64(si + 32), 0xe0000);      /* rsdp_paddr */
	/* modules: the first the initrd, page-aligned after the kernel, with command lines */
	assert_int_equal(rd32(si + 12), 2);
	expect_two_modules(rd64(si + 16), sizeof(struct pvh_module));
	assert_int_equal(rd64(rd64(si + 16) + 24), 0); /* reserved */
	/* the memory map, E820 types */
	assert_int_equal(rd32(si + 48), 3);
	expect_default_memory_map(rd64(si + 40), sizeof(struct pvh_memmap_entry));
}

/* Linux on x86-64 writes the entry as an 8-byte value; an ELF32 kernel may carry the note
 * too. Without a command line or modules, their fields are an empty string and 0. */
static void pvh_eight_byte_note_and_elf32(void **state)
{
	(void)state;
	elf64_image(0xc00000, 0);
	pvh_note(NOTE_AT, 8, 0xc00850, 4);
	input(KERNEL_PVH, "", 0);
	expect_loaded();
	assert_int_equal(out.regs.rip, 0xc00850);
	uint64_t si = out.regs.gpr[REG_RBX];
	assert_string_equal(str(rd64(si + 24)), "");
	assert_int_equal(rd32(si + 12), 0);
	assert_int_equal(rd64(si + 16), 0);
	assert_int_equal(rd64(si + 32), 0); /* no RSDP given */

	elf32_image(0x200000, 0);
	pvh_note(NOTE_AT, 4, 0x200100, 4);
	input(KERNEL_AUTO, "x", 0);
	expect_loaded();
	assert_int_equal(out.type, KERNEL_PVH);
	assert_string_equal(out.format, "ELF32");
	assert_int_equal(out.regs.rip, 0x200100);
}

/* Notes are found among others, each padded to the segment's alignment; one that runs
 * past its segment ends the search there. */
static void pvh_note_search(void **state)
{
	(void)state;
	elf64_image(0x100000, 0);
	/* a GNU note first (namesz 4, descsz 16, type 1), then the PVH one */
	static const uint8_t gnu[] = { 4, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 'G', 'N', 'U', 0 };
	memcpy(img + NOTE_AT, gnu, sizeof(gnu));
	memset(img + NOTE_AT + sizeof(gnu), 0xab, 16);
	pvh_note(NOTE_AT + 32, 4, 0x100040, 4);
	put(64 + 56 + 8, NOTE_AT, 8);    /* the PT_NOTE covers both */
	put(64 + 56 + 32, 32 + 20, 8);
	input(KERNEL_AUTO, "", 0);
	expect_loaded();
	assert_int_equal(out.type, KERNEL_PVH);
	assert_int_equal(out.regs.rip, 0x100040);

	/* the same note with descsz 0x100: beyond the segment, so not found: plain ELF64 */
	put(NOTE_AT + 32 + 4, 0x100, 4);
	input(KERNEL_AUTO, "", 0);
	expect_loaded();
	assert_int_equal(out.type, KERNEL_ELF64);
	/* a note segment beyond the file is skipped */
	pvh_note(NOTE_AT, 4, 0x100040, 4);
	put(64 + 56 + 8, 0x7fff0000, 8);
	input(KERNEL_AUTO, "", 0);
	expect_loaded();
	assert_int_equal(out.type, KERNEL_ELF64);
}

static void pvh_refusals(void **state)
{
	(void)state;
	elf64_image(0x100000, 0);
	input(KERNEL_PVH, "", 0);
	expect_refusal("kernel 'k.bin': no PVH entry (an ELF note \"Xen\" of type 18, XEN_ELFNOTE_PHYS32_ENTRY)");

	pvh_note(NOTE_AT, 2, 0x100000, 4);
	input(KERNEL_PVH, "", 0);
	expect_refusal("kernel 'k.bin': its PVH entry note holds 2 bytes, not a 4- or 8-byte address");

	pvh_note(NOTE_AT, 4, 0x104000, 4); /* just past the segment's bss */
	input(KERNEL_PVH, "", 0);
	expect_refusal("kernel 'k.bin': its PVH entry 0x104000 is not inside one of its segments");

	elf64_image(0x2000000, 0); /* beyond the domain's 16 MiB */
	pvh_note(NOTE_AT, 4, 0x2000000, 4);
	input(KERNEL_PVH, "", 0);
	expect_refusal("kernel 'k.bin': segment 0 ends at 0x2004000, beyond guest memory 0x1000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pvh_start_info, setup, teardown),
		cmocka_unit_test_setup_teardown(pvh_eight_byte_note_and_elf32, setup, teardown),
		cmocka_unit_test_setup_teardown(pvh_note_search, setup, teardown),
		cmocka_unit_test_setup_teardown(pvh_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
