/* Checks an ELF executable image (ELF64 x86-64 or, for Multiboot kernels, ELF32 i386) and
 * lists what to copy where. Touches nothing but the image; copying is the caller's job.
 * Used for guest kernels and, by the UEFI loader, for Keel's own core. */
#ifndef KEEL_VMM_ELF_LOADER_H
#define KEEL_VMM_ELF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_ERROR_MAX 128 /* room for any error message elf_parse writes */

/* Which classes elf_parse accepts. */
#define ELF_ACCEPT_64 1u /* ELFCLASS64, EM_X86_64 */
#define ELF_ACCEPT_32 2u /* ELFCLASS32, EM_386 */

/* A piece of an image to load: also used for images that are not ELF (Multiboot's
 * address fields describe one such segment). */
struct elf_segment {
	uint64_t gpa;         /* p_paddr: where it goes in (guest-)physical memory */
	uint64_t vaddr;       /* p_vaddr: where the program expects it once it maps itself */
	uint64_t file_offset; /* bytes [file_offset, file_offset + file_size) of the image */
	uint64_t file_size;
	uint64_t mem_size;    /* >= file_size; the rest is zero-filled */
};

struct elf_image {
	unsigned elf_class;   /* 32 or 64 */
	uint64_t entry;       /* physical: e_entry translated through its segment (see below) */
	uint64_t low, high;   /* [low, high): every byte the segments occupy */
	unsigned nsegments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* True if the image starts with the ELF magic (whatever else it holds). */
bool elf_has_magic(const void *image, size_t size);

/* Validates the header (magic, an accepted class with its machine, little endian, ET_EXEC,
 * version, phentsize, program headers inside the file), every PT_LOAD segment (file range
 * inside the image, mem_size >= file_size, no wrap-around, [p_paddr, p_paddr + p_memsz)
 * below max_gpa, no two segments overlapping, at most ELF_MAX_SEGMENTS, at
 * least one) and the entry point: inside an executable segment, found by p_vaddr (and then
 * translated to the physical address, as for a kernel linked to run at another virtual
 * address) or else by p_paddr. Returns 0, or -EINVAL with a one-line reason naming the
 * field in err. */
int elf_parse(const void *image, size_t size, unsigned accept, uint64_t max_gpa, struct elf_image *out, char *err,
	      size_t errlen);

/* The first note named name, of that type, in the image's PT_NOTE segments (the gABI's
 * "Note Section": namesz, descsz and type, then the name and the descriptor, each padded
 * to the segment's alignment, 4 or 8): true, with *desc pointing at its descriptor in the
 * image and *desc_size its size; false if there is none, or if the image is not an ELF
 * executable of either class with program headers inside the file. Every note read lies
 * inside its segment, and the segment inside the file. */
bool elf_find_note(const void *image, size_t size, const char *name, uint32_t type, const void **desc,
		   uint32_t *desc_size);

#endif
