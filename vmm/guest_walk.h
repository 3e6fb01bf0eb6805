/* A guest linear address translated through the guest's own page tables, as the CPU
 * translates it (SDM vol.3 chapter 4, APM vol.2 chapter 5): paging off, 32-bit paging (4 KiB
 * pages, 4 MiB pages with CR4.PSE and PSE-36), PAE paging, 4-level and 5-level paging
 * (2 MiB and 1 GiB pages), with the access rights of §4.6 (R/W with CR0.WP, U/S, NX with
 * EFER.NXE, SMEP and SMAP, which Keel's CPUID passes through), reserved bits and the
 * accessed and dirty flags. Protection keys are not checked: Keel's CPUID hides them
 * (vmm/cpuid.c). The walker knows nothing of domains: the caller gives the guest's control
 * registers and a way to reach guest-physical memory. */
#ifndef KEEL_VMM_GUEST_WALK_H
#define KEEL_VMM_GUEST_WALK_H

#include <stdbool.h>
#include <stdint.h>

enum guest_access {
	GUEST_READ,
	GUEST_WRITE,
	GUEST_FETCH, /* an instruction fetch */
};

/* The page-fault error code (SDM vol.3 §4.7). */
#define PF_P (1u << 0)    /* a protection violation (else a not-present entry) */
#define PF_W (1u << 1)    /* a write */
#define PF_U (1u << 2)    /* a user-mode access (CPL 3) */
#define PF_RSVD (1u << 3) /* a reserved bit set in an entry */
#define PF_I (1u << 4)    /* an instruction fetch, where SMEP or PAE with NXE is on */

/* The guest's paging state and its physical memory. */
struct guest_paging {
	uint64_t cr0, cr3, cr4, efer; /* as the guest sees them; EFER.LMA says long mode */
	uint8_t cpl;                  /* 3: user-mode accesses, else supervisor */
	bool ac;                      /* RFLAGS.AC: SMAP lets supervisor data reach user pages */
	uint8_t maxphyaddr;           /* physical-address bits the guest's CPUID reports, 32-52 */
	bool pages_1g;                /* CPUID 0x80000001 EDX[26]: 1 GiB pages */
	/* PAE paging: the four PDPTEs the CPU loaded with CR3 (VT-x keeps them in the VMCS),
	 * or NULL to read them from the table at CR3 at each walk, as AMD CPUs do. */
	const uint64_t *pdptes;
	void *ctx;
	/* Reads the 8 bytes at gpa (8-aligned); false if that is not guest RAM. */
	bool (*read)(void *ctx, uint64_t gpa, uint64_t *value);
	/* ORs bits into the 8 bytes at gpa (8-aligned), atomically as the CPU's locked update
	 * of an accessed or dirty flag is (SDM vol.3 §4.8); false if that is not guest RAM. */
	bool (*set_bits)(void *ctx, uint64_t gpa, uint64_t bits);
};

enum guest_walk_status {
	GUEST_WALK_OK,         /* gpa is the translation */
	GUEST_WALK_PAGE_FAULT, /* the CPU raises #PF with error_code; CR2 is the linear address */
	GUEST_WALK_NOT_RAM,    /* an entry at gpa (a table, not the page) lies outside guest RAM */
};

struct guest_walk {
	uint64_t gpa;
	uint32_t error_code;
};

/* Translates linear for one access of that kind. One linear address: an access that
 * crosses into the next page is walked again for that page by the caller. */
enum guest_walk_status guest_walk(const struct guest_paging *p, uint64_t linear, enum guest_access access,
				  struct guest_walk *out);

#endif
