/* irqchaos: random values written, with random instruction forms, over the interrupt
 * controllers of its virtual PC, as a hostile kernel would: count=<n> operations (default
 * 20000) from xorshift64, seed=<s> (default 1). Each operation is one of:
 *   - the local APIC's xAPIC page at 0xfee00000: a read or write at a random offset and
 *     size (1, 2, 4, 8) in one of the forms Keel's MMIO emulator runs (MOV 88/89/8A/8B/
 *     C6/C7/A0-A3, MOVZX, MOVSX, ADD, OR, AND, SUB, XOR, CMP, TEST, XCHG, BT, BTS, BTR,
 *     LOCK, a high-byte register, disp8, disp32, SIB, a 32-bit address, GS, REP MOVS and
 *     REP STOS, forwards and backwards);
 *   - the I/O APIC at 0xfec00000: a random index into IOREGSEL, then a random value
 *     written to IOWIN or IOWIN read, or a random form anywhere on its page;
 *   - the 8259 PICs: initialisation sequences of random ICWs, random OCW1-OCW3, random
 *     ELCR bytes, reads and poll commands, in single bytes or in 2- and 4-byte OUTs;
 *   - MSRs: x2APIC registers 0x800-0x8ff read and written, IA32_APIC_BASE (random values,
 *     bits flipped, or valid bases with random mode bits) and IA32_TSC_DEADLINE written.
 *     Each MSR access must raise #GP(0) or nothing; those the SDM says fault must fault
 *     (x2APIC MSRs outside x2APIC mode or past 0x83f, §11.12.1.2; APIC_BASE's reserved
 *     bits, §11.4.4), and a refused APIC_BASE write leaves it as it was.
 * The PIT's channel 0 ticks every millisecond (ISA IRQ 0: the PIC's IR0 and the I/O APIC's
 * pin 2) so that the random routes have an interrupt to carry. After an operation, now and
 * then, interrupts are let in (STI, two NOPs, CLI; or a HLT of at most 200 us): handlers
 * for vectors 32-255 count and EOI, one for the NMI counts. What the guest keeps back so
 * that it can go on, and no more:
 *   - vectors 16-31, which its exception stubs would take for exceptions (some with an
 *     error code the CPU does not push for an interrupt): TPR is at least 0x10 while
 *     interrupts are let in (SDM vol.3 §11.8.3.1), and a PIC's vector base (ICW2) is at
 *     least 0x20; vectors 0-15 a local APIC refuses (§11.5.3);
 *   - an interrupt storm (a level-triggered line in automatic EOI, a fast timer): after 64
 *     interrupts the handler returns with interrupts off; a periodic APIC timer gets a
 *     period of 1 ms at least (timer_floor);
 *   - every 128 operations, and at the end, the local APIC is reset through APIC_BASE
 *     (EN cleared: back to its power-up state, §11.4.3) and put back at 0xfee00000 in
 *     xAPIC mode, where it must read as after power-up; then software-enabled with LINT0
 *     ExtINT and LINT1 NMI, as Keel starts it. Between resets it may be relocated, in
 *     x2APIC mode or disabled, so its page reads all ones.
 * Prints "irqchaos: <n> operations, seed <s>: <a> local APIC page, <b> I/O APIC, <c> PIC,
 * <d> MSR (<g> #GP), <r> APIC resets", "irqchaos: <i> interrupts, <m> NMIs" and the
 * checks' summary (one check per MSR operation and per reset); the exit status is the
 * number of failed checks. */
#include "guests/lib/guest.h"

