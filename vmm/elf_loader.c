/* ELF executable checks. Layouts and constants: System V ABI, "ELF-64 Object File Format"
 * 1.5 sections 3-6 and the generic ELF32 specification (Tool Interface Standard 1.2, book I
 * chapter 1-2), with the AMD64 psABI (EM_X86_64) and the i386 psABI (EM_386). The image is
 * untrusted and may be unaligned: headers are memcpy'd out after their range is checked.
 * Fields are little endian, as checked in e_ident, and so is every CPU Keel runs on. Both
 * classes are read into one 64-bit form first, so the checks are written once. */
#include "vmm/elf_loader.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 1

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

struct elf32_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint32_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf32_phdr { /* p_flags comes after p_memsz in this class */
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");
_Static_assert(sizeof(struct elf32_ehdr) == 52, "Elf32_Ehdr is 52 bytes");
_Static_assert(sizeof(struct elf32_phdr) == 32, "Elf32_Phdr is 32 bytes");

typedef unsigned long long ull;

static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

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

bool elf_has_magic(const void *image, size_t size)
{
	return image && size >= sizeof(elf_magic) && memcmp(image, elf_magic, sizeof(elf_magic)) == 0;
}

/* Reads the header of either class into the 64-bit form. */
static int read_header(const uint8_t *bytes, size_t size, unsigned accept, struct elf64_ehdr *eh,
		       char *err, size_t errlen)
{
	if (!bytes || size < 16)
		return fail(err, errlen, "file of %zu bytes is too small for an ELF header", size);
	if (!elf_has_magic(bytes, size))
		return fail(err, errlen, "not an ELF file (bad magic)");
	uint8_t cls = bytes[EI_CLASS];
	if (cls == ELFCLASS64 && (accept & ELF_ACCEPT_64)) {
		if (size < sizeof(*eh))
			return fail(err, errlen, "file of %zu bytes is too small for an ELF header", size);
		memcpy(eh, bytes, sizeof(*eh));
		return 0;
	}
	if (cls == ELFCLASS32 && (accept & ELF_ACCEPT_32)) {
		struct elf32_ehdr h;
		if (size < sizeof(h))
			return fail(err, errlen, "file of %zu bytes is too small for an ELF header", size);
		memcpy(&h, bytes, sizeof(h));
		memcpy(eh->e_ident, h.e_ident, sizeof(eh->e_ident));
		eh->e_type = h.e_type;
		eh->e_machine = h.e_machine;
		eh->e_version = h.e_version;
		eh->e_entry = h.e_entry;
		eh->e_phoff = h.e_phoff;
		eh->e_phentsize = h.e_phentsize;
		eh->e_phnum = h.e_phnum;
		return 0;
	}
	if (accept == ELF_ACCEPT_64)
		return fail(err, errlen, "EI_CLASS %u is not ELFCLASS64", cls);
	if (accept == ELF_ACCEPT_32)
		return fail(err, errlen, "EI_CLASS %u is not ELFCLASS32", cls);
	return fail(err, errlen, "EI_CLASS %u is neither ELFCLASS32 nor ELFCLASS64", cls);
}

static int check_header(const struct elf64_ehdr *eh, size_t size, char *err, size_t errlen)
{
	bool is64 = eh->e_ident[EI_CLASS] == ELFCLASS64;
	size_t phentsize = is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);

	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "EI_DATA %u is not little endian", eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(err, errlen, "ELF version %u/%u is not EV_CURRENT",
			    eh->e_ident[EI_VERSION], eh->e_version);
	if (is64 && eh->e_machine != EM_X86_64)
		return fail(err, errlen, "e_machine %u is not x86-64", eh->e_machine);
	if (!is64 && eh->e_machine != EM_386)
		return fail(err, errlen, "e_machine %u is not i386", eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return fail(err, errlen, "e_type %u is not ET_EXEC", eh->e_type);
	if (eh->e_phentsize != phentsize)
		return fail(err, errlen, "e_phentsize %u is not %zu", eh->e_phentsize, phentsize);
	/* e_phnum < 2^16 and e_phentsize <= 56, so the product cannot overflow. */
	if (eh->e_phoff > size || (uint64_t)eh->e_phnum * eh->e_phentsize > size - eh->e_phoff)
		return fail(err, errlen, "program headers (e_phoff 0x%llx, e_phnum %u) extend beyond "
			    "the file size 0x%zx", (ull)eh->e_phoff, eh->e_phnum, size);
	return 0;
}

/* Program header i, of either class, in the 64-bit form. */
static void read_phdr(const uint8_t *bytes, const struct elf64_ehdr *eh, unsigned i, struct elf64_phdr *ph)
{
	const uint8_t *at = bytes + eh->e_phoff + (size_t)i * eh->e_phentsize;
	if (eh->e_ident[EI_CLASS] == ELFCLASS64) {
		memcpy(ph, at, sizeof(*ph));
		return;
	}
	struct elf32_phdr p;
	memcpy(&p, at, sizeof(p));
	*ph = (struct elf64_phdr){ .p_type = p.p_type, .p_flags = p.p_flags, .p_offset = p.p_offset,
				   .p_vaddr = p.p_vaddr, .p_paddr = p.p_paddr, .p_filesz = p.p_filesz,
				   .p_memsz = p.p_memsz, .p_align = p.p_align };
}

/* Checks PT_LOAD header i on its own (not against the other segments). */
static int check_segment(const struct elf64_phdr *ph, unsigned i, size_t size, uint64_t max_gpa, char *err,
			 size_t errlen)
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
	if (ph->p_paddr + ph->p_memsz > max_gpa)
		return fail(err, errlen, "segment %u ends at 0x%llx, beyond guest memory 0x%llx",
			    i, (ull)(ph->p_paddr + ph->p_memsz), (ull)max_gpa);
	return 0;
}

