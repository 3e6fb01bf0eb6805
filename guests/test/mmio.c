/* mmio: instructions that reach guest-physical space nothing backs, where Keel fetches,
 * decodes and runs them itself (vmm/emulate.c): each form of the MMIO emulator's (MOV in its
 * forms, MOVZX, MOVSX, ADD, OR, AND, SUB, XOR, CMP, TEST, XCHG, BT, BTS, BTR, LOCK, a
 * segment override, a 64-bit absolute address, REP MOVS and REP STOS) runs twice: on RAM
 * that holds all ones, where the CPU runs it, and on the MMIO hole at 0xf0000000, where
 * nothing answers, so that Keel's bus reads all ones and drops writes. The registers and
 * the flags the instruction defines must come out the same; a write to the hole must read
 * back as all ones. Also a MOV across two pages of the hole (check_mov_across_pages), a
 * read of the VGA window (0xb8000), a 64-bit absolute load, a REP MOVSB that faults part
 * way (check_rep_fault), and string port I/O (check_string_io),
 * whose REP OUTSB prints "mmio: rep outsb works" on port 0xe9. "mmio: <n> forms, each as the
 * CPU runs it on all ones", then the checks' summary; the exit status is the number of
 * failed checks. With unsupported it then runs ADC on the hole, which Keel does not
 * emulate, and the domain ends. check_remap: one linear page, remapped between two accesses,
 * reaches first the local APIC and then the I/O APIC, as the page tables say at each;
 * check_fetch_fault: Keel's fetch of an instruction through an entry cleared under the CPU
 * gives the guest the #PF a fetch raises; check_memoized_code: code rewritten or remapped
 * at the address of an instruction Keel ran before is decoded anew. */
#include "guests/lib/guest.h"
#include "guests/lib/paging.h"
#include "lib/string.h"

#define HOLE 0xf0000000ull
#define VGA 0xb8000ull
#define ARITH_FLAGS 0x8d5ull /* CF, PF, AF, ZF, SF, OF */
#define LOGIC_FLAGS 0x8c5ull /* AF is undefined after AND, OR, XOR, TEST */
#define BT_FLAGS 0x001ull    /* only CF is defined after BT, BTS, BTR */

struct state {
	uint64_t rax, rcx, rsi, rdi, flags;
};

static struct checks c = { .prog = "mmio" };
static uint8_t ram[4096] __attribute__((aligned(4096)));
static uint8_t copy[4096] __attribute__((aligned(4096)));

/* One form: insn runs with m (the memory operand's base) in RDX, RAX, RCX, RSI and RDI from
 * s, the flags from s (arithmetic ones cleared, DF clear), and leaves them in s. */
#define FORM(name, insn)                                                                              \
	static void name(uint64_t m, struct state *s)                                                 \
	{                                                                                             \
		__asm__ volatile("push %[fl]; popfq; " insn "; pushfq; pop %[fl]"                     \
				 : [fl] "+r"(s->flags), "+a"(s->rax), "+c"(s->rcx), "+S"(s->rsi), "+D"(s->rdi) \
				 : "d"(m)                                                             \
				 : "memory");                                                         \
	}

FORM(mov8_load, "movb (%%rdx), %%al")
FORM(mov16_load, "movw (%%rdx), %%ax")
FORM(mov32_load, "movl (%%rdx), %%eax")
FORM(mov64_load, "movq (%%rdx), %%rax")
FORM(mov8_store, "movb %%al, (%%rdx)")
FORM(mov32_imm_store, "movl $0x12345678, (%%rdx)")
FORM(movzx8, "movzbl (%%rdx), %%eax")
FORM(movsx16, "movswq (%%rdx), %%rax")
FORM(add_load, "addl (%%rdx), %%eax")
FORM(add_store, "addl %%eax, (%%rdx)")
FORM(add_imm8, "addl $1, (%%rdx)")
FORM(or_imm_byte, "orb $0x10, (%%rdx)")
FORM(and_load64, "andq (%%rdx), %%rax")
FORM(sub_store16, "subw %%ax, (%%rdx)")
FORM(xor_load, "xorl (%%rdx), %%eax")
FORM(cmp_imm, "cmpl $5, (%%rdx)")
FORM(cmp_byte, "cmpb %%al, (%%rdx)")
FORM(test_reg, "testl %%eax, (%%rdx)")
FORM(test_imm, "testb $0x80, (%%rdx)")
FORM(xchg, "xchgl %%eax, (%%rdx)")
FORM(bt_imm, "btl $3, (%%rdx)")
FORM(bt_reg, "btl %%eax, (%%rdx)")
FORM(bts_imm64, "btsq $63, (%%rdx)")
FORM(btr_reg, "btrl %%ecx, (%%rdx)")
FORM(lock_or, "lock orl $1, (%%rdx)")
FORM(gs_load, "movl %%gs:(%%rdx), %%eax")
FORM(rep_movsb, "rep movsb")
FORM(rep_stosl, "rep stosl")

