/* The pieces of a domain's boot environment that every boot protocol shares. All guest
 * memory is written through p2m_copy_to_guest, which checks each range against the
 * domain's RAM; the ranges are checked here first anyway, so that the messages say which
 * file did not fit. */
#include <stdarg.h>
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/guest_boot.h"

#define PAGE 0x1000ull
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)

typedef unsigned long long ull;

/* A flat GDT: null, 64-bit code, data (4 GiB, writable), 32-bit code (4 GiB, readable). */
static const uint64_t guest_gdt[4] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull, 0x00cf9a000000ffffull };
_Static_assert(sizeof(guest_gdt) == GUEST_GDT_LIMIT + 1, "GDT size");

static uint64_t align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

int load_fail(struct load_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

uint64_t boot_put(struct load_ctx *c, const void *data, uint64_t len, uint64_t align)
{
	uint64_t gpa = align_up(c->boot_next, align);
	if (gpa > c->boot_end || len > c->boot_end - gpa || p2m_copy_to_guest(c->p2m, gpa, data, len)) {
		load_fail(c, "the boot information does not fit in Keel's boot area, at 0x%llx-0x%llx",
			  (ull)(c->boot_area + BOOT_AREA_INFO), (ull)(c->boot_end - 1));
		return 0;
	}
	c->boot_next = gpa + len;
	return gpa;
}

uint64_t boot_put_string(struct load_ctx *c, const char *s)
{
	return boot_put(c, s, strlen(s) + 1, 1);
}

/* [gpa, end) of the kernel: in RAM, clear of the PC's reserved ranges below 1 MiB (the
 * layout's others lie beyond c->ram_end, which the callers check) and of an elf64 kernel's
 * initial stack. Keel's boot area moves out of its way instead (place_boot_area). */
static int check_placement(struct load_ctx *c, uint64_t gpa, uint64_t end)
{
	const struct guest_layout *l = c->p2m->layout;
	const char *name = c->in->kernel.name;
	for (unsigned i = 0; i < l->count; i++) {
		const struct layout_range *r = &l->range[i];
		if (r->type != LAYOUT_RAM && gpa < r->base + r->size && r->base < end)
			return load_fail(c, "kernel '%s': it loads at 0x%llx-0x%llx, over the %s (0x%llx-0x%llx)", name,
					 (ull)gpa, (ull)(end - 1), r->name, (ull)r->base, (ull)(r->base + r->size - 1));
	}
	if (c->out->type == KERNEL_ELF64 && gpa < KEEL_START_STACK_TOP && GUEST_ELF64_STACK < end)
		return load_fail(c, "kernel '%s': it loads at 0x%llx-0x%llx, over the initial stack of an elf64 kernel "
				 "(0x%llx-0x%llx)", name, (ull)gpa, (ull)(end - 1), (ull)GUEST_ELF64_STACK,
				 (ull)(KEEL_START_STACK_TOP - 1));
	return 0;
}

int load_segments(struct load_ctx *c, const struct elf_segment *seg, unsigned n)
{
	const struct loader_file *k = &c->in->kernel;
	c->out->kernel_low = UINT64_MAX;
	c->out->kernel_high = 0;
	for (unsigned i = 0; i < n; i++) {
		int err = check_placement(c, seg[i].gpa, seg[i].gpa + seg[i].mem_size);
		if (err)
			return err;
		/* The rest of mem_size is zero already: guest RAM starts zeroed. A segment without
		 * file bytes may give any p_offset (elf_parse): no pointer is made from it. */
		if (seg[i].file_size &&
		    p2m_copy_to_guest(c->p2m, seg[i].gpa, (const uint8_t *)k->data + seg[i].file_offset,
				      seg[i].file_size))
			return load_fail(c, "kernel '%s': segment at 0x%llx does not fit in the domain's memory",
					 k->name, (ull)seg[i].gpa);
		if (seg[i].gpa < c->out->kernel_low)
			c->out->kernel_low = seg[i].gpa;
		if (seg[i].gpa + seg[i].mem_size > c->out->kernel_high)
			c->out->kernel_high = seg[i].gpa + seg[i].mem_size;
	}
	return 0;
}

int load_elf_kernel(struct load_ctx *c, unsigned accept, uint64_t limit, struct elf_image *elf)
{
	const struct loader_file *k = &c->in->kernel;
	char why[ELF_ERROR_MAX];
	if (limit > c->ram_end)
		limit = c->ram_end;
	if (elf_parse(k->data, k->size, accept, limit, elf, why, sizeof(why)))
		return load_fail(c, "kernel '%s': %s", k->name, why);
	c->out->format = elf->elf_class == 64 ? "ELF64" : "ELF32";
	return load_segments(c, elf->seg, elf->nsegments);
}

int load_address_fields(struct load_ctx *c, const struct address_fields *a)
{
	const struct loader_file *k = &c->in->kernel;
	uint64_t load_addr, offset, load_size, end;

	/* The header's offset in the file and header_addr pin the file to memory. */
	if (a->load_addr == 0xffffffffu) { /* Multiboot2: load from the file's beginning */
		if (a->header_offset > a->header_addr)
			return load_fail(c, "kernel '%s': header_addr 0x%x is below the header's offset 0x%llx "
					 "in the file", k->name, a->header_addr, (ull)a->header_offset);
		load_addr = a->header_addr - a->header_offset;
		offset = 0;
	} else {
		if (a->load_addr > a->header_addr)
			return load_fail(c, "kernel '%s': load_addr 0x%x is above header_addr 0x%x", k->name,
					 a->load_addr, a->header_addr);
		if (a->header_addr - a->load_addr > a->header_offset)
			return load_fail(c, "kernel '%s': header_addr 0x%x - load_addr 0x%x reaches before the "
					 "start of the file (the header is at offset 0x%llx)", k->name, a->header_addr,
					 a->load_addr, (ull)a->header_offset);
		load_addr = a->load_addr;
		offset = a->header_offset - (a->header_addr - a->load_addr);
	}
	if (a->load_end_addr == 0) {
		load_size = k->size - offset; /* the text and data are the rest of the file */
	} else {
		if (a->load_end_addr < load_addr)
			return load_fail(c, "kernel '%s': load_end_addr 0x%x is below the load address 0x%llx",
					 k->name, a->load_end_addr, (ull)load_addr);
		load_size = a->load_end_addr - load_addr;
		if (load_size > k->size - offset)
			return load_fail(c, "kernel '%s': load_end_addr 0x%x asks for 0x%llx bytes from offset "
					 "0x%llx, but the file has 0x%llx", k->name, a->load_end_addr,
					 (ull)load_size, (ull)offset, (ull)(k->size - offset));
	}
	end = load_addr + load_size;
	if (a->bss_end_addr) {
		if (a->bss_end_addr < end)
			return load_fail(c, "kernel '%s': bss_end_addr 0x%x is below the end of the loaded data "
					 "0x%llx", k->name, a->bss_end_addr, (ull)end);
		end = a->bss_end_addr;
	}
	if (end > c->ram_end)
		return load_fail(c, "kernel '%s': it ends at 0x%llx, beyond the domain's memory (0x%llx)", k->name,
				 (ull)end, (ull)c->ram_end);
	if (a->entry_addr < load_addr || a->entry_addr >= load_addr + load_size)
		return load_fail(c, "kernel '%s': entry_addr 0x%x is outside the loaded image 0x%llx-0x%llx",
				 k->name, a->entry_addr, (ull)load_addr, (ull)(load_addr + load_size));
	struct elf_segment seg = { .gpa = load_addr, .vaddr = load_addr, .file_offset = offset,
				   .file_size = load_size, .mem_size = end - load_addr };
	c->out->format = "a.out kludge";
	c->out->regs.rip = a->entry_addr;
	return load_segments(c, &seg, 1);
}

int load_modules(struct load_ctx *c, uint64_t limit)
{
	uint64_t next = align_up(c->out->kernel_high, PAGE), ram = c->ram_end;
	if (next < LAYOUT_BIOS_END)
		next = LAYOUT_BIOS_END; /* a kernel in low memory: from 1 MiB, past the PC's holes */
	if (limit > ram)
		limit = ram;
	for (unsigned i = 0; i < c->in->nmodules; i++) {
		const struct loader_file *m = &c->in->modules[i];
		if (next > limit || m->size > limit - next)
			return load_fail(c, "module '%s' (%llu bytes) does not fit: it would end at 0x%llx, beyond %s "
					 "0x%llx", m->name, (ull)m->size, (ull)(next + m->size),
					 limit == ram ? "the domain's memory" : "the 32-bit limit", (ull)limit);
		if (p2m_copy_to_guest(c->p2m, next, m->data, m->size))
			return load_fail(c, "module '%s' does not fit in the domain's memory", m->name);
		c->module_gpa[i] = next;
		next = align_up(next + m->size, PAGE);
	}
	c->out->modules_end = c->in->nmodules ? c->module_gpa[c->in->nmodules - 1] +
						       c->in->modules[c->in->nmodules - 1].size
					      : c->out->kernel_high;
	return 0;
}

int place_boot_area(struct load_ctx *c)
{
	const struct loader_result *out = c->out;
	uint64_t base = GUEST_BOOT_AREA, area_end = GUEST_BOOT_AREA + GUEST_BOOT_AREA_SIZE;
	if (out->kernel_low < area_end && GUEST_BOOT_AREA < out->kernel_high)
		base = align_up(out->modules_end > LAYOUT_BIOS_END ? out->modules_end : LAYOUT_BIOS_END, PAGE);
	uint64_t end = layout_ram_end(c->p2m->layout, base);
	if (end - base > GUEST_BOOT_AREA_SIZE)
		end = base + GUEST_BOOT_AREA_SIZE;
	if (end - base < BOOT_AREA_INFO + PAGE)
		return load_fail(c, "kernel '%s': it loads over Keel's boot area (0x%llx-0x%llx), which then goes after "
				 "it and its modules, at 0x%llx, but the domain's RAM ends at 0x%llx", c->in->kernel.name,
				 (ull)GUEST_BOOT_AREA, (ull)(area_end - 1), (ull)base, (ull)end);
	c->boot_area = base;
	c->boot_next = base + BOOT_AREA_INFO;
	c->boot_end = end;
	return 0;
}

unsigned guest_memory_map(const struct guest_layout *layout, struct keel_memory_range *map)
{
	unsigned n = 0;
	for (unsigned i = 0; i < layout->count; i++) {
		const struct layout_range *r = &layout->range[i];
		struct keel_memory_range *last = n ? &map[n - 1] : NULL;
		if (last && last->type == (uint32_t)r->type && last->base + last->length == r->base)
			last->length += r->size;
		else if (n < GUEST_MEMORY_RANGES)
			map[n++] = (struct keel_memory_range){ r->base, r->size, r->type, 0 };
	}
	return n;
}

int put_gdt(struct load_ctx *c)
{
	if (p2m_copy_to_guest(c->p2m, c->boot_area + BOOT_AREA_GDT, guest_gdt, sizeof(guest_gdt)))
		return load_fail(c, "the domain's memory is too small for its GDT");
	return 0;
}

int start_protected_mode(struct load_ctx *c, int (*put_info)(struct load_ctx *c), uint32_t eax)
{
	int err;
	if ((err = load_modules(c, GUEST_32BIT_LIMIT - 1)) || (err = place_boot_area(c)) || (err = put_info(c)) ||
	    (err = put_gdt(c)))
		return err;
	c->out->boot = (struct vcpu_boot_state){
		.mode = VCPU_BOOT_PROT32,
		.gdt_base = c->boot_area + BOOT_AREA_GDT,
		.gdt_limit = GUEST_GDT_LIMIT,
		.code_selector = GUEST_CODE32,
		.data_selector = GUEST_DATA,
	};
	c->out->regs.gpr[REG_RAX] = eax;
	return 0;
}

int put_identity_page_tables(struct load_ctx *c)
{
	static uint64_t pd[512]; /* one page directory at a time; Keel builds domains on one CPU */
	uint64_t pdpt = c->boot_area + BOOT_AREA_PDPT;
	for (uint64_t gib = 0; gib < 4; gib++) {
		uint64_t pd_gpa = c->boot_area + BOOT_AREA_PD + gib * PAGE;
		uint64_t pdpte = pd_gpa | PTE_P | PTE_RW;
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = ((gib << 30) + (i << 21)) | PTE_P | PTE_RW | PTE_PS;
		if (p2m_copy_to_guest(c->p2m, pd_gpa, pd, sizeof(pd)) ||
		    p2m_copy_to_guest(c->p2m, pdpt + gib * 8, &pdpte, 8))
			return load_fail(c, "the domain's memory is too small for its page tables");
	}
	uint64_t pml4e = pdpt | PTE_P | PTE_RW;
	if (p2m_copy_to_guest(c->p2m, c->boot_area + BOOT_AREA_PML4, &pml4e, 8))
		return load_fail(c, "the domain's memory is too small for its page tables");
	return 0;
}
