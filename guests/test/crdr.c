/* crdr: random writes to the control and debug registers, as a hostile kernel makes them:
 * count=<n> operations (default 20000) from seed=<s> (default 1). Each picks one of CR0, CR2,
 * CR3, CR4, CR8, DR0-DR3, DR6 and DR7 and writes it with random bits flipped, or a random
 * value. A write either faults, leaving the register as it was (#GP; #DB where an earlier
 * write set DR7.GD, general detect), or takes effect: the register reads back the value, as
 * far as the CPU defines it. Then the register is put back. CR0 gets only its defined bits
 * and bits 63:32 flipped (a CPU ignores its other reserved bits), PE and PG (#GP in 64-bit
 * code) and NW without CD (#GP) only without no-cr0-cr3-gp; CR3 PWT, PCD and, without no-cr0-cr3-gp, bits 62:52,
 * reserved in 64-bit mode on both vendors (bit 63 means no flush with PCIDE, and the
 * address bits below 52 are the CPU's to have or not); CR4 any bit, or, with no-cr4-gp,
 * only bits 10:0, which every x86-64 CPU has, but PAE (#GP in 64-bit mode); CR8 any value,
 * above 15 now and then.
 * (The no- words are for emulators that take writes a CPU refuses.) Prints "crdr: <n> operations, seed <s>: <w> written, <g> #GP, <d> #DB", sets CR0.CD
 * and NW (and leaves them set), and returns 1 if a check failed, else 0. */
#include "guests/lib/guest.h"

#define CR0_DEFINED 0xe005003full /* PE MP EM TS ET NE, WP, AM, NW CD PG */
#define CR0_FLIPPED 0x6005002eull /* MP EM TS NE WP AM NW CD: the bits a write may keep */
#define CR0_PE_PG 0x80000001ull
#define CR0_CD_NW (CR0_CD | CR0_NW)
#define CR4_EVERY_CPU_BUT_PAE 0x7dfull /* VME ... OSXMMEXCPT, but PAE */
#define CR3_PWT_PCD 0x18ull
#define DR7_GD (1ull << 13)
#define DR7_INIT 0x400ull
#define VECTOR_DB 1
#define VECTOR_GP 13

static struct checks c = { .prog = "crdr" };
static struct xorshift64 r;
static uint64_t written, faults_gp, faults_db;

/* Reads and writes of each register: the MOV is 3 bytes with RAX (0F 2x /r), 4 for CR8
 * (a REX prefix), which a fault skips. */
#define CR_READ(n) ({ uint64_t v_; __asm__ volatile("mov %%cr" #n ", %0" : "=a"(v_)); v_; })
#define DR_READ(n) ({ uint64_t v_; __asm__ volatile("mov %%db" #n ", %0" : "=a"(v_)); v_; })

static uint64_t read_once(unsigned reg)
{
	switch (reg) {
	case 0: return CR_READ(0);
	case 2: return CR_READ(2);
	case 3: return CR_READ(3);
	case 4: return CR_READ(4);
	case 8: return CR_READ(8);
	case 10: return DR_READ(0);
	case 11: return DR_READ(1);
	case 12: return DR_READ(2);
	case 13: return DR_READ(3);
	case 16: return DR_READ(6);
	default: return DR_READ(7);
	}
}

/* A debug register access after DR7.GD is set raises #DB first, which clears GD (SDM vol.3
 * §18.2.4): then it is made again. */
static uint64_t read_reg(unsigned reg)
{
	if (reg < 10)
		return read_once(reg);
	guest_expect_trap(3);
	uint64_t v = read_once(reg);
	if (guest_trap_vector(NULL) != VECTOR_DB)
		return v;
	faults_db++;
	return read_once(reg);
}

/* Writes reg (0-8: CRn, 10-17: DRn-10); returns the vector it raised, or -1. */
static int write_reg(unsigned reg, uint64_t v)
{
	guest_expect_trap(reg == 8 ? 4 : 3);
	switch (reg) {
	case 0: __asm__ volatile("mov %0, %%cr0" : : "a"(v) : "memory"); break;
	case 2: __asm__ volatile("mov %0, %%cr2" : : "a"(v) : "memory"); break;
	case 3: __asm__ volatile("mov %0, %%cr3" : : "a"(v) : "memory"); break;
	case 4: __asm__ volatile("mov %0, %%cr4" : : "a"(v) : "memory"); break;
	case 8: __asm__ volatile("mov %0, %%cr8" : : "a"(v) : "memory"); break;
	case 10: __asm__ volatile("mov %0, %%db0" : : "a"(v) : "memory"); break;
	case 11: __asm__ volatile("mov %0, %%db1" : : "a"(v) : "memory"); break;
	case 12: __asm__ volatile("mov %0, %%db2" : : "a"(v) : "memory"); break;
	case 13: __asm__ volatile("mov %0, %%db3" : : "a"(v) : "memory"); break;
	case 16: __asm__ volatile("mov %0, %%db6" : : "a"(v) : "memory"); break;
	default: __asm__ volatile("mov %0, %%db7" : : "a"(v) : "memory"); break;
	}
	return guest_trap_vector(NULL);
}