struct form {
	const char *name;
	void (*run)(uint64_t m, struct state *s);
	uint64_t flags; /* the flags the form defines */
	uint64_t rax, rcx; /* what it starts with */
};

static const struct form forms[] = {
	{ "mov8_load", mov8_load, 0, 0x1122334455667788, 0 },
	{ "mov16_load", mov16_load, 0, 0x1122334455667788, 0 },
	{ "mov32_load", mov32_load, 0, 0x1122334455667788, 0 },
	{ "mov64_load", mov64_load, 0, 0, 0 },
	{ "mov8_store", mov8_store, 0, 0x42, 0 },
	{ "mov32_imm_store", mov32_imm_store, 0, 0, 0 },
	{ "movzx8", movzx8, 0, ~0ull, 0 },
	{ "movsx16", movsx16, 0, 0, 0 },
	{ "add_load", add_load, ARITH_FLAGS, 1, 0 },
	{ "add_store", add_store, ARITH_FLAGS, 2, 0 },
	{ "add_imm8", add_imm8, ARITH_FLAGS, 0, 0 },
	{ "or_imm_byte", or_imm_byte, LOGIC_FLAGS, 0, 0 },
	{ "and_load64", and_load64, LOGIC_FLAGS, 0xf0f0f0f0f0f0f0f0, 0 },
	{ "sub_store16", sub_store16, ARITH_FLAGS, 0x8001, 0 },
	{ "xor_load", xor_load, LOGIC_FLAGS, 0x0f0f0f0f, 0 },
	{ "cmp_imm", cmp_imm, ARITH_FLAGS, 0, 0 },
	{ "cmp_byte", cmp_byte, ARITH_FLAGS, 0x80, 0 },
	{ "test_reg", test_reg, LOGIC_FLAGS, 0x80000000, 0 },
	{ "test_imm", test_imm, LOGIC_FLAGS, 0, 0 },
	{ "xchg", xchg, 0, 0x5a5a5a5a, 0 },
	{ "bt_imm", bt_imm, BT_FLAGS, 0, 0 },
	{ "bt_reg", bt_reg, BT_FLAGS, 17, 0 },
	{ "bts_imm64", bts_imm64, BT_FLAGS, 0, 0 },
	{ "btr_reg", btr_reg, BT_FLAGS, 0, 9 },
	{ "lock_or", lock_or, LOGIC_FLAGS, 0, 0 },
	{ "gs_load", gs_load, 0, 0, 0 },
	{ "rep_movsb", rep_movsb, 0, 0, 100 },
	{ "rep_stosl", rep_stosl, 0, 0xabcdef01, 200 },
};

/* The form on memory at m. REP MOVSB copies from m into copy, REP STOSL stores at
 * m + 0x100; RSI and RDI come back as their distance from where they started, the same
 * whichever m. */
static struct state run(const struct form *f, uint64_t m)
{
	bool movs = f->run == rep_movsb;
	uint64_t rsi = movs ? m : (uint64_t)(uintptr_t)copy, rdi = movs ? (uint64_t)(uintptr_t)copy : m + 0x100;
	struct state s = { .rax = f->rax, .rcx = f->rcx, .rsi = rsi, .rdi = rdi, .flags = 0x2 };
	memset(copy, 0, sizeof(copy));
	f->run(m, &s);
	s.rsi -= rsi;
	s.rdi -= rdi;
	return s;
}

