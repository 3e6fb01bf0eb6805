/* The ELF parser (vmm/elf_loader.c), for both classes, on any image. A result it accepts
 * must read only bytes of the image and place segments below MAX_GPA; a note it finds
 * (the PVH entry's) must lie inside the image. */
#include <stddef.h>
#include <stdint.h>
#include "vmm/elf_loader.h"

#define MAX_GPA 0x4000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_image out;
	char err[ELF_ERROR_MAX];
	const void *desc;
	uint32_t desc_size;
	if (elf_find_note(data, size, "Xen", 18, &desc, &desc_size)) {
		const uint8_t *d = desc;
		if (d < data || d > data + size || desc_size > (size_t)(data + size - d))
			__builtin_trap();
	}
	if (elf_parse(data, size, ELF_ACCEPT_64 | ELF_ACCEPT_32, MAX_GPA, &out, err, sizeof(err)))
		return 0;
	if (out.nsegments == 0 || out.nsegments > ELF_MAX_SEGMENTS)
		__builtin_trap();
	for (unsigned i = 0; i < out.nsegments; i++) {
		const struct elf_segment *s = &out.seg[i];
		/* An empty file range reads nothing: its offset does not matter. */
		if ((s->file_size && (s->file_offset > size || s->file_size > size - s->file_offset)) || s->mem_size < s->file_size ||
		    s->gpa > MAX_GPA || s->mem_size > MAX_GPA - s->gpa)
			__builtin_trap();
	}
	if (out.high > MAX_GPA || out.low >= out.high || out.entry < out.low || out.entry >= out.high)
		__builtin_trap();
	return 0;
}