static int write_reg_past_gd(unsigned reg, uint64_t v)
{
	int vector = write_reg(reg, v);
	if (vector != VECTOR_DB || reg < 10)
		return vector;
	faults_db++;
	return write_reg(reg, v);
}

/* The value to write: bits of the present one flipped, or, for the CRs and DRs that take
 * any address, a random one. */
static bool cr0_cr3_any, cr4_any; /* what faults too: the command line's no-...-gp */

static uint64_t pick_value(unsigned reg, uint64_t now)
{
	uint64_t x = xorshift64_next(&r), high = 1ull << (32 + x % 32);
	bool rare = (x >> 8) % 8 == 0;
	switch (reg) {
	case 0: {
		uint64_t v = now ^ (rare ? ((x >> 16) & 1 ? high : cr0_cr3_any ? CR0_PE_PG : 0) : (x >> 16) & CR0_FLIPPED);
		return cr0_cr3_any || !(v & CR0_NW) ? v : v | CR0_CD; /* NW without CD: #GP */
	}
	case 2: return xorshift64_next(&r);
	case 3: return now ^ (cr0_cr3_any && rare ? 1ull << (52 + x % 11) : (x >> 16) & CR3_PWT_PCD);
	case 4: return now ^ (cr4_any ? (rare ? high : 1ull << ((x >> 16) % 32)) : CR4_EVERY_CPU_BUT_PAE & (1ull << ((x >> 16) % 11)));
	case 8: return rare ? (x >> 16) : (x >> 16) & 15;
	case 16:
	case 17: return rare ? (x >> 16) | high : (uint32_t)(x >> 16);
	default: return xorshift64_next(&r); /* DR0-DR3: a linear address, any */
	}
}

/* What reg must read after value was written and taken. */
static bool reads_back(unsigned reg, uint64_t value, uint64_t got)
{
	if (reg == 0)
		return got == ((value & CR0_DEFINED) | CR0_ET);
	if (reg == 16 || reg == 17)
		return (got >> 32) == 0; /* their fixed bits differ between CPUs */
	return got == value;
}

static void operation(void)
{
	static const unsigned regs[] = { 0, 2, 3, 4, 8, 10, 11, 12, 13, 16, 17 };
	unsigned reg = regs[xorshift64_next(&r) % (sizeof(regs) / sizeof(regs[0]))];
	uint64_t before = read_reg(reg), value = pick_value(reg, before);
	int vector = write_reg(reg, value); /* DR7.GD is clear here: put back after each */
	uint64_t after = read_reg(reg);
	if (vector == -1) {
		written++;
		check(&c, reads_back(reg, value, after), "reg %u: wrote 0x%lx, reads 0x%lx", reg, value, after);
	} else {
		faults_gp += vector == VECTOR_GP;
		check(&c, vector == VECTOR_GP, "reg %u: writing 0x%lx raised exception %d", reg, value, vector);
		check(&c, after == before, "reg %u: 0x%lx after a refused write, was 0x%lx", reg, after, before);
	}
	check(&c, write_reg_past_gd(reg, before) == -1, "reg %u: putting back 0x%lx faulted", reg, before);
	check(&c, write_reg_past_gd(17, DR7_INIT) == -1, "DR7: putting back 0x400 faulted");
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t count = 20000, seed = 1;
	cmdline_u64(boot->cmdline, "count", &count);
	cmdline_u64(boot->cmdline, "seed", &seed);
	cr0_cr3_any = !cmdline_has_word(boot->cmdline, "no-cr0-cr3-gp");
	cr4_any = !cmdline_has_word(boot->cmdline, "no-cr4-gp");
	xorshift64_seed(&r, seed);
	guest_traps_init();
	unsigned failed_before = 0;
	for (uint64_t op = 0; op < count; op++) {
		operation();
		if (c.failed > failed_before + 20)
			break; /* enough to go on */
	}
	guest_printf("crdr: %lu operations, seed %lu: %lu written, %lu #GP, %lu #DB\n", count, seed, written, faults_gp,
		     faults_db);
	/* It ends with its caches disabled: that must stay its own (the host's CR0 is checked
	 * when Keel ends). */
	uint64_t cr0 = read_reg(0) | CR0_CD_NW;
	check(&c, write_reg(0, cr0) == -1 && read_reg(0) == cr0, "CR0: CD and NW not set");
	return checks_summary(&c) ? 1 : 0;
}