static bool contains(uint64_t base, uint64_t size, uint64_t addr)
{
	return addr >= base && addr - base < size;
}

/* e_entry as a physical address: through the executable segment whose virtual range holds
 * it, else as a physical address inside one. */
static int find_entry(const struct elf64_ehdr *eh, struct elf_image *out, const bool *exec,
		      char *err, size_t errlen)
{
	for (unsigned j = 0; j < out->nsegments; j++) {
		const struct elf_segment *s = &out->seg[j];
		if (exec[j] && contains(s->vaddr, s->mem_size, eh->e_entry)) {
			out->entry = eh->e_entry - s->vaddr + s->gpa;
			return 0;
		}
	}
	for (unsigned j = 0; j < out->nsegments; j++) {
		if (exec[j] && contains(out->seg[j].gpa, out->seg[j].mem_size, eh->e_entry)) {
			out->entry = eh->e_entry;
			return 0;
		}
	}
	return fail(err, errlen, "entry 0x%llx is not inside an executable segment", (ull)eh->e_entry);
}

/* In the notes at [at, at + len) of the image: the one named name of that type. */
static bool find_note_in(const uint8_t *at, uint64_t len, uint64_t align, const char *name, uint32_t type,
			 const void **desc, uint32_t *desc_size)
{
	size_t name_size = strlen(name) + 1;
	while (len >= 12) {
		uint32_t word[3]; /* namesz, descsz, type */
		memcpy(word, at, sizeof(word));
		uint64_t name_room = (word[0] + align - 1) & ~(align - 1);
		uint64_t desc_room = (word[1] + align - 1) & ~(align - 1);
		if (name_room > len - 12 || desc_room > len - 12 - name_room)
			return false; /* a note beyond its segment: the rest cannot be read */
		if (word[2] == type && word[0] == name_size && memcmp(at + 12, name, name_size) == 0) {
			*desc = at + 12 + name_room;
			*desc_size = word[1];
			return true;
		}
		at += 12 + name_room + desc_room;
		len -= 12 + name_room + desc_room;
	}
	return false;
}

bool elf_find_note(const void *image, size_t size, const char *name, uint32_t type, const void **desc,
		   uint32_t *desc_size)
{
	const uint8_t *bytes = image;
	struct elf64_ehdr eh;
	if (read_header(bytes, size, ELF_ACCEPT_64 | ELF_ACCEPT_32, &eh, NULL, 0) || check_header(&eh, size, NULL, 0))
		return false;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		read_phdr(bytes, &eh, i, &ph);
		if (ph.p_type != PT_NOTE || ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
			continue;
		uint64_t align = ph.p_align == 8 ? 8 : 4;
		if (find_note_in(bytes + ph.p_offset, ph.p_filesz, align, name, type, desc, desc_size))
			return true;
	}
	return false;
}

int elf_parse(const void *image, size_t size, unsigned accept, uint64_t max_gpa, struct elf_image *out, char *err,
	      size_t errlen)
{
	const uint8_t *bytes = image;
	unsigned phidx[ELF_MAX_SEGMENTS];
	bool exec[ELF_MAX_SEGMENTS];
	struct elf64_ehdr eh;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_header(bytes, size, accept, &eh, err, errlen)) ||
	    (rc = check_header(&eh, size, err, errlen)))
		return rc;
	out->elf_class = eh.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32;
	out->low = UINT64_MAX;

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		struct elf_segment *s;

		read_phdr(bytes, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		rc = check_segment(&ph, i, size, max_gpa, err, errlen);
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
		*s = (struct elf_segment){ .gpa = ph.p_paddr, .vaddr = ph.p_vaddr, .file_offset = ph.p_offset,
					   .file_size = ph.p_filesz, .mem_size = ph.p_memsz };
		if (s->gpa < out->low)
			out->low = s->gpa;
		if (s->gpa + s->mem_size > out->high)
			out->high = s->gpa + s->mem_size;
	}
	if (out->nsegments == 0)
		return fail(err, errlen, "no PT_LOAD segment with a non-zero p_memsz");
	return find_entry(&eh, out, exec, err, errlen);
}
