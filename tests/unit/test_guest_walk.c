/* The guest page-table walker (vmm/guest_walk.c) over page tables built by hand in a test
 * memory of 64 KiB at guest-physical 0: every paging mode, large pages, each fault and its
 * error code, the accessed and dirty flags, tables outside RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/cpu.h"
#include "vmm/guest_walk.h"

#define RAM_SIZE 0x10000u
static uint8_t ram[RAM_SIZE];

static bool ram_read(void *ctx, uint64_t gpa, uint64_t *value)
{
	(void)ctx;
	assert_int_equal(gpa % 8, 0);
	if (gpa >= RAM_SIZE)
		return false;
	memcpy(value, ram + gpa, 8);
	return true;
}

static bool ram_set_bits(void *ctx, uint64_t gpa, uint64_t bits)
{
	(void)ctx;
	assert_int_equal(gpa % 8, 0);
	if (gpa >= RAM_SIZE)
		return false;
	uint64_t v;
	memcpy(&v, ram + gpa, 8);
	v |= bits;
	memcpy(ram + gpa, &v, 8);
	return true;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(ram + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(ram + gpa, &v, 4); }
static uint64_t get64(uint64_t gpa) { uint64_t v; memcpy(&v, ram + gpa, 8); return v; }
static uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, ram + gpa, 4); return v; }

#define P 0x1u
#define RW 0x2u
#define US 0x4u
#define A 0x20u
#define D 0x40u
#define PS 0x80u
#define XD (1ull << 63)

static struct guest_paging paging(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	memset(ram, 0, sizeof(ram));
	return (struct guest_paging){ .cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer, .cpl = 0, .ac = false,
				      .maxphyaddr = 40, .pages_1g = true, .pdptes = NULL, .ctx = NULL,
				      .read = ram_read, .set_bits = ram_set_bits };
}

#define PG32 (CR0_PE | CR0_PG | CR0_WP)
#define LONG (EFER_LME | EFER_LMA | EFER_NXE)

static void expect_gpa(const struct guest_paging *p, uint64_t linear, enum guest_access access, uint64_t gpa)
{
	struct guest_walk out = { 0, 0 };
	assert_int_equal(guest_walk(p, linear, access, &out), GUEST_WALK_OK);
	assert_int_equal(out.gpa, gpa);
}

static void expect_fault(const struct guest_paging *p, uint64_t linear, enum guest_access access, uint32_t code)
{
	struct guest_walk out = { 0, 0 };
	assert_int_equal(guest_walk(p, linear, access, &out), GUEST_WALK_PAGE_FAULT);
	assert_int_equal(out.error_code, code);
}

static void expect_not_ram(const struct guest_paging *p, uint64_t linear, uint64_t table_gpa)
{
	struct guest_walk out = { 0, 0 };
	assert_int_equal(guest_walk(p, linear, GUEST_READ, &out), GUEST_WALK_NOT_RAM);
	assert_int_equal(out.gpa, table_gpa);
}

static void paging_off_is_identity_with_32_bit_linear_addresses(void **state)
{
	(void)state;
	struct guest_paging p = paging(0, 0, 0, 0); /* real mode */
	expect_gpa(&p, 0xb8000, GUEST_WRITE, 0xb8000);
	expect_gpa(&p, 0x10ffef, GUEST_FETCH, 0x10ffef);
	p.cr0 = CR0_PE;
	expect_gpa(&p, 0x1fee00020ull, GUEST_READ, 0xfee00020);
}

/* 32-bit paging: PD at 0x1000, PT at 0x2000; linear 0x00403abc -> PDE 1, PTE 3. */
static void paging_32bit_4k(void **state)
{
	(void)state;
	struct guest_paging p = paging(PG32, 0x1000, 0, 0);
	put32(0x1000 + 1 * 4, 0x2000 | P | RW | US);
	put32(0x2000 + 3 * 4, 0xfee00000 | P | RW);
	expect_gpa(&p, 0x00403abc, GUEST_READ, 0xfee00abc);
	/* A set in both entries, D only after a write; the neighbouring entries untouched. */
	assert_int_equal(get32(0x1004), 0x2000 | P | RW | US | A);
	assert_int_equal(get32(0x200c), 0xfee00000 | P | RW | A);
	assert_int_equal(get32(0x1000), 0);
	assert_int_equal(get32(0x2008), 0);
	expect_gpa(&p, 0x00403ffc, GUEST_WRITE, 0xfee00ffc);
	assert_int_equal(get32(0x200c), 0xfee00000 | P | RW | A | D);
	/* Upper bits of the linear address outside long mode: none. */
	expect_gpa(&p, 0xff00403abcull, GUEST_READ, 0xfee00abc);
}

