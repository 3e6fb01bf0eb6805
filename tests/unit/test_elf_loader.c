#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/errno.h"
#include "vmm/elf_loader.h"

/* Field offsets from the ELF-64 specification (Elf64_Ehdr, Elf64_Phdr). */
enum {
	E_TYPE = 16, E_MACHINE = 18, E_VERSION = 20, E_ENTRY = 24, E_PHOFF = 32,
	E_PHENTSIZE = 54, E_PHNUM = 56, EHDR_SIZE = 64,
	P_TYPE = 0, P_FLAGS = 4, P_OFFSET = 8, P_VADDR = 16, P_PADDR = 24, P_FILESZ = 32,
	P_MEMSZ = 40, P_ALIGN = 48, PHDR_SIZE = 56,
};
enum { PT_LOAD = 1, PT_NOTE = 4, PT_GNU_STACK = 0x6474e551, PF_X = 1, PF_W = 2, PF_R = 4 };

#define MAX_GPA 0x400000ull
#define IMAGE_SIZE 0x2000

static uint8_t img[IMAGE_SIZE];
static struct elf_image out;
static char err[160];
static unsigned accept = ELF_ACCEPT_64;

static void put(size_t off, uint64_t v, size_t n)
{
	memcpy(img + off, &v, n); /* little endian host, as the format */
}

static size_t ph(unsigned i)
{
	return EHDR_SIZE + (size_t)i * PHDR_SIZE;
}

static void set_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t offset, uint64_t paddr,
		     uint64_t filesz, uint64_t memsz)
{
	put(ph(i) + P_TYPE, type, 4);
	put(ph(i) + P_FLAGS, flags, 4);
	put(ph(i) + P_OFFSET, offset, 8);
	put(ph(i) + P_VADDR, paddr, 8);
	put(ph(i) + P_PADDR, paddr, 8);
	put(ph(i) + P_FILESZ, filesz, 8);
	put(ph(i) + P_MEMSZ, memsz, 8);
	put(ph(i) + P_ALIGN, 0x1000, 8);
}

/* A valid image: code at 0x100000 (from file 0x1000), data + bss at 0x101000. */
static void build(unsigned phnum)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	memset(img, 0xcc, sizeof(img));
	memset(img, 0, ph(phnum));
	memcpy(img, ident, sizeof(ident));
	put(E_TYPE, 2, 2);
	put(E_MACHINE, 62, 2);
	put(E_VERSION, 1, 4);
	put(E_ENTRY, 0x100010, 8);
	put(E_PHOFF, EHDR_SIZE, 8);
	put(52, EHDR_SIZE, 2); /* e_ehsize */
	put(E_PHENTSIZE, PHDR_SIZE, 2);
	put(E_PHNUM, phnum, 2);
	set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x100000, 0x800, 0x1000);
	if (phnum > 1)
		set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1800, 0x101000, 0x800, 0x3000);
}

/* Parses the first size bytes of img from a heap copy of exactly that size at an odd
 * address, so that AddressSanitizer sees over-reads and UBSan sees misaligned loads. */
static int parse_size(size_t size)
{
	uint8_t *copy = malloc(size + 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy + 1, img, size);
	memset(err, 0, sizeof(err));
	rc = elf_parse(copy + 1, size, accept, MAX_GPA, &out, err, sizeof(err));
	free(copy);
	return rc;
}

static int parse(void)
{
	return parse_size(IMAGE_SIZE);
}

static void expect_error(const char *msg)
{
	assert_int_equal(parse(), -EINVAL);
	assert_string_equal(err, msg);
}

static void check_segment(unsigned i, uint64_t gpa, uint64_t off, uint64_t filesz, uint64_t memsz)
{
	assert_int_equal(out.seg[i].gpa, gpa);
	assert_int_equal(out.seg[i].file_offset, off);
	assert_int_equal(out.seg[i].file_size, filesz);
	assert_int_equal(out.seg[i].mem_size, memsz);
}