static void check_form(const struct form *f)
{
	memset(ram, 0xff, sizeof(ram));
	struct state cpu = run(f, (uint64_t)(uintptr_t)ram);
	uint8_t copied[128];
	memcpy(copied, copy, sizeof(copied));
	struct state keel = run(f, HOLE);
	bool same = cpu.rax == keel.rax && cpu.rcx == keel.rcx && cpu.rsi == keel.rsi && cpu.rdi == keel.rdi &&
		    (cpu.flags & f->flags) == (keel.flags & f->flags);
	check(&c, same, "%s: rax %lx rcx %lx rsi %ld rdi %ld flags %lx on RAM, rax %lx rcx %lx rsi %ld rdi %ld "
	      "flags %lx on the hole", f->name, cpu.rax, cpu.rcx, (long)cpu.rsi, (long)cpu.rdi, cpu.flags & f->flags,
	      keel.rax, keel.rcx, (long)keel.rsi, (long)keel.rdi, keel.flags & f->flags);
	if (f->run == rep_movsb)
		check(&c, !memcmp(copied, copy, sizeof(copied)), "rep_movsb: what it copied from the hole differs");
}

/* REP MOVSB from RAM to the last 10 bytes below 4 GiB, in the hole, and on across 4 GiB,
 * which the identity map does not cover: Keel copies 10 bytes, then the guest gets the
 * page fault of the 11th, a write to a page not present (error code 0x2, CR2 = 4 GiB), with
 * RCX, RSI and RDI standing at the element that faulted (SDM vol.2 "REP": a fault leaves the
 * registers as the last completed iteration did). */