static void paging_32bit_4m_with_pse_and_pse36(void **state)
{
	(void)state;
	struct guest_paging p = paging(PG32, 0x1000, CR4_PSE, 0);
	/* PDE 0x3ff maps 4 MiB at 0xfec00000; PDE 2 at 0x12_00800000 (bits 20:13 = 0x12). */
	put32(0x1000 + 0x3ff * 4, 0xfec00000 | PS | P | RW);
	put32(0x1000 + 2 * 4, 0x00800000 | 0x12 << 13 | PS | P | RW);
	expect_gpa(&p, 0xffc00010, GUEST_READ, 0xfec00010);
	expect_gpa(&p, 0x008abcde, GUEST_WRITE, 0x12008abcdeull);
	assert_int_equal(get32(0x1008), 0x00800000 | 0x12 << 13 | PS | P | RW | A | D);
	/* Bit 21 is reserved; so are the PSE-36 bits above MAXPHYADDR. */
	put32(0x1000 + 3 * 4, 0x00c00000 | 1u << 21 | PS | P);
	expect_fault(&p, 0x00c00000, GUEST_READ, PF_P | PF_RSVD);
	p.maxphyaddr = 36;
	expect_fault(&p, 0x008abcde, GUEST_READ, PF_P | PF_RSVD);
	put32(0x1000 + 2 * 4, 0x00800000 | 0x2 << 13 | PS | P | RW);
	expect_gpa(&p, 0x008abcde, GUEST_READ, 0x2008abcdeull);
	/* Without CR4.PSE the PS bit is ignored: the PDE names a page table. */
	p.cr4 = 0;
	put32(0x1000 + 4 * 4, 0x3000 | PS | P | RW);
	put32(0x3000 + 5 * 4, 0x7000 | P);
	expect_gpa(&p, 0x01005123, GUEST_READ, 0x7123);
}

/* PAE: PDPT at 0x1020 (CR3 bits 31:5), PD at 0x2000, PT at 0x3000. */
static void paging_pae(void **state)
{
	(void)state;
	struct guest_paging p = paging(PG32, 0x1020, CR4_PAE, EFER_NXE);
	put64(0x1020 + 3 * 8, 0x2000 | P);
	put64(0x2000 + 0x1f6 * 8, 0x3000 | P | RW);         /* 0xfec00000 */
	put64(0x3000 + 0 * 8, 0xfec00000 | P | RW | XD);
	put64(0x2000 + 0x1f7 * 8, 0x1fee00000ull | PS | P | RW); /* 2 MiB at 0x1_fee00000 */
	expect_gpa(&p, 0xfec00040, GUEST_WRITE, 0xfec00040);
	assert_int_equal(get64(0x1038), 0x2000 | P); /* a PDPTE has no accessed flag */
	assert_int_equal(get64(0x2000 + 0x1f6 * 8), 0x3000 | P | RW | A);
	assert_int_equal(get64(0x3000), 0xfec00000 | P | RW | XD | A | D);
	expect_fault(&p, 0xfec00040, GUEST_FETCH, PF_P | PF_I);
	expect_gpa(&p, 0xfee00300, GUEST_READ, 0x1fee00300ull);
	/* 2 MiB pages: bits 20:13 reserved. Bits 62:MAXPHYADDR reserved in PAE entries. */
	put64(0x2000 + 0x1f7 * 8, 0x1fee00000ull | 1u << 13 | PS | P | RW);
	expect_fault(&p, 0xfee00300, GUEST_READ, PF_P | PF_RSVD);
	put64(0x2000 + 0x1f7 * 8, 1ull << 52 | 0xfee00000 | PS | P | RW);
	expect_fault(&p, 0xfee00300, GUEST_READ, PF_P | PF_RSVD);
	/* Without NXE the XD bit is reserved. */
	p.efer = 0;
	expect_fault(&p, 0xfec00040, GUEST_READ, PF_P | PF_RSVD);
}