static void valid_image(void **state)
{
	(void)state;
	build(2);
	assert_int_equal(parse(), 0);
	assert_string_equal(err, "");
	assert_int_equal(out.entry, 0x100010);
	assert_int_equal(out.nsegments, 2);
	assert_int_equal(out.elf_class, 64);
	assert_int_equal(out.low, 0x100000);
	assert_int_equal(out.high, 0x104000);
	check_segment(0, 0x100000, 0x1000, 0x800, 0x1000);
	check_segment(1, 0x101000, 0x1800, 0x800, 0x3000);
	assert_int_equal(out.seg[1].vaddr, 0x101000);
}

static void other_headers_ignored(void **state)
{
	(void)state;
	build(5);
	set_phdr(2, PT_NOTE, PF_R, UINT64_MAX, UINT64_MAX, UINT64_MAX, 1);
	set_phdr(3, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	/* A PT_LOAD with p_memsz 0 loads nothing: skipped, whatever else it says. */
	set_phdr(4, PT_LOAD, PF_R | PF_X, UINT64_MAX, 0x100000, 0, 0);
	assert_int_equal(parse(), 0);
	assert_int_equal(out.nsegments, 2);
	check_segment(1, 0x101000, 0x1800, 0x800, 0x3000);

	build(1);
	set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x100000, 0, 0);
	expect_error("no PT_LOAD segment with a non-zero p_memsz");
	build(0);
	expect_error("no PT_LOAD segment with a non-zero p_memsz");
}

static void bss_only_segment(void **state)
{
	(void)state;
	build(2);
	/* No file bytes: p_offset is not used, even if it is outside the file. */
	set_phdr(1, PT_LOAD, PF_R | PF_W, UINT64_MAX, 0x200000, 0, 0x1000);
	assert_int_equal(parse(), 0);
	check_segment(1, 0x200000, UINT64_MAX, 0, 0x1000);
}

static void truncated_headers(void **state)
{
	(void)state;
	build(2);
	assert_int_equal(parse_size(0), -EINVAL);
	assert_string_equal(err, "file of 0 bytes is too small for an ELF header");
	assert_int_equal(parse_size(15), -EINVAL);
	assert_string_equal(err, "file of 15 bytes is too small for an ELF header");
	assert_int_equal(parse_size(63), -EINVAL);
	assert_string_equal(err, "file of 63 bytes is too small for an ELF header");
	assert_int_equal(parse_size(64), -EINVAL);
	assert_string_equal(err, "program headers (e_phoff 0x40, e_phnum 2) extend beyond the file "
			    "size 0x40");
	assert_int_equal(parse_size(64 + 2 * 56 - 1), -EINVAL);
	assert_string_equal(err, "program headers (e_phoff 0x40, e_phnum 2) extend beyond the file "
			    "size 0xaf");
	/* Headers complete, segment data cut off. */
	assert_int_equal(parse_size(0x1800), -EINVAL);
	assert_string_equal(err, "segment 1 p_offset 0x1800 + p_filesz 0x800 is beyond the file "
			    "size 0x1800");
	assert_int_equal(parse_size(0x1fff), -EINVAL);
	assert_int_equal(parse_size(0x2000), 0);
	assert_int_equal(elf_parse(NULL, 0, ELF_ACCEPT_64, MAX_GPA, &out, err, sizeof(err)), -EINVAL);
}

static void bad_header_fields(void **state)
{
	(void)state;
	build(2);
	img[3] = 'f';
	expect_error("not an ELF file (bad magic)");
	build(2);
	img[4] = 1;
	expect_error("EI_CLASS 1 is not ELFCLASS64");
	build(2);
	img[5] = 2;
	expect_error("EI_DATA 2 is not little endian");
	build(2);
	img[6] = 0;
	expect_error("ELF version 0/1 is not EV_CURRENT");
	build(2);
	put(E_VERSION, 2, 4);
	expect_error("ELF version 1/2 is not EV_CURRENT");
	build(2);
	put(E_MACHINE, 3, 2);
	expect_error("e_machine 3 is not x86-64");
	build(2);
	put(E_TYPE, 3, 2);
	expect_error("e_type 3 is not ET_EXEC");
	build(2);
	put(E_PHENTSIZE, 32, 2);
	expect_error("e_phentsize 32 is not 56");
}