#define LAPIC 0xfee00000ull
#define IOAPIC 0xfec00000ull
#define LAPIC_VERSION 0x30
#define LAPIC_TPR 0x80
#define LAPIC_PPR 0xa0
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ISR 0x100
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LVT_MASKED 0x10000u
#define TIMER_MODE 0x60000u
#define TIMER_PERIODIC 0x20000u
#define MIN_PERIOD_NS 1000000ull
#define IOAPIC_IOWIN 0x10
#define IOAPIC_EOI 0x40
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST_REGISTER 0x83f /* SELF IPI; past it no MSR is an APIC register */
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_RESERVED_LOW 0x2ffull /* bits 7:0 and 9 (§11.4.4) */
#define APIC_BASE_DEFAULT (LAPIC | APIC_BASE_EN | APIC_BASE_BSP)
#define PIC_MASTER 0x20
#define PIC_SLAVE 0xa0
#define PIC_ELCR 0x4d0
#define PIC_ICW1 0x10          /* the A0 = 0 byte with D4 set starts initialisation */
#define PIC_ICW1_IC4 0x01
#define PIC_ICW1_SNGL 0x02
#define PIC_LOWEST_BASE 0x20   /* ICW2: vectors 0-31 are the CPU's exceptions */
#define PIT_CONTROL 0x43
#define PIT_CHANNEL0 0x40
#define PIT_1MS 1193           /* 1.193182 MHz */
#define VECTOR_NMI 2
#define VECTOR_GP 13
#define TPR_FLOOR 0x10
#define WINDOW_MAX 64          /* interrupts in one window before the handler ends it */
#define WAIT_NS 200000ull
#define RESET_EVERY 128

static struct checks c = { .prog = "irqchaos" };
static struct xorshift64 r;
static uint8_t scratch[4096] __attribute__((aligned(4096))); /* what MOVS copies from or to */
static uint64_t maxphyaddr_mask; /* APIC_BASE bits from MAXPHYADDR up are reserved */

/* The local APIC's mode as APIC_BASE last read, and in xAPIC mode its page where the
 * guest's operations reach it (0xfee00000, or 0xfec00000 above the I/O APIC's: Keel's bus
 * gives it the page), else 0. */
static enum { APIC_OFF, APIC_XAPIC, APIC_X2APIC } apic;
static uint64_t lapic_page;
static volatile unsigned interrupts, nmis, in_window;
static uint64_t ops_lapic, ops_ioapic, ops_pic, ops_msr, faults_gp, resets;

static uint64_t rnd(void)
{
	return xorshift64_next(&r);
}

/* ---- Interrupts ---- */

/* Whether the guest reaches the local APIC's registers: as MSRs, or on a page it targets. */
static bool apic_reachable(void)
{
	return apic == APIC_X2APIC || (apic == APIC_XAPIC && lapic_page);
}

/* A register at its xAPIC offset, as MSR 0x800 + offset / 16 in x2APIC mode (§11.12.1.2). */
static uint32_t apic_read(unsigned reg)
{
	if (apic == APIC_X2APIC)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + reg / 16);
	return *(volatile uint32_t *)(uintptr_t)(lapic_page + reg);
}

static void apic_write(unsigned reg, uint32_t value)
{
	if (apic == APIC_X2APIC)
		wrmsr(MSR_X2APIC_FIRST + reg / 16, value);
	else
		*(volatile uint32_t *)(uintptr_t)(lapic_page + reg) = value;
}

static void on_interrupt(struct guest_trap_frame *f)
{
	interrupts++;
	if (apic_reachable())
		apic_write(LAPIC_EOI, 0);
	if (++in_window >= WINDOW_MAX)
		f->rflags &= ~RFLAGS_IF; /* a storm: the window ends at the IRETQ */
}

static void on_nmi(struct guest_trap_frame *f)
{
	(void)f;
	nmis++;
}

/* Lets interrupts in for two instructions, or for a HLT of at most WAIT_NS, with TPR at
 * least 0x10 (written through the APIC's register), which holds back the class of vectors
 * 16-31 (§11.8.3.1). Not while the APIC is where the guest does not reach its TPR; while it
 * is off, only the PICs interrupt. */
static void window(bool wait)
{
	if (apic != APIC_OFF && !apic_reachable())
		return;
	uint32_t tpr = apic == APIC_OFF ? TPR_FLOOR : apic_read(LAPIC_TPR);
	if (tpr < TPR_FLOOR)
		apic_write(LAPIC_TPR, TPR_FLOOR);
	in_window = 0;
	if (wait)
		guest_wait_interrupts(&interrupts, interrupts + 1, WAIT_NS);
	else
		__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	if (tpr < TPR_FLOOR)
		apic_write(LAPIC_TPR, tpr);
}