static void check_rep_fault(void)
{
	uint64_t rcx = 100, rsi = (uint64_t)(uintptr_t)ram, rdi = 0x100000000ull - 10;
	uint32_t error_code = 0;
	guest_traps_init();
	guest_expect_trap(2);
	__asm__ volatile("rep movsb" : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
	int vector = guest_trap_vector(&error_code);
	uint64_t cr2 = read_cr2();
	check(&c, vector == 14 && error_code == 2 && cr2 == 0x100000000ull,
	      "rep_movsb_fault: exception %d, error code 0x%x, cr2 0x%lx: expected 14, 0x2, 0x100000000", vector,
	      error_code, cr2);
	check(&c, rcx == 90 && rsi == (uint64_t)(uintptr_t)ram + 10 && rdi == 0x100000000ull,
	      "rep_movsb_fault: rcx %lu, rsi +%lu, rdi 0x%lx: expected 90, +10, 0x100000000", rcx,
	      rsi - (uint64_t)(uintptr_t)ram, rdi);
}

/* A MOV whose operand crosses from one page of the hole into the next: the exit gives
 * the first page's address, so Keel translates the second itself (the executor's way, not
 * the short way of a MOV the fault gave whole). A 4-byte load 2 bytes before the end of a
 * page reads all ones; a 4-byte store there goes nowhere, and reads back as all ones. */
static void check_mov_across_pages(void)
{
	volatile uint32_t *across = (volatile uint32_t *)(uintptr_t)(HOLE + 0xffe);
	uint32_t loaded = *across;
	*across = 0x12345678;
	uint32_t back = *across;
	check(&c, loaded == 0xffffffff && back == 0xffffffff,
	      "a 4-byte MOV across two pages of the hole reads 0x%x, then 0x%x after a store, expected all ones", loaded,
	      back);
}

/* A port no device of a PC has, nor of Keel's. */
#define NO_DEVICE_PORT 0x2f0

/* REP OUTSB or REP INSB of count bytes at p that faults part way: 4 GiB - ahead, in the
 * hole, where the bytes read all ones or go nowhere, then 4 GiB, which the identity map
 * does not cover: the page fault of a read (0x0) or write (0x2) at 4 GiB, with RCX and
 * RSI or RDI standing at that element. */
static void check_string_fault(bool ins, uint64_t ahead)
{
	uint64_t count = 20, p = 0x100000000ull - ahead;
	uint32_t error_code = 0;
	guest_expect_trap(2);
	if (ins)
		__asm__ volatile("rep insb" : "+c"(count), "+D"(p) : "d"((uint16_t)NO_DEVICE_PORT) : "memory");
	else
		__asm__ volatile("rep outsb" : "+c"(count), "+S"(p) : "d"((uint16_t)NO_DEVICE_PORT) : "memory");
	int vector = guest_trap_vector(&error_code);
	uint64_t cr2 = read_cr2();
	check(&c, vector == 14 && error_code == (ins ? 2u : 0u) && cr2 == 0x100000000ull && count == 20 - ahead &&
	      p == 0x100000000ull, "rep %s: exception %d, error code 0x%x, cr2 0x%lx, rcx %lu, pointer 0x%lx",
	      ins ? "insb" : "outsb", vector, error_code, cr2, count, p);
}

/* String port I/O, which Keel runs itself too: the exit names the port, not the memory
 * operand. REP OUTSB of a line to the debug console; REP INSB from a port nothing owns
 * (all ones); REP INSW backwards (DF set); REP INSL from the UART's line status register,
 * each element what a plain IN reads; then the two faults. */
static void check_string_io(void)
{
	static const char line[] = "mmio: rep outsb works\n";
	const char *p = line;
	uint64_t count = sizeof(line) - 1;
	__asm__ volatile("rep outsb" : "+S"(p), "+c"(count) : "d"((uint16_t)DEBUG_PORT) : "memory");
	check(&c, count == 0 && p == line + sizeof(line) - 1, "rep outsb: rcx %lu, rsi +%ld", count, (long)(p - line));
	memset(copy, 0, sizeof(copy));
	uint8_t *q = copy;
	count = 100;
	__asm__ volatile("rep insb" : "+D"(q), "+c"(count) : "d"((uint16_t)NO_DEVICE_PORT) : "memory");
	bool ones = true;
	for (unsigned i = 0; i < 100; i++)
		ones = ones && copy[i] == 0xff;
	check(&c, ones && copy[100] == 0 && q == copy + 100 && count == 0, "rep insb: rcx %lu, rdi +%ld", count,
	      (long)(q - copy));
	q = copy + 300; /* the last word of ten: 282-301 */
	count = 10;
	__asm__ volatile("std; rep insw; cld" : "+D"(q), "+c"(count) : "d"((uint16_t)NO_DEVICE_PORT) : "memory");
	ones = copy[281] == 0 && copy[302] == 0;
	for (unsigned i = 282; i < 302; i++)
		ones = ones && copy[i] == 0xff;
	check(&c, ones && q == copy + 280 && count == 0, "rep insw backwards: rcx %lu, rdi %+ld", count,
	      (long)(q - copy - 300));
	uint32_t lsr[4] = { 0 }, *l = lsr;
	count = 4;
	__asm__ volatile("rep insl" : "+D"(l), "+c"(count) : "d"((uint16_t)(UART_BASE + UART_LSR)) : "memory");
	uint32_t plain = inl(UART_BASE + UART_LSR);
	check(&c, lsr[0] == plain && lsr[1] == plain && lsr[2] == plain && lsr[3] == plain && l == lsr + 4,
	      "rep insl from the UART: 0x%x 0x%x 0x%x 0x%x, in reads 0x%x", lsr[0], lsr[1], lsr[2], lsr[3], plain);
	check_string_fault(false, 5);
	check_string_fault(true, 3);
}

/* The 2 MiB page at linear 8 GiB, through a directory of its own (as guests/lib/high.c
 * hangs one), maps first the local APIC's page at 0xfee00000, then the I/O APIC's at
 * 0xfec00000: Keel remembers the walks it did, and must walk again once the directory entry
 * changed (INVLPG, as the SDM asks of a guest, §4.10.4.1). */
#define REMAP_LINEAR 0x200000000ull
#define LAPIC_VERSION 0x30
#define IOAPIC_INDEX 0x00
#define IOAPIC_DATA 0x10
#define IOAPIC_VERSION_REG 1

static uint64_t directory[512] __attribute__((aligned(4096)));

/* Hangs the directory at linear 8 GiB (on = false: takes it down again). */
static void hang_directory(bool on)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & PTE_ADDR);
	pdpt[REMAP_LINEAR >> 30] = on ? (uint64_t)(uintptr_t)directory | PTE_P | PTE_RW : 0;
	write_cr3(read_cr3());
}

