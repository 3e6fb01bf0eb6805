#include "arch/x86/cpu.h"
#include "vmm/guest_walk.h"

/* Bits of a paging-structure entry (SDM vol.3 §4.3-4.5, tables 4-4 to 4-20). */
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_XD (1ull << 63)

#define BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))

/* One walk: the access, the table format of the paging mode, and the rights gathered
 * from the entries used so far (SDM vol.3 §4.6: a page is a user page, writable or
 * executable only if every entry on the way says so). */
struct walk {
	const struct guest_paging *p;
	uint64_t linear;
	enum guest_access access;
	uint8_t index_bits;  /* linear-address bits each table takes: 10 or 9 */
	uint8_t entry_bytes; /* 4 or 8 */
	uint64_t addr_mask;  /* the bits of an entry that hold a table's or page's address */
	uint64_t reserved;   /* bits reserved in every entry of the format */
	bool user, writable, no_exec;
};

static enum guest_walk_status page_fault(const struct walk *w, uint32_t why, struct guest_walk *out)
{
	const struct guest_paging *p = w->p;
	uint32_t code = why;
	if (w->access == GUEST_WRITE)
		code |= PF_W;
	if (p->cpl == 3)
		code |= PF_U;
	/* I/D only where execute rights exist to be checked (SDM vol.3 §4.7). */
	if (w->access == GUEST_FETCH && ((p->cr4 & CR4_SMEP) || ((p->cr4 & CR4_PAE) && (p->efer & EFER_NXE))))
		code |= PF_I;
	out->error_code = code;
	return GUEST_WALK_PAGE_FAULT;
}

/* An entry of entry_bytes at gpa, read as 8 aligned bytes (a 4-byte entry is one half). */
static bool read_entry(const struct walk *w, uint64_t gpa, uint64_t *entry)
{
	uint64_t word;
	if (!w->p->read(w->p->ctx, gpa & ~7ull, &word))
		return false;
	*entry = w->entry_bytes == 8 ? word : (uint32_t)(word >> (gpa & 4) * 8);
	return true;
}

static bool set_entry_bits(const struct walk *w, uint64_t gpa, uint64_t bits)
{
	return w->p->set_bits(w->p->ctx, gpa & ~7ull, bits << (gpa & 4) * 8);
}

/* Bits reserved in this entry beyond those of every entry: PS where no page can be mapped
 * at this level, and the low address bits of a large page (SDM vol.3 tables 4-4, 4-15
 * to 4-18; 32-bit paging's PSE-36 takes address bits 39:32 from bits 20:13, §4.3). */
static uint64_t level_reserved(const struct walk *w, unsigned level, uint64_t entry)
{
	if (!(entry & PTE_PS) || level == 1)
		return 0;
	if (w->entry_bytes == 4) {
		unsigned m = w->p->maxphyaddr < 40 ? w->p->maxphyaddr : 40;
		return (w->p->cr4 & CR4_PSE) ? BITS(21, m - 19) : 0;
	}
	if (level > 3 || (level == 3 && !w->p->pages_1g))
		return PTE_PS;
	return BITS(12 + w->index_bits * (level - 1) - 1, 13);
}

static bool maps_page(const struct walk *w, unsigned level, uint64_t entry)
{
	if (level == 1)
		return true;
	if (!(entry & PTE_PS) || level > 3)
		return false;
	return w->entry_bytes == 8 || (w->p->cr4 & CR4_PSE);
}

/* The rules of SDM vol.3 §4.6.1 for a translation with the rights gathered. */
static bool access_allowed(const struct walk *w)
{
	const struct guest_paging *p = w->p;
	bool supervisor = p->cpl < 3;
	if (w->access == GUEST_FETCH)
		return !w->no_exec && (supervisor ? !(w->user && (p->cr4 & CR4_SMEP)) : w->user);
	if (!supervisor)
		return w->user && (w->access == GUEST_READ || w->writable);
	if (w->user && (p->cr4 & CR4_SMAP) && !p->ac)
		return false;
	return w->access == GUEST_READ || w->writable || !(p->cr0 & CR0_WP);
}

static uint64_t page_address(const struct walk *w, unsigned level, uint64_t entry)
{
	unsigned shift = 12 + w->index_bits * (level - 1);
	uint64_t offset = w->linear & ((1ull << shift) - 1);
	if (w->entry_bytes == 4 && level == 2)
		return (entry & BITS(31, 22)) | ((entry >> 13 & 0xff) << 32) | offset;
	return (entry & w->addr_mask & ~((1ull << shift) - 1)) | offset;
}