/* Keel fires a timer at most once in 20 us (vmm/vtimer.h); where taking an interrupt and
 * its EOI costs more than that (Bochs runs 10 million instructions a second) a periodic
 * timer of that period would run its handler back to back, as on a CPU, and this loop
 * would not get on. So its period, the
 * initial count times the divider (figure 11-10: bits 3, 1, 0 = 111 divide by 1, else by 2
 * << those bits), is kept at MIN_PERIOD_NS at least. */
static void timer_floor(void)
{
	if (!apic_reachable() || (apic_read(LAPIC_LVT_TIMER) & TIMER_MODE) != TIMER_PERIODIC)
		return;
	uint32_t divide = apic_read(LAPIC_TIMER_DIVIDE), initial = apic_read(LAPIC_TIMER_INITIAL);
	unsigned shift = (((divide & 3) | ((divide & 8) >> 1)) + 1) & 7;
	if (((uint64_t)initial << shift) < MIN_PERIOD_NS)
		apic_write(LAPIC_TIMER_INITIAL, (uint32_t)(MIN_PERIOD_NS >> shift));
}

/* ---- Instruction forms on device memory ---- */

/* One instruction of each operand size: %0 is v in a register of that size (RAX for the
 * forms that name it), %1 the base register, m - bias, %2 an index register holding 8. */
#define SIZED(insn, bias)                                                                                \
	switch (size) {                                                                                  \
	case 1: { uint8_t x = (uint8_t)v; __asm__ volatile(insn : "+a"(x) : "r"(m - (bias)), "r"(8ull) : "memory", "cc"); v = x; break; } \
	case 2: { uint16_t x = (uint16_t)v; __asm__ volatile(insn : "+a"(x) : "r"(m - (bias)), "r"(8ull) : "memory", "cc"); v = x; break; } \
	case 4: { uint32_t x = (uint32_t)v; __asm__ volatile(insn : "+a"(x) : "r"(m - (bias)), "r"(8ull) : "memory", "cc"); v = x; break; } \
	default: __asm__ volatile(insn : "+a"(v) : "r"(m - (bias)), "r"(8ull) : "memory", "cc"); break;   \
	}

#define FORM(name, insn, bias)                                       \
	static uint64_t name(uint64_t m, unsigned size, uint64_t v) \
	{                                                            \
		SIZED(insn, bias);                                   \
		return v;                                            \
	}

FORM(mov_load, "mov%z0 (%1), %0", 0)
FORM(mov_store, "mov%z0 %0, (%1)", 0)
FORM(mov_imm, "mov%z0 $0x5a, (%1)", 0)
FORM(mov_ones, "mov%z0 $-1, (%1)", 0)
FORM(mov_disp8, "mov%z0 %0, 8(%1)", 8)
FORM(mov_disp32, "mov%z0 %0, 0x400(%1)", 0x400)
FORM(mov_sib, "mov%z0 (%1,%2,4), %0", 32)
FORM(mov_addr32, "mov%z0 %0, (%k1)", 0)
FORM(mov_gs, "mov%z0 %%gs:(%1), %0", 0)
FORM(add_store, "add%z0 %0, (%1)", 0)
FORM(or_store, "or%z0 %0, (%1)", 0)
FORM(and_store, "and%z0 %0, (%1)", 0)
FORM(sub_store, "sub%z0 %0, (%1)", 0)
FORM(xor_store, "xor%z0 %0, (%1)", 0)
FORM(add_load, "add%z0 (%1), %0", 0)
FORM(or_load, "or%z0 (%1), %0", 0)
FORM(and_load, "and%z0 (%1), %0", 0)
FORM(sub_load, "sub%z0 (%1), %0", 0)
FORM(xor_load, "xor%z0 (%1), %0", 0)
FORM(cmp_reg, "cmp%z0 %0, (%1)", 0)
FORM(test_reg, "test%z0 %0, (%1)", 0)
FORM(add_imm, "add%z0 $0x5a, (%1)", 0)
FORM(or_imm, "or%z0 $-0x80, (%1)", 0)
FORM(and_imm, "and%z0 $0x7f, (%1)", 0)
FORM(sub_imm, "sub%z0 $1, (%1)", 0)
FORM(xor_imm, "xor%z0 $-1, (%1)", 0)
FORM(cmp_imm, "cmp%z0 $0x5a, (%1)", 0)
FORM(test_imm, "test%z0 $0x5a, (%1)", 0)
FORM(xchg, "xchg%z0 %0, (%1)", 0)
FORM(lock_or, "lock or%z0 %0, (%1)", 0)
FORM(lock_xor_imm, "lock xor%z0 $0x11, (%1)", 0)

