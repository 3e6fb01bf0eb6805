/* ELF64 guest image checks. Layouts and constants: System V ABI, "ELF-64 Object File
 * Format" 1.5 sections 3-6, and the AMD64 psABI supplement (EM_X86_64). The image is
 * untrusted and may be unaligned: headers are memcpy'd out after their range is checked.
 * Fields are little endian, as checked in e_ident, and so is every CPU Keel runs on. */
#include "vmm/elf_loader.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#include <stdbool.h>

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");

typedef unsigned long long ull;

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		kvsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int check_header(const struct elf64_ehdr *eh, size_t size, char *err, size_t errlen)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (memcmp(eh->e_ident, magic, sizeof(magic)) != 0)
		return fail(err, errlen, "not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "EI_CLASS %u is not ELFCLASS64", eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "EI_DATA %u is not little endian", eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(err, errlen, "ELF version %u/%u is not EV_CURRENT",
			    eh->e_ident[EI_VERSION], eh->e_version);
	if (eh->e_machine != EM_X86_64)
		return fail(err, errlen, "e_machine %u is not x86-64", eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return fail(err, errlen, "e_type %u is not ET_EXEC", eh->e_type);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return fail(err, errlen, "e_phentsize %u is not %zu", eh->e_phentsize,
			    sizeof(struct elf64_phdr));
	/* e_phnum < 2^16 and e_phentsize is 56, so the product cannot overflow. */
	if (eh->e_phoff > size || (uint64_t)eh->e_phnum * eh->e_phentsize > size - eh->e_phoff)
		return fail(err, errlen, "program headers (e_phoff 0x%llx, e_phnum %u) extend beyond "
			    "the file size 0x%zx", (ull)eh->e_phoff, eh->e_phnum, size);
	return 0;
}

/* Checks PT_LOAD header i on its own (not against the other segments). */
static int check_segment(const struct elf64_phdr *ph, unsigned i, size_t size, uint64_t min_gpa,
			 uint64_t max_gpa, char *err, size_t errlen)
{
	if (ph->p_filesz > ph->p_memsz)
		return fail(err, errlen, "segment %u p_filesz 0x%llx is larger than p_memsz 0x%llx",
			    i, (ull)ph->p_filesz, (ull)ph->p_memsz);
	if (ph->p_filesz && (ph->p_offset > size || ph->p_filesz > size - ph->p_offset))
		return fail(err, errlen, "segment %u p_offset 0x%llx + p_filesz 0x%llx is beyond the "
			    "file size 0x%zx", i, (ull)ph->p_offset, (ull)ph->p_filesz, size);
	if (ph->p_memsz > UINT64_MAX - ph->p_paddr)
		return fail(err, errlen, "segment %u p_paddr 0x%llx + p_memsz 0x%llx wraps around",
			    i, (ull)ph->p_paddr, (ull)ph->p_memsz);
	if (ph->p_paddr < min_gpa)
		return fail(err, errlen, "segment %u starts at 0x%llx, below guest memory 0x%llx",
			    i, (ull)ph->p_paddr, (ull)min_gpa);
	if (ph->p_paddr + ph->p_memsz > max_gpa)
		return fail(err, errlen, "segment %u ends at 0x%llx, beyond guest memory 0x%llx",
			    i, (ull)(ph->p_paddr + ph->p_memsz), (ull)max_gpa);
	return 0;
}

int elf_parse(const void *image, size_t size, uint64_t min_gpa, uint64_t max_gpa,
	      struct elf_image *out, char *err, size_t errlen)
{
	const uint8_t *bytes = image;
	unsigned phidx[ELF_MAX_SEGMENTS];
	bool exec[ELF_MAX_SEGMENTS];
	struct elf64_ehdr eh;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!image || size < sizeof(eh))
		return fail(err, errlen, "file of %zu bytes is too small for an ELF header", size);
	memcpy(&eh, bytes, sizeof(eh));
	rc = check_header(&eh, size, err, errlen);
	if (rc)
		return rc;

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		struct elf_segment *s;

		memcpy(&ph, bytes + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		rc = check_segment(&ph, i, size, min_gpa, max_gpa, err, errlen);
		if (rc)
			return rc;
		if (out->nsegments == ELF_MAX_SEGMENTS)
			return fail(err, errlen, "more than %d PT_LOAD segments", ELF_MAX_SEGMENTS);
		for (unsigned j = 0; j < out->nsegments; j++) {
			const struct elf_segment *o = &out->seg[j];
			if (ph.p_paddr < o->gpa + o->mem_size && o->gpa < ph.p_paddr + ph.p_memsz)
				return fail(err, errlen, "segments %u and %u overlap in guest memory",
					    phidx[j], i);
		}
		phidx[out->nsegments] = i;
		exec[out->nsegments] = ph.p_flags & PF_X;
		s = &out->seg[out->nsegments++];
		s->gpa = ph.p_paddr;
		s->file_offset = ph.p_offset;
		s->file_size = ph.p_filesz;
		s->mem_size = ph.p_memsz;
	}
	if (out->nsegments == 0)
		return fail(err, errlen, "no PT_LOAD segment with a non-zero p_memsz");

	/* Guests start with flat or identity-mapped memory, so e_entry is a guest-physical address. */
	out->entry = eh.e_entry;
	for (unsigned j = 0; j < out->nsegments; j++) {
		if (exec[j] && eh.e_entry >= out->seg[j].gpa &&
		    eh.e_entry - out->seg[j].gpa < out->seg[j].mem_size)
			return 0;
	}
	return fail(err, errlen, "entry 0x%llx is not inside an executable segment", (ull)eh.e_entry);
}