static void program_header_table_bounds(void **state)
{
	(void)state;
	build(2);
	put(E_PHNUM, 0xffff, 2);
	expect_error("program headers (e_phoff 0x40, e_phnum 65535) extend beyond the file size 0x2000");
	build(2);
	put(E_PHOFF, UINT64_MAX, 8);
	expect_error("program headers (e_phoff 0xffffffffffffffff, e_phnum 2) extend beyond the "
		     "file size 0x2000");
	build(2);
	put(E_PHOFF, IMAGE_SIZE - 2 * PHDR_SIZE + 1, 8);
	expect_error("program headers (e_phoff 0x1f91, e_phnum 2) extend beyond the file size 0x2000");
	/* The table may end exactly at the end of the file. */
	build(2);
	put(E_PHOFF, IMAGE_SIZE - 2 * PHDR_SIZE, 8);
	set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1800, 0x101000, 0x700, 0x700);
	memcpy(img + IMAGE_SIZE - 2 * PHDR_SIZE, img + EHDR_SIZE, 2 * PHDR_SIZE);
	assert_int_equal(parse(), 0);
	check_segment(1, 0x101000, 0x1800, 0x700, 0x700);
}

static void segment_file_ranges(void **state)
{
	(void)state;
	build(2);
	set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0x100000, 0x2000, 0x1000);
	expect_error("segment 0 p_filesz 0x2000 is larger than p_memsz 0x1000");
	build(2);
	set_phdr(1, PT_LOAD, PF_R, 0x1801, 0x101000, 0x800, 0x800);
	expect_error("segment 1 p_offset 0x1801 + p_filesz 0x800 is beyond the file size 0x2000");
	build(2);
	set_phdr(1, PT_LOAD, PF_R, 0xfffffffffffff800ull, 0x101000, 0x1000, 0x1000);
	expect_error("segment 1 p_offset 0xfffffffffffff800 + p_filesz 0x1000 is beyond the file "
		     "size 0x2000");
	build(2);
	set_phdr(1, PT_LOAD, PF_R, 0x1000, 0x101000, UINT64_MAX, UINT64_MAX);
	expect_error("segment 1 p_offset 0x1000 + p_filesz 0xffffffffffffffff is beyond the file "
		     "size 0x2000");
}

static void segment_guest_ranges(void **state)
{
	(void)state;
	build(2);
	set_phdr(1, PT_LOAD, PF_R, 0x1800, 0xfffffffffffff000ull, 0x800, 0x2000);
	expect_error("segment 1 p_paddr 0xfffffffffffff000 + p_memsz 0x2000 wraps around");
	build(2);
	set_phdr(1, PT_LOAD, PF_R, 0x1800, 0x4ff000, 0x800, 0x1000);
	expect_error("segment 1 ends at 0x500000, beyond guest memory 0x400000");
	/* Exactly filling [0, MAX_GPA) is fine: where a kernel may go in the guest's RAM is
	 * the loader's to say (vmm/guest_boot.c). */
	build(2);
	set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, 0, 0x800, 0x2000);
	set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1800, 0x2000, 0x800, MAX_GPA - 0x2000);
	put(E_ENTRY, 0x10, 8);
	assert_int_equal(parse(), 0);
	check_segment(0, 0, 0x1000, 0x800, 0x2000);
	check_segment(1, 0x2000, 0x1800, 0x800, MAX_GPA - 0x2000);
}

static void overlapping_segments(void **state)
{
	(void)state;
	build(2);
	set_phdr(1, PT_LOAD, PF_R | PF_W, 0x1800, 0x100fff, 0x800, 0x1000);
	expect_error("segments 0 and 1 overlap in guest memory");
	build(3);
	set_phdr(2, PT_LOAD, PF_R, 0x1800, 0xff000, 0x800, 0x5000);
	expect_error("segments 0 and 2 overlap in guest memory");
	build(3);
	set_phdr(2, PT_NOTE, PF_R, 0x1800, 0x100000, 0x800, 0x1000);
	assert_int_equal(parse(), 0);
	/* Touching is not overlapping. */
	build(3);
	set_phdr(2, PT_LOAD, PF_R, 0x1800, 0x104000, 0x800, 0x1000);
	assert_int_equal(parse(), 0);
	assert_int_equal(out.nsegments, 3);
}