/* BT, BTS and BTR have no byte form; a register's bit offset is signed and may reach
 * words before or after the operand (SDM vol.2 "BT"), here at most 64 bytes. */
#define BIT_FORM(name, insn)                                          \
	static uint64_t name(uint64_t m, unsigned size, uint64_t v)  \
	{                                                             \
		if (size == 1)                                        \
			size = 2;                                     \
		v = (uint64_t)((int64_t)(v % 1024) - 512);            \
		SIZED(insn, 0);                                       \
		return v;                                             \
	}

BIT_FORM(bt_reg, "bt%z0 %0, (%1)")
BIT_FORM(bts_reg, "bts%z0 %0, (%1)")
BIT_FORM(btr_reg, "btr%z0 %0, (%1)")
BIT_FORM(bt_imm, "bt%z0 $3, (%1)")
BIT_FORM(bts_imm, "bts%z0 $8, (%1)")
BIT_FORM(lock_btr_imm, "lock btr%z0 $16, (%1)")

static uint64_t movzx(uint64_t m, unsigned size, uint64_t v)
{
	if (size == 1)
		__asm__ volatile("movzbl (%1), %k0" : "=r"(v) : "r"(m) : "memory");
	else
		__asm__ volatile("movzwl (%1), %k0" : "=r"(v) : "r"(m) : "memory");
	return v;
}

static uint64_t movsx(uint64_t m, unsigned size, uint64_t v)
{
	if (size == 1)
		__asm__ volatile("movsbq (%1), %0" : "=r"(v) : "r"(m) : "memory");
	else
		__asm__ volatile("movswq (%1), %0" : "=r"(v) : "r"(m) : "memory");
	return v;
}

/* AH, a byte register only without REX. */
static uint64_t high_byte(uint64_t m, unsigned size, uint64_t v)
{
	if (size & 1)
		__asm__ volatile("movb %%ah, (%1)" : "+a"(v) : "r"(m) : "memory");
	else
		__asm__ volatile("movb (%1), %%ah" : "+a"(v) : "r"(m) : "memory");
	return v;
}

/* A0-A3 carry a 64-bit address in the instruction, so a fixed one: the local APIC's TPR,
 * or IOWIN on the I/O APIC's page. */
static uint64_t moffs(uint64_t m, unsigned size, uint64_t v)
{
	bool io = (m & ~0xfffull) == IOAPIC;
	switch ((io ? 4 : 0) + (size & 1) + (v & 2)) {
	case 0: __asm__ volatile("movabs %0, 0xfee00080" : : "a"((uint32_t)v) : "memory"); break;
	case 1: __asm__ volatile("movabs %0, 0xfee00080" : : "a"((uint8_t)v) : "memory"); break;
	case 2: __asm__ volatile("movabs 0xfee00080, %0" : "=a"(v) : : "memory"); break;
	case 3: __asm__ volatile("movabs 0xfee00080, %%al" : "+a"(v) : : "memory"); break;
	case 4: __asm__ volatile("movabs %0, 0xfec00010" : : "a"((uint32_t)v) : "memory"); break;
	case 5: __asm__ volatile("movabs %0, 0xfec00010" : : "a"((uint16_t)v) : "memory"); break;
	case 6: __asm__ volatile("movabs 0xfec00010, %0" : "=a"(v) : : "memory"); break;
	default: __asm__ volatile("movabs 0xfec00010, %%eax" : "+a"(v) : : "memory"); break;
	}
	return v;
}

/* REP STOS and REP MOVS of 1-4 elements, backwards (DF set) when v's bit 8 is. MOVS copies
 * from the device to RAM, from RAM to the device, or within the device's page. */