static void pae_pdptes(void **state)
{
	(void)state;
	struct guest_paging p = paging(PG32, 0x1000, CR4_PAE, 0);
	put64(0x2000 + 0 * 8, 0x0 | PS | P);
	put64(0x3000 + 0 * 8, 0x200000 | PS | P);
	put64(0x1000, 0x2000 | P);
	/* The CPU's copy wins over the table in memory. */
	uint64_t loaded[4] = { 0x3000 | P, 0, 0, 0 };
	expect_gpa(&p, 0x1234, GUEST_READ, 0x1234);
	p.pdptes = loaded;
	expect_gpa(&p, 0x1234, GUEST_READ, 0x201234);
	expect_fault(&p, 0x40000000, GUEST_READ, 0);
	/* Reserved: bits 2:1, 8:5, 63:MAXPHYADDR (no XD in a PDPTE). */
	const uint64_t bad[] = { RW, US, A, PS, 1u << 8, 1ull << 40, XD };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		loaded[0] = 0x3000 | P | bad[i];
		expect_fault(&p, 0x1234, GUEST_READ, PF_P | PF_RSVD);
	}
	/* A PDPT outside RAM. */
	p.pdptes = NULL;
	p.cr3 = 0x40000000;
	expect_not_ram(&p, 0xc0000000, 0x40000018);
}

/* 4-level paging: PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
static struct guest_paging four_level(void)
{
	struct guest_paging p = paging(PG32, 0x1000, CR4_PAE, LONG);
	put64(0x1000 + 0x1ff * 8, 0x2000 | P | RW | US);
	put64(0x2000 + 0x1ff * 8, 0x3000 | P | RW | US);
	put64(0x3000 + 0x1f7 * 8, 0x4000 | P | RW | US);
	put64(0x4000 + 0 * 8, 0xfee00000 | P | RW);
	return p;
}
#define LAPIC_VA 0xfffffffffee00000ull

static void paging_4level(void **state)
{
	(void)state;
	struct guest_paging p = four_level();
	expect_gpa(&p, LAPIC_VA + 0x30, GUEST_READ, 0xfee00030);
	assert_int_equal(get64(0x1ff8), 0x2000 | P | RW | US | A);
	assert_int_equal(get64(0x2ff8), 0x3000 | P | RW | US | A);
	assert_int_equal(get64(0x3000 + 0x1f7 * 8), 0x4000 | P | RW | US | A);
	assert_int_equal(get64(0x4000), 0xfee00000 | P | RW | A);
	expect_gpa(&p, LAPIC_VA + 0x300, GUEST_WRITE, 0xfee00300);
	assert_int_equal(get64(0x4000), 0xfee00000 | P | RW | A | D);
	/* 2 MiB and 1 GiB pages. */
	put64(0x3000 + 0x1f6 * 8, 0xfec00000 | PS | P | RW);
	expect_gpa(&p, 0xfffffffffec01234ull, GUEST_WRITE, 0xfec01234);
	assert_int_equal(get64(0x3000 + 0x1f6 * 8), 0xfec00000 | PS | P | RW | A | D);
	put64(0x2000 + 0x1fe * 8, 0x80c0000000ull | PS | P | RW);
	expect_gpa(&p, 0xffffffffbfedcba9ull, GUEST_READ, 0x80ffedcba9ull);
	/* A CPU without 1 GiB pages: PS in a PDPTE is reserved. */
	p.pages_1g = false;
	expect_fault(&p, 0xffffffffbfedcba9ull, GUEST_READ, PF_P | PF_RSVD);
	p.pages_1g = true;
	/* 1 GiB pages: bits 29:13 reserved. PS in a PML4E is reserved. */
	put64(0x2000 + 0x1fe * 8, 0x80c0000000ull | 1u << 29 | PS | P | RW);
	expect_fault(&p, 0xffffffffbfedcba9ull, GUEST_READ, PF_P | PF_RSVD);
	put64(0x1000, 0x5000 | PS | P);
	expect_fault(&p, 0x1000, GUEST_WRITE, PF_P | PF_RSVD | PF_W);
	/* Bits 51:MAXPHYADDR reserved, 62:52 ignored. */
	put64(0x4000 + 1 * 8, 1ull << 40 | 0x7000 | P);
	expect_fault(&p, LAPIC_VA + 0x1000, GUEST_READ, PF_P | PF_RSVD);
	put64(0x4000 + 1 * 8, 0x7ffull << 52 | 0x7000 | P);
	expect_gpa(&p, LAPIC_VA + 0x1008, GUEST_READ, 0x7008);
	p.maxphyaddr = 52;
	put64(0x4000 + 1 * 8, 1ull << 51 | 0x7000 | P);
	expect_gpa(&p, LAPIC_VA + 0x1008, GUEST_READ, (1ull << 51) | 0x7008);
}

