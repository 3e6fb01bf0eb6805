#include "arch/x86/cpu.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "vmm/elf_loader.h"
#include "vmm/loader.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)
#define GUEST_CODE64 0x08
#define GUEST_DATA 0x10

/* A flat GDT like the one Linux's 64-bit boot protocol expects: null, code, data. */
static const uint64_t guest_gdt[3] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };

/* Identity-maps the guest's low 4 GiB with 2 MiB pages, so a 64-bit guest starts with
 * paging on. What is not guest RAM faults in the nested page table, not here. */
static int build_page_tables(struct p2m *p2m)
{
	uint64_t entry;
	int err;
	for (uint64_t gib = 0; gib < 4; gib++) {
		uint64_t pd = LOADER_PD_GPA + gib * 0x1000;
		for (uint64_t i = 0; i < 512; i++) {
			entry = ((gib << 30) + (i << 21)) | PTE_P | PTE_RW | PTE_PS;
			if ((err = p2m_copy_to_guest(p2m, pd + i * 8, &entry, 8)))
				return err;
		}
		entry = pd | PTE_P | PTE_RW;
		if ((err = p2m_copy_to_guest(p2m, LOADER_PDPT_GPA + gib * 8, &entry, 8)))
			return err;
	}
	entry = LOADER_PDPT_GPA | PTE_P | PTE_RW;
	return p2m_copy_to_guest(p2m, LOADER_PML4_GPA, &entry, 8);
}

static int load_long64(struct p2m *p2m, const void *image, size_t size, struct vcpu_boot_state *boot,
		       struct guest_regs *regs, char *err, size_t errlen)
{
	struct elf_image elf;
	int rc = elf_parse(image, size, LOADER_RESERVED_END, p2m->ram_size, &elf, err, errlen);
	if (rc)
		return rc;
	for (unsigned i = 0; i < elf.nsegments; i++) {
		const struct elf_segment *s = &elf.seg[i];
		/* The rest of mem_size is already zero: guest RAM starts zeroed. */
		if (p2m_copy_to_guest(p2m, s->gpa, (const uint8_t *)image + s->file_offset, s->file_size))
			goto no_room;
	}
	if (p2m_copy_to_guest(p2m, LOADER_GDT_GPA, guest_gdt, sizeof(guest_gdt)) || build_page_tables(p2m))
		goto no_room;
	*boot = (struct vcpu_boot_state){
		.mode = VCPU_BOOT_LONG64,
		.cr3 = LOADER_PML4_GPA,
		.gdt_base = LOADER_GDT_GPA,
		.gdt_limit = sizeof(guest_gdt) - 1,
		.code_selector = GUEST_CODE64,
		.data_selector = GUEST_DATA,
	};
	regs->rip = elf.entry;
	regs->gpr[REG_RSP] = p2m->ram_size;
	return 0;
no_room:
	ksnprintf(err, errlen, "guest memory too small for the image and its boot structures");
	return -EINVAL;
}

static int load_real16(struct p2m *p2m, const void *image, size_t size, struct vcpu_boot_state *boot,
		       struct guest_regs *regs, char *err, size_t errlen)
{
	uint64_t limit = p2m->ram_size < REAL16_LIMIT ? p2m->ram_size : REAL16_LIMIT;
	if (size == 0 || size > limit - REAL16_LOAD_GPA) {
		ksnprintf(err, errlen, "a real16 image must be 1 to %llu bytes (it loads at 0x%x), this one is %zu",
			  (unsigned long long)(limit - REAL16_LOAD_GPA), REAL16_LOAD_GPA, size);
		return -EINVAL;
	}
	p2m_copy_to_guest(p2m, REAL16_LOAD_GPA, image, size);
	*boot = (struct vcpu_boot_state){ .mode = VCPU_BOOT_REAL16 };
	regs->rip = REAL16_LOAD_GPA; /* CS = 0 */
	regs->gpr[REG_RSP] = REAL16_LOAD_GPA;
	return 0;
}

int loader_load(struct p2m *p2m, enum guest_mode mode, const void *image, size_t size,
		struct vcpu_boot_state *boot, struct guest_regs *regs, char *err, size_t errlen)
{
	*regs = (struct guest_regs){ .rflags = RFLAGS_FIXED };
	if (mode == GUEST_MODE_LONG64)
		return load_long64(p2m, image, size, boot, regs, err, errlen);
	return load_real16(p2m, image, size, boot, regs, err, errlen);
}