static uint64_t rep_stos(uint64_t m, unsigned size, uint64_t v)
{
	uint64_t n = 1 + (v >> 9) % 4, di = m;
	bool back = v & 0x100;
	if (back)
		__asm__ volatile("std");
	switch (size) {
	case 1: __asm__ volatile("rep stosb" : "+D"(di), "+c"(n) : "a"(v) : "memory"); break;
	case 2: __asm__ volatile("rep stosw" : "+D"(di), "+c"(n) : "a"(v) : "memory"); break;
	case 4: __asm__ volatile("rep stosl" : "+D"(di), "+c"(n) : "a"(v) : "memory"); break;
	default: __asm__ volatile("rep stosq" : "+D"(di), "+c"(n) : "a"(v) : "memory"); break;
	}
	__asm__ volatile("cld");
	return v;
}

static uint64_t rep_movs(uint64_t m, unsigned size, uint64_t v)
{
	uint64_t n = 1 + (v >> 9) % 4, ram = (uint64_t)scratch + 2048;
	uint64_t page_other = (m & ~0xfffull) | ((v >> 12) & 0xfc0);
	uint64_t si = (v & 3) == 0 ? ram : (v & 3) == 1 ? page_other : m;
	uint64_t di = (v & 3) == 0 ? m : (v & 3) == 1 ? m : ram;
	if (v & 0x100)
		__asm__ volatile("std");
	switch (size) {
	case 1: __asm__ volatile("rep movsb" : "+S"(si), "+D"(di), "+c"(n) : : "memory"); break;
	case 2: __asm__ volatile("rep movsw" : "+S"(si), "+D"(di), "+c"(n) : : "memory"); break;
	case 4: __asm__ volatile("rep movsl" : "+S"(si), "+D"(di), "+c"(n) : : "memory"); break;
	default: __asm__ volatile("rep movsq" : "+S"(si), "+D"(di), "+c"(n) : : "memory"); break;
	}
	__asm__ volatile("cld");
	return v;
}

static uint64_t (*const forms[])(uint64_t m, unsigned size, uint64_t v) = {
	mov_load, mov_store, mov_imm, mov_ones, mov_disp8, mov_disp32, mov_sib, mov_addr32, mov_gs,
	add_store, or_store, and_store, sub_store, xor_store, add_load, or_load, and_load, sub_load, xor_load,
	cmp_reg, test_reg, add_imm, or_imm, and_imm, sub_imm, xor_imm, cmp_imm, test_imm, xchg, lock_or,
	lock_xor_imm, bt_reg, bts_reg, btr_reg, bt_imm, bts_imm, lock_btr_imm, movzx, movsx, high_byte, moffs,
	rep_stos, rep_movs,
};
#define FORMS (sizeof(forms) / sizeof(forms[0]))

/* A random value, half of the time one that interrupts: in an LVT, ICR, a redirection
 * entry, delivery mode fixed (bits 10:8) and not masked (bit 16); the destination (bits
 * 31:24 of ICR's and an entry's high half) APIC 0; a timer count below 2^24 ns. */
static uint64_t random_value(void)
{
	uint64_t v = rnd();
	return v & 1 ? v & ~0xff010700ull : v;
}

/* A random form and size at m, with a random value: 64 bits, or 32 (a register's width). */
static void random_form(uint64_t m)
{
	static const unsigned sizes[] = { 1, 2, 4, 4, 4, 8 };
	uint64_t x = rnd(), v = random_value();
	forms[x % FORMS](m, sizes[(x >> 8) % 6], (x >> 16) & 1 ? v : (uint32_t)v);
}

/* ---- The devices ---- */

/* A register's start, a byte inside its 16-byte slot, or anywhere on the page. */
static void lapic_op(void)
{
	uint64_t x = rnd(), offset = ((x >> 2) % 64) * 16;
	if ((x & 3) == 2)
		offset += (x >> 8) % 16;
	else if ((x & 3) == 3)
		offset = (x >> 8) % 4096;
	random_form(LAPIC + offset);
	ops_lapic++;
}

/* 82093AA §3.0: IOREGSEL selects, IOWIN reads or writes the register selected (entry n of
 * the redirection table at 0x10 + 2n). */
