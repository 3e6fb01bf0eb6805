/* Checks an ELF64 x86-64 executable guest image and lists what to copy where.
 * Touches nothing but the image; copying into guest memory is the caller's job. */
#ifndef KEEL_VMM_ELF_LOADER_H
#define KEEL_VMM_ELF_LOADER_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8
#define ELF_ERROR_MAX 128 /* room for any error message elf_parse writes */

struct elf_segment {
	uint64_t gpa;         /* p_paddr: where it goes in guest-physical memory */
	uint64_t file_offset; /* bytes [file_offset, file_offset + file_size) of the image */
	uint64_t file_size;
	uint64_t mem_size;    /* >= file_size; the rest is zero-filled */
};

struct elf_image {
	uint64_t entry;
	unsigned nsegments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* Validates the header (magic, ELFCLASS64, little endian, EM_X86_64, ET_EXEC, version,
 * phentsize, program headers inside the file), every PT_LOAD segment (file range inside
 * the image, mem_size >= file_size, no wrap-around, [gpa, gpa + mem_size) inside
 * [min_gpa, max_gpa), no two segments overlapping, at most ELF_MAX_SEGMENTS, at least one)
 * and the entry point (inside an executable PT_LOAD segment).
 * Returns 0, or -EINVAL with a one-line reason naming the field in err. */
int elf_parse(const void *image, size_t size, uint64_t min_gpa, uint64_t max_gpa,
	      struct elf_image *out, char *err, size_t errlen);

#endif