static void paging_5level(void **state)
{
	(void)state;
	struct guest_paging p = four_level();
	p.cr4 |= CR4_LA57;
	p.cr3 = 0x5000;
	put64(0x5000 + 0x1ff * 8, 0x1000 | P | RW | US);
	expect_gpa(&p, LAPIC_VA + 0x30, GUEST_READ, 0xfee00030);
	assert_int_equal(get64(0x5ff8), 0x1000 | P | RW | US | A);
	put64(0x5000 + 0x100 * 8, 0x1000 | P | PS);
	expect_fault(&p, 0xff00000000000000ull, GUEST_READ, PF_P | PF_RSVD);
}

static void not_present_at_each_level(void **state)
{
	(void)state;
	const uint64_t entries[] = { 0x1ff8, 0x2ff8, 0x3000 + 0x1f7 * 8, 0x4000 };
	for (size_t i = 0; i < 4; i++) {
		struct guest_paging p = four_level();
		put64(entries[i], get64(entries[i]) & ~(uint64_t)P);
		expect_fault(&p, LAPIC_VA, GUEST_READ, 0);
		expect_fault(&p, LAPIC_VA, GUEST_WRITE, PF_W);
		expect_fault(&p, LAPIC_VA, GUEST_FETCH, PF_I);
		p.cpl = 3;
		expect_fault(&p, LAPIC_VA, GUEST_WRITE, PF_W | PF_U);
		/* The entries above the missing one were used, so they are accessed; it is not. */
		for (size_t j = 0; j < 4; j++)
			assert_int_equal(!!(get64(entries[j]) & A), j < i);
	}
}

static void write_protection(void **state)
{
	(void)state;
	struct guest_paging p = four_level();
	put64(0x2ff8, 0x3000 | P | US); /* read-only from the PDPTE down */
	expect_gpa(&p, LAPIC_VA, GUEST_READ, 0xfee00000);
	expect_fault(&p, LAPIC_VA, GUEST_WRITE, PF_P | PF_W);
	assert_int_equal(get64(0x4000), 0xfee00000 | P | RW | A); /* no dirty flag */
	p.cr0 &= ~CR0_WP; /* supervisor writes ignore R/W */
	expect_gpa(&p, LAPIC_VA, GUEST_WRITE, 0xfee00000);
	assert_int_equal(get64(0x4000), 0xfee00000 | P | RW | A | D);
	put64(0x4000, 0xfee00000 | P | RW | US);
	p.cpl = 3; /* users never do */
	expect_fault(&p, LAPIC_VA, GUEST_WRITE, PF_P | PF_W | PF_U);
	expect_gpa(&p, LAPIC_VA, GUEST_READ, 0xfee00000);
}

static void user_and_supervisor_pages(void **state)
{
	(void)state;
	struct guest_paging p = four_level();
	p.cpl = 3;
	/* The PTE is a supervisor page: a user access faults with P set, whatever its kind. */
	expect_fault(&p, LAPIC_VA, GUEST_READ, PF_P | PF_U);
	expect_fault(&p, LAPIC_VA, GUEST_FETCH, PF_P | PF_U | PF_I);
	/* Such a permission fault sets the flags above the leaf, not the leaf's. */
	assert_int_equal(get64(0x3000 + 0x1f7 * 8) & A, A);
	assert_int_equal(get64(0x4000) & A, 0);
	put64(0x4000, 0xfee00000 | P | RW | US);
	expect_gpa(&p, LAPIC_VA, GUEST_WRITE, 0xfee00000);
	/* One supervisor entry on the way is enough. */
	put64(0x2ff8, 0x3000 | P | RW);
	expect_fault(&p, LAPIC_VA, GUEST_WRITE, PF_P | PF_W | PF_U);
	p.cpl = 1; /* CPL 1 and 2 are supervisor */
	expect_gpa(&p, LAPIC_VA, GUEST_WRITE, 0xfee00000);
}