static void ioapic_op(void)
{
	uint64_t x = rnd();
	volatile uint32_t *iowin = (volatile uint32_t *)(uintptr_t)(IOAPIC + IOAPIC_IOWIN);
	if (x & 4) {
		static const uint64_t offsets[] = { 0, IOAPIC_IOWIN, IOAPIC_EOI, 0x20 };
		random_form(IOAPIC + ((x & 3) == 3 && (x & 8) ? (x >> 8) % 4096 : offsets[x & 3]));
	} else {
		uint32_t index = (x & 3) ? (x >> 8) % 0x40 : (uint8_t)(x >> 8);
		if (x & 8)
			*(volatile uint8_t *)(uintptr_t)IOAPIC = (uint8_t)index;
		else
			*(volatile uint32_t *)(uintptr_t)IOAPIC = index;
		if (x & 3)
			*iowin = (uint32_t)random_value();
		else
			(void)*iowin;
	}
	ops_ioapic++;
}

/* Port writes of a PIC operation, in order: each a byte, or two neighbours in one OUT. */
struct port_bytes {
	unsigned n;
	uint16_t port[4];
	uint8_t value[4];
};

static void add_byte(struct port_bytes *b, uint16_t port, uint8_t value)
{
	b->port[b->n] = port;
	b->value[b->n++] = value;
}

static void out_bytes(const struct port_bytes *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		if (i + 1 < b->n && b->port[i + 1] == b->port[i] + 1 && (rnd() & 1)) {
			outw(b->port[i], (uint16_t)(b->value[i] | b->value[i + 1] << 8));
			i++;
		} else {
			outb(b->port[i], b->value[i]);
		}
	}
}

/* The 8259A datasheet's sequences: ICW1 (A0 = 0, D4 set), ICW2, ICW3 unless ICW1 says
 * single, ICW4 if ICW1 asks for it; OCW1 (A0 = 1), OCW2 and OCW3 (A0 = 0, D4 clear; D3
 * tells them apart), the poll command (OCW3 with P set) answered by the next read. */
static void pic_init(uint16_t pic, uint8_t icw1, uint8_t icw2, uint8_t icw3, uint8_t icw4)
{
	struct port_bytes b = { 0 };
	icw1 |= PIC_ICW1;
	add_byte(&b, pic, icw1);
	add_byte(&b, pic + 1, icw2 < PIC_LOWEST_BASE ? icw2 | PIC_LOWEST_BASE : icw2);
	if (!(icw1 & PIC_ICW1_SNGL))
		add_byte(&b, pic + 1, icw3);
	if (icw1 & PIC_ICW1_IC4)
		add_byte(&b, pic + 1, icw4);
	out_bytes(&b);
}

static void pic_op(void)
{
	uint64_t x = rnd(), y = rnd();
	uint16_t pic = x & 1 ? PIC_SLAVE : PIC_MASTER;
	struct port_bytes b = { 0 };
	switch ((x >> 1) % 8) {
	case 0:
		pic_init(pic, (uint8_t)y, (uint8_t)(y >> 8), (uint8_t)(y >> 16), (uint8_t)(y >> 24));
		break;
	case 1: /* OCW1, or OCW2/OCW3 and OCW1 */
		if (y & 0x100)
			add_byte(&b, pic, (uint8_t)y & ~PIC_ICW1);
		add_byte(&b, pic + 1, (uint8_t)(y >> 16));
		out_bytes(&b);
		break;
	case 2:
	case 3:
		outb(pic, (uint8_t)y & ~PIC_ICW1);
		break;
	case 4:
		if (y & 0x100)
			outl(PIC_ELCR, (uint32_t)y);
		else
			outb(PIC_ELCR + ((y >> 9) & 1), (uint8_t)y);
		break;
	case 5:
		if (y & 1)
			(void)inb(pic + ((y >> 1) & 1));
		else if (y & 2)
			(void)inw(PIC_ELCR);
		else
			(void)inl(pic);
		break;
	case 6: /* the poll command */
		outb(pic, 0x0c);
		(void)inb(pic + (y & 1));
		break;
	default: /* a byte past a range: 0x22, 0xa2, 0x4d2 are no PIC's */
		outw(x & 4 ? PIC_ELCR + 1 : pic + 1, (uint16_t)y);
		break;
	}
	ops_pic++;
}

/* ---- MSRs ---- */

