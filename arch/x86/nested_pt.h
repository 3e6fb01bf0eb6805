/* Builder for 4-level nested page tables (guest-physical -> host-physical), shared by
 * AMD NPT and Intel EPT. The two differ only in how an entry encodes "present", the
 * permissions and the memory type, so each vendor describes its encoding once in a
 * struct npt_format and the walking, splitting and checking is written here once. */
#ifndef KEEL_ARCH_X86_NESTED_PT_H
#define KEEL_ARCH_X86_NESTED_PT_H

#include <stdbool.h>
#include <stdint.h>

#define NPT_PERM_R 1u
#define NPT_PERM_W 2u
#define NPT_PERM_X 4u
#define NPT_PERM_RWX (NPT_PERM_R | NPT_PERM_W | NPT_PERM_X)

#define NPT_PAGE_4K (1ull << 12)
#define NPT_PAGE_2M (1ull << 21)
#define NPT_PAGE_1G (1ull << 30)
#define NPT_MAX_GPA (1ull << 48) /* 4 levels translate 48 bits */

struct npt_format {
	uint64_t table_bits;  /* set in an entry that points to a next-level table */
	uint64_t leaf_bits;   /* set in every leaf (e.g. present+user, or a memory type) */
	uint64_t read_bit;    /* set in a leaf that grants read (0 if reading is implied) */
	uint64_t write_bit;   /* set in a leaf that grants write */
	uint64_t exec_bit;    /* set in a leaf that grants execute (0 if none) */
	uint64_t noexec_bit;  /* set in a leaf that forbids execute (0 if none) */
	uint64_t present_mask; /* an entry is in use when any of these bits is set */
	bool large_2m;        /* 2 MiB leaves allowed */
	bool large_1g;        /* 1 GiB leaves allowed */
};

/* The two vendors' encodings. Both allow 2 MiB leaves only; callers copy one and set
 * large_1g when CPUID reports 1 GiB pages. Write without read is refused by npt_map: EPT
 * calls it a misconfiguration and NPT cannot express it. On NPT reading is implied, so an
 * execute-only mapping reads back as R|X. */
extern const struct npt_format npt_format_amd;       /* AMD APM vol. 2 §15.25 */
extern const struct npt_format npt_format_intel_ept; /* Intel SDM vol. 3 §29.3.2, write-back */

/* Where the builder gets its 4 KiB table pages. In the core phys == virt; unit tests hand
 * out host memory under made-up physical addresses. */
struct npt_mm {
	void *ctx;
	uint64_t (*alloc_table)(void *ctx);           /* a zeroed page's physical address, 0 if none */
	void (*free_table)(void *ctx, uint64_t phys);
	uint64_t *(*table_ptr)(void *ctx, uint64_t phys); /* the 512 entries of the table at phys */
};

struct npt {
	const struct npt_format *fmt;
	struct npt_mm mm;
	uint64_t root;     /* physical address of the top-level (PML4) table */
	uint64_t max_hpa;  /* host addresses must lie below this (CPU physical-address width) */
	uint64_t table_pages; /* the 4 KiB tables the tree holds, the root included */
};

/* Creates an empty table. Returns 0 or -ENOMEM. */
int npt_init(struct npt *npt, const struct npt_format *fmt, const struct npt_mm *mm, uint64_t max_hpa);

/* Maps [gpa, gpa+size) to [hpa, hpa+size) with perms (NPT_PERM_*), using the largest page
 * the format allows where both addresses and the remaining size are aligned to it.
 * Returns 0, -EINVAL (not 4 KiB aligned, size 0, wrap-around, beyond NPT_MAX_GPA or
 * max_hpa, no permission), -EEXIST (any part already mapped: nothing is changed) or
 * -ENOMEM (tables already built for this call are kept; unmap the range to undo). */
int npt_map(struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms);

/* Unmaps [gpa, gpa+size); large pages that are only partly covered are split first.
 * Unmapped holes inside the range are fine. Returns 0, -EINVAL or -ENOMEM (from a split). */
int npt_unmap(struct npt *npt, uint64_t gpa, uint64_t size);

/* Translates one guest-physical address. Returns 0 and fills the outputs that are not
 * NULL (hpa of that byte, the leaf's permissions and page size), or -ENOENT. */
int npt_lookup(const struct npt *npt, uint64_t gpa, uint64_t *hpa, unsigned *perms, uint64_t *page_size);

/* Frees every table, including the root. */
void npt_destroy(struct npt *npt);

#endif