static void segment_count_limit(void **state)
{
	(void)state;
	build(ELF_MAX_SEGMENTS + 1);
	for (unsigned i = 0; i < ELF_MAX_SEGMENTS + 1; i++)
		set_phdr(i, PT_LOAD, PF_R | PF_X, 0x1000, 0x100000 + i * 0x1000, 0x100, 0x1000);
	expect_error("more than 16 PT_LOAD segments");
	put(E_PHNUM, ELF_MAX_SEGMENTS, 2);
	assert_int_equal(parse(), 0);
	assert_int_equal(out.nsegments, ELF_MAX_SEGMENTS);
	check_segment(15, 0x10f000, 0x1000, 0x100, 0x1000);
}

static void entry_point(void **state)
{
	(void)state;
	build(2);
	put(E_ENTRY, 0x1234, 8);
	expect_error("entry 0x1234 is not inside an executable segment");
	put(E_ENTRY, 0x101000, 8); /* in the data segment */
	expect_error("entry 0x101000 is not inside an executable segment");
	put(E_ENTRY, 0x100fff, 8);
	assert_int_equal(parse(), 0);
	assert_int_equal(out.entry, 0x100fff);
	put(E_ENTRY, 0x100000, 8);
	assert_int_equal(parse(), 0);
	put(ph(0) + P_FLAGS, PF_R, 4);
	expect_error("entry 0x100000 is not inside an executable segment");
}

/* A kernel linked to run at a high virtual address: the entry is found through p_vaddr and
 * translated to where the segment is loaded. */
static void entry_through_virtual_address(void **state)
{
	(void)state;
	build(2);
	put(ph(0) + P_VADDR, 0xffffffff80100000ull, 8);
	put(E_ENTRY, 0xffffffff80100020ull, 8);
	assert_int_equal(parse(), 0);
	assert_int_equal(out.entry, 0x100020);
	assert_int_equal(out.seg[0].vaddr, 0xffffffff80100000ull);
	/* A physical entry still works when no virtual range holds it. */
	put(E_ENTRY, 0x100030, 8);
	assert_int_equal(parse(), 0);
	assert_int_equal(out.entry, 0x100030);
	/* The virtual range of a data segment does not count. */
	put(ph(1) + P_VADDR, 0xffffffff80200000ull, 8);
	put(E_ENTRY, 0xffffffff80200000ull, 8);
	expect_error("entry 0xffffffff80200000 is not inside an executable segment");
}

/* ELF32 field offsets (Elf32_Ehdr, Elf32_Phdr). */
enum { E32_ENTRY = 24, E32_PHOFF = 28, E32_PHENTSIZE = 42, E32_PHNUM = 44, EHDR32_SIZE = 52,
       P32_OFFSET = 4, P32_VADDR = 8, P32_PADDR = 12, P32_FILESZ = 16, P32_MEMSZ = 20, P32_FLAGS = 24,
       PHDR32_SIZE = 32 };

static void build32(void)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 1, 1, 1 };

	memset(img, 0xcc, sizeof(img));
	memset(img, 0, EHDR32_SIZE + 2 * PHDR32_SIZE);
	memcpy(img, ident, sizeof(ident));
	put(E_TYPE, 2, 2);
	put(E_MACHINE, 3, 2);
	put(E_VERSION, 1, 4);
	put(E32_ENTRY, 0x100010, 4);
	put(E32_PHOFF, EHDR32_SIZE, 4);
	put(E32_PHENTSIZE, PHDR32_SIZE, 2);
	put(E32_PHNUM, 2, 2);
	for (unsigned i = 0; i < 2; i++) {
		size_t p = EHDR32_SIZE + i * PHDR32_SIZE;
		put(p, PT_LOAD, 4);
		put(p + P32_OFFSET, 0x1000 + i * 0x800, 4);
		put(p + P32_VADDR, 0x100000 + i * 0x1000, 4);
		put(p + P32_PADDR, 0x100000 + i * 0x1000, 4);
		put(p + P32_FILESZ, 0x800, 4);
		put(p + P32_MEMSZ, i ? 0x3000 : 0x1000, 4);
		put(p + P32_FLAGS, i ? PF_R | PF_W : PF_R | PF_X, 4);
	}
}