static void check_remap(void)
{
	volatile uint32_t *page = (volatile uint32_t *)(uintptr_t)REMAP_LINEAR;
	directory[0] = 0xfee00000 | PTE_P | PTE_RW | PTE_PS;
	hang_directory(true);
	uint32_t lapic = page[LAPIC_VERSION / 4];
	check(&c, (lapic & 0xff) == 0x14, "the local APIC's version through linear 0x%llx reads 0x%x, expected 0x14",
	      REMAP_LINEAR, lapic & 0xff);
	directory[0] = 0xfec00000 | PTE_P | PTE_RW | PTE_PS;
	__asm__ volatile("invlpg (%0)" : : "r"(page) : "memory");
	page[IOAPIC_INDEX / 4] = IOAPIC_VERSION_REG;
	uint32_t ioapic = page[IOAPIC_DATA / 4];
	check(&c, ioapic == 0x170020, "the I/O APIC's version through linear 0x%llx, remapped, reads 0x%x, "
	      "expected 0x170020", REMAP_LINEAR, ioapic);
	hang_directory(false);
}

/* A page fault on Keel's own fetch of the instruction. A CPU may run on with a translation
 * it holds after the entry changed, until the entry is invalidated (SDM vol.3 §4.10.4.4);
 * Keel, which fetches the instruction again through the guest's tables, finds the entry as
 * it is. A snippet at linear 8 GiB + 2 MiB, through a page table of its own, clears its own
 * page's entry, then reads the local APIC's version: the CPU runs the read from the
 * translation it holds, and it exits; Keel's walk finds the entry clear and gives the guest
 * the #PF of a fetch at the read's RIP. The handler puts the entry back, the read runs
 * again and gives the version. test_mmio.py counts the two nested-paging faults. */
#define FETCH_LINEAR (REMAP_LINEAR + 0x200000)
#define PF_VECTOR 14
#define PF_FETCH 0x10 /* I/D, where NX or SMEP is on (SDM vol.3 §4.7) */
static uint8_t fetch_code[4096] __attribute__((aligned(4096)));
static uint64_t fetch_table[512] __attribute__((aligned(4096)));
static volatile uint64_t fetch_fault_code, fetch_fault_cr2;
static volatile unsigned fetch_faults;

static void map_fetch_code(void)
{
	fetch_table[0] = (uint64_t)(uintptr_t)fetch_code | PTE_P | PTE_RW;
}

static void on_fetch_fault(struct guest_trap_frame *f)
{
	fetch_faults++;
	fetch_fault_code = f->error_code;
	fetch_fault_cr2 = read_cr2();
	map_fetch_code();
	__asm__ volatile("invlpg (%0)" : : "r"(FETCH_LINEAR) : "memory");
}

static void check_fetch_fault(void)
{
	static const uint8_t snippet[] = {
		0x48, 0x89, 0x19, /* mov %rbx, (%rcx): its own page's entry cleared */
		0x8b, 0x02,       /* mov (%rdx), %eax: the local APIC's version */
		0xc3,             /* ret */
	};
	memcpy(fetch_code, snippet, sizeof(snippet));
	map_fetch_code();
	directory[1] = (uint64_t)(uintptr_t)fetch_table | PTE_P | PTE_RW;
	hang_directory(true); /* MOV to CR3 serializes: the snippet is there to fetch */
	guest_trap_handler(PF_VECTOR, on_fetch_fault);
	uint32_t version;
	__asm__ volatile("call *%[code]"
			 : "=a"(version)
			 : [code] "r"(FETCH_LINEAR), "b"(0ull), "c"(&fetch_table[0]), "d"(0xfee00000ull + LAPIC_VERSION)
			 : "memory");
	guest_trap_handler(PF_VECTOR, NULL);
	hang_directory(false);
	check(&c, fetch_faults == 1 && fetch_fault_cr2 == FETCH_LINEAR + 3 && !(fetch_fault_code & ~PF_FETCH) &&
		      (version & 0xff) == 0x14,
	      "a fetch through an entry cleared under it: %u #PF (CR2 0x%lx, error code 0x%lx), version 0x%x",
	      fetch_faults, fetch_fault_cr2, fetch_fault_code, version);
}