static void apic_base_changed(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	apic = !(base & APIC_BASE_EN) ? APIC_OFF : (base & APIC_BASE_EXTD) ? APIC_X2APIC : APIC_XAPIC;
	uint64_t page = base & ~0xfffull;
	lapic_page = apic == APIC_XAPIC && (page == LAPIC || page == IOAPIC) ? page : 0;
}

/* Each MSR operation is one check: the access raised nothing where allowed, #GP(0) where
 * refused, nothing else. */
static bool msr_refused(int vector, uint32_t error)
{
	faults_gp += vector == VECTOR_GP;
	return vector == VECTOR_GP && error == 0;
}

static void apic_base_write(uint64_t x)
{
	uint64_t before = rdmsr(MSR_APIC_BASE), value = rnd();
	if ((x & 3) == 1) {
		value = before ^ (1ull << (value % 64));
	} else if ((x & 3) >= 2) {
		uint64_t base = (value & 1) ? LAPIC : (value & 2) ? (uint32_t)value : value & maxphyaddr_mask;
		value = (base & ~0xfffull) | (value & (APIC_BASE_EXTD | APIC_BASE_BSP)) |
			((value >> 32) % 4 ? APIC_BASE_EN : 0);
	}
	uint32_t error = 0;
	guest_expect_trap(2);
	wrmsr(MSR_APIC_BASE, value);
	int vector = guest_trap_vector(&error);
	uint64_t after = rdmsr(MSR_APIC_BASE);
	bool reserved = value & (APIC_BASE_RESERVED_LOW | ~maxphyaddr_mask);
	check(&c, msr_refused(vector, error) ? after == before : vector == -1 && !reserved,
	      "WRMSR of APIC_BASE 0x%lx: exception %d (0x%x), was 0x%lx, now 0x%lx", value, vector, error, before,
	      after);
	apic_base_changed();
}

static void x2apic_access(uint64_t x)
{
	uint32_t msr = MSR_X2APIC_FIRST + (uint32_t)((x & 8) ? (x >> 8) % 256 : (x >> 8) % 64);
	bool write = x & 4, must_fault = apic != APIC_X2APIC || msr > MSR_X2APIC_LAST_REGISTER;
	uint64_t value = (x & 0x10) ? rnd() : (uint32_t)random_value();
	uint32_t error = 0;
	guest_expect_trap(2);
	if (write)
		wrmsr(msr, value);
	else
		(void)rdmsr(msr);
	int vector = guest_trap_vector(&error);
	check(&c, msr_refused(vector, error) || (vector == -1 && !must_fault),
	      "%s of MSR 0x%x (0x%lx) in %s: exception %d (0x%x)", write ? "WRMSR" : "RDMSR", msr, value,
	      apic == APIC_X2APIC ? "x2APIC mode" : "xAPIC mode or disabled", vector, error);
}

static void msr_op(void)
{
	uint64_t x = rnd();
	if (x % 32 == 0) {
		apic_base_write(x >> 5);
	} else if (x % 8 == 1) {
		/* Any value is a deadline (§11.5.4.1): past, soon, far, or 0 (disarmed). */
		uint64_t value = (x & 8) ? rnd() : (x & 16) ? 0 : rdtsc() + (rnd() % (1u << 20));
		uint32_t error = 0;
		guest_expect_trap(2);
		wrmsr(MSR_TSC_DEADLINE, value);
		int vector = guest_trap_vector(&error);
		check(&c, vector == -1, "WRMSR of TSC_DEADLINE 0x%lx: exception %d (0x%x)", value, vector, error);
	} else {
		x2apic_access(x);
	}
	ops_msr++;
}

/* ---- The periodic reset ---- */

/* §11.4.3: clearing EN takes the APIC to its power-up state (the ID kept), and is the only
 * way out of x2APIC mode (§11.12.5); then xAPIC mode at the default base, where it must
 * read as after power-up (§11.4.7.1): version 0x50014 (Keel's), SVR 0xff, TPR, PPR, ISR,
 * TMR, IRR, timer counts 0, every LVT masked. */
static uint32_t lapic_read(unsigned reg)
{
	return *(volatile uint32_t *)(uintptr_t)(LAPIC + reg);
}