static void no_execute(void **state)
{
	(void)state;
	struct guest_paging p = four_level();
	put64(0x2ff8, 0x3000 | P | RW | US | XD); /* XD above the leaf */
	expect_gpa(&p, LAPIC_VA, GUEST_READ, 0xfee00000);
	expect_fault(&p, LAPIC_VA, GUEST_FETCH, PF_P | PF_I);
	put64(0x2ff8, 0x3000 | P | RW | US);
	expect_gpa(&p, LAPIC_VA, GUEST_FETCH, 0xfee00000);
	/* 32-bit paging without SMEP: a fetch fault has no I/D bit. */
	p = paging(PG32, 0x1000, 0, EFER_NXE);
	expect_fault(&p, 0x1000, GUEST_FETCH, 0);
	p.cr4 = CR4_SMEP;
	expect_fault(&p, 0x1000, GUEST_FETCH, PF_I);
}

static void smep_and_smap(void **state)
{
	(void)state;
	struct guest_paging p = four_level();
	put64(0x4000, 0xfee00000 | P | RW | US); /* a user page */
	p.cr4 |= CR4_SMEP;
	expect_fault(&p, LAPIC_VA, GUEST_FETCH, PF_P | PF_I);
	p.cpl = 3;
	expect_gpa(&p, LAPIC_VA, GUEST_FETCH, 0xfee00000);
	p.cpl = 0;
	p.cr4 |= CR4_SMAP;
	expect_fault(&p, LAPIC_VA, GUEST_READ, PF_P);
	expect_fault(&p, LAPIC_VA, GUEST_WRITE, PF_P | PF_W);
	p.ac = true; /* explicit supervisor accesses with RFLAGS.AC pass */
	expect_gpa(&p, LAPIC_VA, GUEST_WRITE, 0xfee00000);
	p.ac = false;
	p.cpl = 3; /* SMAP says nothing of user accesses */
	expect_gpa(&p, LAPIC_VA, GUEST_WRITE, 0xfee00000);
	/* Supervisor pages are not affected. */
	put64(0x4000, 0xfee00000 | P | RW);
	p.cpl = 0;
	expect_gpa(&p, LAPIC_VA, GUEST_WRITE, 0xfee00000);
	expect_gpa(&p, LAPIC_VA, GUEST_FETCH, 0xfee00000);
}

static void tables_outside_ram(void **state)
{
	(void)state;
	struct guest_paging p = four_level();
	put64(0x3000 + 0x1f7 * 8, 0x80000000 | P | RW);
	expect_not_ram(&p, LAPIC_VA + 0x10, 0x80000000);
	p.cr3 = 0xfee00000;
	expect_not_ram(&p, LAPIC_VA, 0xfee00ff8);
	p = paging(PG32, 0x1000, 0, 0);
	put32(0x1000 + 0x3ff * 4, 0xfffff000 | P);
	expect_not_ram(&p, 0xfffff004, 0xfffffffc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paging_off_is_identity_with_32_bit_linear_addresses),
		cmocka_unit_test(paging_32bit_4k),
		cmocka_unit_test(paging_32bit_4m_with_pse_and_pse36),
		cmocka_unit_test(paging_pae),
		cmocka_unit_test(pae_pdptes),
		cmocka_unit_test(paging_4level),
		cmocka_unit_test(paging_5level),
		cmocka_unit_test(not_present_at_each_level),
		cmocka_unit_test(write_protection),
		cmocka_unit_test(user_and_supervisor_pages),
		cmocka_unit_test(no_execute),
		cmocka_unit_test(smep_and_smap),
		cmocka_unit_test(tables_outside_ram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