/* From the table at `table`, `level` levels above the page: each entry must be present
 * and free of reserved bits; its accessed flag is set once the walk has used it, and the
 * leaf's accessed and dirty flags only for an access it allows (a permission fault sets
 * the flags of the entries above the leaf alone: SDM vol.3 §4.8, and §6.15 on #PF). */
static enum guest_walk_status walk_tables(struct walk *w, uint64_t table, unsigned level, struct guest_walk *out)
{
	for (;; level--) {
		unsigned shift = 12 + w->index_bits * (level - 1);
		uint64_t gpa = table + (w->linear >> shift & ((1ull << w->index_bits) - 1)) * w->entry_bytes;
		uint64_t entry;
		if (!read_entry(w, gpa, &entry)) {
			out->gpa = gpa;
			return GUEST_WALK_NOT_RAM;
		}
		if (!(entry & PTE_P))
			return page_fault(w, 0, out);
		if (entry & (w->reserved | level_reserved(w, level, entry)))
			return page_fault(w, PF_P | PF_RSVD, out);
		w->user &= !!(entry & PTE_US);
		w->writable &= !!(entry & PTE_RW);
		w->no_exec |= w->entry_bytes == 8 && (entry & PTE_XD);
		uint64_t flags = PTE_A;
		if (maps_page(w, level, entry)) {
			if (!access_allowed(w))
				return page_fault(w, PF_P, out);
			flags |= w->access == GUEST_WRITE ? PTE_D : 0;
			out->gpa = page_address(w, level, entry);
		}
		if ((entry & flags) != flags && !set_entry_bits(w, gpa, flags)) {
			out->gpa = gpa;
			return GUEST_WALK_NOT_RAM;
		}
		if (maps_page(w, level, entry))
			return GUEST_WALK_OK;
		table = entry & w->addr_mask;
	}
}

/* PAE paging: the PDPTE for bits 31:30, from the CPU's copy or the table at CR3. It has no
 * accessed flag and no rights; bits 2:1, 8:5 and 63:MAXPHYADDR are reserved (SDM vol.3
 * §4.4.1, table 4-8). */
static enum guest_walk_status walk_pae(struct walk *w, struct guest_walk *out)
{
	unsigned i = (unsigned)(w->linear >> 30 & 3);
	uint64_t pdpte;
	if (w->p->pdptes) {
		pdpte = w->p->pdptes[i];
	} else if (!w->p->read(w->p->ctx, (w->p->cr3 & BITS(31, 5)) + i * 8, &pdpte)) {
		out->gpa = (w->p->cr3 & BITS(31, 5)) + i * 8;
		return GUEST_WALK_NOT_RAM;
	}
	if (!(pdpte & PTE_P))
		return page_fault(w, 0, out);
	if (pdpte & (BITS(63, w->p->maxphyaddr) | BITS(8, 5) | BITS(2, 1)))
		return page_fault(w, PF_P | PF_RSVD, out);
	return walk_tables(w, pdpte & w->addr_mask, 2, out);
}

enum guest_walk_status guest_walk(const struct guest_paging *p, uint64_t linear, enum guest_access access,
				  struct guest_walk *out)
{
	bool long_mode = p->efer & EFER_LMA;
	if (!long_mode)
		linear = (uint32_t)linear; /* outside long mode linear addresses have 32 bits */
	if (!(p->cr0 & CR0_PG)) {
		out->gpa = linear;
		return GUEST_WALK_OK;
	}
	struct walk w = {
		.p = p, .linear = linear, .access = access, .index_bits = 9, .entry_bytes = 8,
		.addr_mask = BITS(p->maxphyaddr - 1, 12),
		.user = true, .writable = true, .no_exec = false,
	};
	/* Bits 51:MAXPHYADDR are reserved in 4-level paging, 62:MAXPHYADDR in PAE paging; the
	 * XD bit without EFER.NXE (SDM vol.3 tables 4-11 to 4-20). */
	w.reserved = BITS(long_mode ? 51 : 62, p->maxphyaddr) | ((p->efer & EFER_NXE) ? 0 : PTE_XD);
	if (!(p->cr4 & CR4_PAE)) {
		w.index_bits = 10;
		w.entry_bytes = 4;
		w.addr_mask = BITS(31, 12);
		w.reserved = 0;
		return walk_tables(&w, p->cr3 & BITS(31, 12), 2, out);
	}
	if (!long_mode)
		return walk_pae(&w, out);
	return walk_tables(&w, p->cr3 & w.addr_mask, (p->cr4 & CR4_LA57) ? 5 : 4, out);
}
