/* Loading the core: an ELF64 x86-64 executable whose PT_LOAD segments go to fixed
 * physical addresses (p_paddr), where the core was linked to run. */
#include "boot/efi_loader.h"

#define CORE_PATH L"\\keel\\core.elf"

/* ELF-64 Object File Format, version 1.5: the few fields the loader needs. */
struct elf64_ehdr {
	UINT8 ident[16];
	UINT16 type, machine;
	UINT32 version;
	UINT64 entry, phoff, shoff;
	UINT32 flags;
	UINT16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	UINT32 type, flags;
	UINT64 offset, vaddr, paddr, filesz, memsz, align;
};

#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define ET_EXEC     2
#define EM_X86_64   62
#define PT_LOAD     1

/* Highest end address that still rounds up to a page without wrapping. */
#define ADDR_LIMIT (~0ull - EFI_PAGE_MASK)

static const struct elf64_phdr *phdr(const UINT8 *file, const struct elf64_ehdr *eh, UINTN i)
{
	return (const struct elf64_phdr *)(file + eh->phoff + i * sizeof(struct elf64_phdr));
}

static const CHAR16 *check_header(const UINT8 *file, UINT64 size)
{
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)file;

	if (size < sizeof(*eh) || eh->ident[0] != 0x7f || eh->ident[1] != 'E' ||
	    eh->ident[2] != 'L' || eh->ident[3] != 'F')
		return L"not an ELF file";
	if (eh->ident[4] != ELFCLASS64 || eh->ident[5] != ELFDATA2LSB)
		return L"not a little-endian ELF64 file";
	if (eh->machine != EM_X86_64)
		return L"e_machine is not x86-64";
	if (eh->type != ET_EXEC)
		return L"e_type is not ET_EXEC";
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0)
		return L"bad or no program headers";
	if (eh->phoff > size || (eh->phoff & 7) ||
	    (UINT64)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
		return L"program headers lie outside the file or are misaligned";
	return NULL;
}

/* Checks every PT_LOAD segment and computes the core's page-rounded range. */
static const CHAR16 *check_segments(const UINT8 *file, UINT64 size, struct core_image *core)
{
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)file;
	const struct elf64_phdr *p, *q;
	UINT64 lo = ~0ull, hi = 0;
	UINTN i, j;

	for (i = 0; i < eh->phnum; i++) {
		p = phdr(file, eh, i);
		if (p->type != PT_LOAD || p->memsz == 0)
			continue;
		if (p->offset > size || p->filesz > size - p->offset)
			return L"a PT_LOAD segment lies outside the file";
		if (p->filesz > p->memsz)
			return L"a PT_LOAD segment has p_filesz > p_memsz";
		if (p->paddr > ADDR_LIMIT || p->memsz > ADDR_LIMIT - p->paddr)
			return L"a PT_LOAD segment wraps around the address space";
		for (j = 0; j < i; j++) {
			q = phdr(file, eh, j);
			if (q->type == PT_LOAD && q->memsz && p->paddr < q->paddr + q->memsz &&
			    q->paddr < p->paddr + p->memsz)
				return L"two PT_LOAD segments overlap";
		}
		if (p->paddr < lo)
			lo = p->paddr;
		if (p->paddr + p->memsz > hi)
			hi = p->paddr + p->memsz;
	}
	if (hi == 0)
		return L"no PT_LOAD segment";
	if (eh->entry < lo || eh->entry >= hi)
		return L"the entry point is outside the loaded segments";
	core->base = lo & ~(UINT64)EFI_PAGE_MASK;
	core->end = (hi + EFI_PAGE_MASK) & ~(UINT64)EFI_PAGE_MASK;
	core->entry = eh->entry;
	return NULL;
}

/* One allocation covers all segments, so segments sharing a page need no special case. */
static EFI_STATUS place_segments(const UINT8 *file, const struct core_image *core)
{
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)file;
	EFI_PHYSICAL_ADDRESS base = core->base;
	CHAR16 h[2][EFI_HEX_LEN];
	const struct elf64_phdr *p;
	EFI_STATUS status;
	UINTN i;

	status = BS->AllocatePages(AllocateAddress, EfiLoaderData,
				   EFI_SIZE_TO_PAGES(core->end - core->base), &base);
	if (EFI_ERROR(status)) {
		Print(LOADER_MSG L"cannot place the core at %s-%s: %s (%r)\n",
		      efi_hex(h[0], core->base), efi_hex(h[1], core->end),
		      efi_range_conflict(core->base, core->end), status);
		return status;
	}
	ZeroMem((void *)(UINTN)core->base, core->end - core->base);
	for (i = 0; i < eh->phnum; i++) {
		p = phdr(file, eh, i);
		if (p->type == PT_LOAD && p->filesz)
			CopyMem((void *)(UINTN)p->paddr, file + p->offset, p->filesz);
	}
	return EFI_SUCCESS;
}

EFI_STATUS efi_load_core(EFI_FILE_HANDLE root, struct core_image *core)
{
	const CHAR16 *why;
	UINT64 addr, size;
	EFI_STATUS status;

	status = efi_read_file(root, CORE_PATH, &addr, &size);
	if (EFI_ERROR(status))
		return status;
	why = check_header((const UINT8 *)(UINTN)addr, size);
	if (!why)
		why = check_segments((const UINT8 *)(UINTN)addr, size, core);
	if (why) {
		Print(LOADER_MSG L"%s: %s\n", CORE_PATH, why);
		status = EFI_LOAD_ERROR;
	} else {
		status = place_segments((const UINT8 *)(UINTN)addr, core);
	}
	BS->FreePages(addr, EFI_SIZE_TO_PAGES(size ? size : 1));
	return status;
}