static void reset_apic(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) & ~(APIC_BASE_EN | APIC_BASE_EXTD));
	wrmsr(MSR_APIC_BASE, APIC_BASE_DEFAULT);
	apic_base_changed();
	uint32_t nonzero = 0, unmasked = 0;
	for (unsigned i = 0; i < 8; i++)
		nonzero |= lapic_read(LAPIC_ISR + 16 * i) | lapic_read(LAPIC_TMR + 16 * i) | lapic_read(LAPIC_IRR + 16 * i);
	for (unsigned reg = LAPIC_LVT_TIMER; reg <= LAPIC_LVT_ERROR; reg += 16)
		unmasked |= lapic_read(reg) ^ LVT_MASKED;
	nonzero |= lapic_read(LAPIC_TPR) | lapic_read(LAPIC_PPR) | lapic_read(LAPIC_TIMER_INITIAL) |
		   lapic_read(LAPIC_TIMER_DIVIDE);
	uint64_t base = rdmsr(MSR_APIC_BASE);
	check(&c, base == APIC_BASE_DEFAULT && lapic_read(LAPIC_VERSION) == 0x50014 && lapic_read(LAPIC_SVR) == 0xff &&
		      nonzero == 0 && unmasked == 0,
	      "after reset %lu: APIC_BASE 0x%lx, version 0x%x, SVR 0x%x, ISR|TMR|IRR|TPR|PPR|counts 0x%x, LVTs ^ masked "
	      "0x%x", resets, base, lapic_read(LAPIC_VERSION), lapic_read(LAPIC_SVR), nonzero, unmasked);
	apic_write(LAPIC_SVR, 0x1ff);
	apic_write(LAPIC_LVT_LINT0, 0x700); /* ExtINT: the PICs' INTR (virtual wire) */
	apic_write(LAPIC_LVT_LINT1, 0x400); /* NMI */
	resets++;
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t count = 20000, seed = 1;
	cmdline_u64(boot->cmdline, "count", &count);
	cmdline_u64(boot->cmdline, "seed", &seed);
	xorshift64_seed(&r, seed);
	guest_traps_init();
	for (unsigned v = 32; v < 256; v++)
		guest_trap_handler(v, on_interrupt);
	guest_trap_handler(VECTOR_NMI, on_nmi);
	unsigned maxphyaddr = cpuid(0x80000000, 0).eax >= 0x80000008 ? cpuid(0x80000008, 0).eax & 0xff : 36;
	maxphyaddr_mask = (1ull << maxphyaddr) - 1;
	apic_base_changed();

	/* Vector bases 0x20 and 0x28 (a PC's are 0x08 and 0x70: the first an exception's),
	 * then IRQ 0 from the PIT every millisecond (mode 2, rate generator). */
	pic_init(PIC_MASTER, PIC_ICW1_IC4, 0x20, 1u << 2, 0x01);
	pic_init(PIC_SLAVE, PIC_ICW1_IC4, 0x28, 2, 0x01);
	outb(PIT_CONTROL, 0x34);
	outb(PIT_CHANNEL0, PIT_1MS & 0xff);
	outb(PIT_CHANNEL0, PIT_1MS >> 8);

	for (uint64_t op = 0; op < count && c.failed <= 20; op++) {
		uint64_t x = rnd();
		switch (x % 10) {
		case 0: case 1: case 2: case 3: lapic_op(); break;
		case 4: case 5: ioapic_op(); break;
		case 6: case 7: pic_op(); break;
		default: msr_op(); break;
		}
		timer_floor();
		if ((x >> 8) % 64 == 0)
			window(true);
		else if ((x >> 8) % 8 == 0)
			window(false);
		if (op % RESET_EVERY == RESET_EVERY - 1)
			reset_apic();
	}
	outb(PIT_CONTROL, 0x30); /* channel 0 in mode 0 with no count: it stops */
	reset_apic();
	guest_printf("irqchaos: %lu operations, seed %lu: %lu local APIC page, %lu I/O APIC, %lu PIC, %lu MSR "
		     "(%lu #GP), %lu APIC resets\n",
		     ops_lapic + ops_ioapic + ops_pic + ops_msr, seed, ops_lapic, ops_ioapic, ops_pic, ops_msr, faults_gp,
		     resets);
	guest_printf("irqchaos: %u interrupts, %u NMIs\n", interrupts, nmis);
	return checks_summary(&c);
}