static void elf32_images(void **state)
{
	(void)state;
	build32();
	accept = ELF_ACCEPT_64;
	expect_error("EI_CLASS 1 is not ELFCLASS64");
	accept = ELF_ACCEPT_32;
	assert_int_equal(parse(), 0);
	assert_int_equal(out.elf_class, 32);
	assert_int_equal(out.entry, 0x100010);
	assert_int_equal(out.nsegments, 2);
	check_segment(0, 0x100000, 0x1000, 0x800, 0x1000);
	check_segment(1, 0x101000, 0x1800, 0x800, 0x3000);
	accept = ELF_ACCEPT_32 | ELF_ACCEPT_64;
	assert_int_equal(parse(), 0);
	build(2); /* an ELF64 image with both accepted */
	assert_int_equal(parse(), 0);
	assert_int_equal(out.elf_class, 64);
	accept = ELF_ACCEPT_32;
	expect_error("EI_CLASS 2 is not ELFCLASS32");

	build32();
	put(E_MACHINE, 62, 2);
	expect_error("e_machine 62 is not i386");
	build32();
	put(E32_PHENTSIZE, 56, 2);
	expect_error("e_phentsize 56 is not 32");
	build32();
	put(EHDR32_SIZE + P32_FLAGS, PF_R, 4); /* the code segment is not executable */
	expect_error("entry 0x100010 is not inside an executable segment");
	build32();
	put(EHDR32_SIZE + PHDR32_SIZE + P32_PADDR, 0x100800, 4);
	expect_error("segments 0 and 1 overlap in guest memory");
	build32();
	put(E32_PHNUM, 300, 2);
	expect_error("program headers (e_phoff 0x34, e_phnum 300) extend beyond the file size 0x2000");
	assert_int_equal(parse_size(51), -EINVAL);
	assert_string_equal(err, "file of 51 bytes is too small for an ELF header");
	img[4] = 3;
	accept = ELF_ACCEPT_32 | ELF_ACCEPT_64;
	expect_error("EI_CLASS 3 is neither ELFCLASS32 nor ELFCLASS64");
	accept = ELF_ACCEPT_64;
}

static void magic_check(void **state)
{
	(void)state;
	build(1);
	assert_true(elf_has_magic(img, 4));
	assert_false(elf_has_magic(img, 3));
	assert_false(elf_has_magic(NULL, 64));
	img[0] = 0;
	assert_false(elf_has_magic(img, 64));
}

static void error_buffer_handling(void **state)
{
	(void)state;
	char small[8];

	build(2);
	put(E_MACHINE, 3, 2);
	assert_int_equal(elf_parse(img, IMAGE_SIZE, ELF_ACCEPT_64, MAX_GPA, &out, small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "e_machi");
	assert_int_equal(elf_parse(img, IMAGE_SIZE, ELF_ACCEPT_64, MAX_GPA, &out, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_image),
		cmocka_unit_test(other_headers_ignored),
		cmocka_unit_test(bss_only_segment),
		cmocka_unit_test(truncated_headers),
		cmocka_unit_test(bad_header_fields),
		cmocka_unit_test(program_header_table_bounds),
		cmocka_unit_test(segment_file_ranges),
		cmocka_unit_test(segment_guest_ranges),
		cmocka_unit_test(overlapping_segments),
		cmocka_unit_test(segment_count_limit),
		cmocka_unit_test(entry_point),
		cmocka_unit_test(entry_through_virtual_address),
		cmocka_unit_test(elf32_images),
		cmocka_unit_test(magic_check),
		cmocka_unit_test(error_buffer_handling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