/* Keel keeps the instructions it decoded, with their bytes (vmm/insn_memo.h), and must
 * serve one only while the code at its address is still those bytes. The snippet page at
 * FETCH_LINEAR loads the local APIC's version register three times from the same address:
 * as MOV of all 32 bits; rewritten in place, as MOVZX of its low byte; and with the
 * linear page remapped to other code, as MOV of the low byte alone into AL. */
static uint8_t other_code[4096] __attribute__((aligned(4096)));

static uint32_t run_snippet(uint32_t eax)
{
	write_cr3(read_cr3()); /* serializes: the code just written is what runs */
	__asm__ volatile("call *%[code]" : "+a"(eax) : [code] "r"(FETCH_LINEAR), "d"(0xfee00000ull + LAPIC_VERSION)
			 : "memory");
	return eax;
}

static void check_memoized_code(void)
{
	static const uint8_t load32[] = { 0x8b, 0x02, 0xc3 };      /* mov (%rdx), %eax; ret */
	static const uint8_t load8_zx[] = { 0x0f, 0xb6, 0x02, 0xc3 }; /* movzbl (%rdx), %eax; ret */
	static const uint8_t load8[] = { 0x8a, 0x02, 0xc3 };       /* mov (%rdx), %al; ret */
	memcpy(fetch_code, load32, sizeof(load32));
	map_fetch_code();
	directory[1] = (uint64_t)(uintptr_t)fetch_table | PTE_P | PTE_RW;
	hang_directory(true);
	uint32_t version = run_snippet(0);
	memcpy(fetch_code, load8_zx, sizeof(load8_zx));
	uint32_t low = run_snippet(0xaaaaaaaa);
	memcpy(other_code, load8, sizeof(load8));
	fetch_table[0] = (uint64_t)(uintptr_t)other_code | PTE_P | PTE_RW;
	__asm__ volatile("invlpg (%0)" : : "r"(FETCH_LINEAR) : "memory");
	uint32_t merged = run_snippet(0xaaaaaaaa);
	hang_directory(false);
	check(&c, version >> 16 && low == (version & 0xff) && merged == (0xaaaaaa00 | (version & 0xff)),
	      "one address, other code: the version 0x%x, its low byte 0x%x (MOVZX rewritten in place), 0x%x "
	      "(MOV to AL on a page remapped)", version, low, merged);
}

int guest_main(const struct guest_boot *boot)
{
	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		check_form(&forms[i]);
	*(volatile uint32_t *)(uintptr_t)HOLE = 0x12345678;
	uint32_t back = *(volatile uint32_t *)(uintptr_t)HOLE;
	check(&c, back == 0xffffffff, "the hole reads 0x%x after a write, expected all ones", back);
	check_mov_across_pages();
	check_rep_fault();
	check_string_io();
	uint32_t vga = *(volatile uint32_t *)(uintptr_t)VGA;
	check(&c, vga == 0xffffffff, "the VGA window reads 0x%x, expected all ones", vga);
	uint64_t moffs;
	__asm__ volatile("movabsq 0xf0000000, %%rax" : "=a"(moffs));
	check(&c, moffs == ~0ull, "movabs from the hole reads 0x%lx, expected all ones", moffs);
	check_remap();
	check_fetch_fault();
	check_memoized_code();
	guest_printf("mmio: %u forms, each as the CPU runs it on all ones\n",
		     (unsigned)(sizeof(forms) / sizeof(forms[0])));
	int failed = checks_summary(&c);
	if (cmdline_has_word(boot->cmdline, "unsupported")) {
		__asm__ volatile("adcl %%eax, (%0)" : : "r"(HOLE) : "memory");
		guest_printf("mmio: FAILED: ADC on the hole ran on\n");
	}
	return failed;
}
