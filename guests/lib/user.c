/* User mode (CPL 3) for the runtime's guests: a GDT with user segments and a 64-bit TSS,
 * part of the identity map opened to CPL 3, and a way back. guest_user_run() and
 * guest_user_jump() enter CPL 3 with IRETQ (SDM Vol. 3A §6.14.2 and §7.7); any exception at
 * CPL 3 arrives on the TSS's RSP0 stack (§6.14.4) and ends the user run (traps.c), but the
 * single-step traps guest_user_jump asks for, and the UD2 after a function
 * guest_user_run called. The pages opened to CPL 3 stay writable there: this is for
 * testing what Keel lets CPL 3 do, not for protecting a guest's kernel. */
#include "guests/lib/guest.h"
#include "guests/lib/paging.h"

#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_USER_DATA (0x18 | 3)
#define SEL_USER_CODE (0x20 | 3)
#define SEL_TSS 0x28

#define VECTOR_DB 1
#define VECTOR_UD 6

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
};

static struct tss64 tss __attribute__((aligned(16)));
static uint8_t kernel_stack[16384] __attribute__((aligned(16))); /* for exceptions at CPL 3 */
static uint64_t gdt[7] __attribute__((aligned(16))) = {
	0,
	0x00af9a000000ffffull, /* kernel code: 64-bit, DPL 0 */
	0x00cf92000000ffffull, /* kernel data */
	0x00cff2000000ffffull, /* user data: DPL 3 */
	0x00affa000000ffffull, /* user code: 64-bit, DPL 3 */
	0, 0,                  /* the TSS: a 16-byte system descriptor, filled in below */
};

static uint64_t user_start, user_end;

/* Sets U/S in every table entry of the identity map, and in the leaves inside [user_start,
 * user_end), clears it in the others: a page is user-accessible only when every level on
 * its way is (SDM Vol. 3A §4.6.1). base: the address the table's first entry maps. */
static void open_to_user(uint64_t *table, int level, uint64_t base)
{
	uint64_t size = 1ull << (12 + 9 * (level - 1));
	for (unsigned i = 0; i < 512; i++) {
		uint64_t at = base + i * size;
		if (!(table[i] & PTE_P))
			continue;
		if (level > 1 && !(level <= 3 && (table[i] & PTE_PS))) {
			table[i] |= PTE_US;
			open_to_user((uint64_t *)(uintptr_t)(table[i] & PTE_ADDR), level - 1, at);
		} else if (at >= user_start && at + size <= user_end) {
			table[i] |= PTE_US;
		} else {
			table[i] &= ~PTE_US;
		}
	}
}

void guest_user_init(uint64_t start, uint64_t end)
{
	user_start = start;
	user_end = end;
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	tss.rsp[0] = (uint64_t)(uintptr_t)(kernel_stack + sizeof(kernel_stack));
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: every port faults at CPL 3 */
	gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 | ((limit >> 16) & 0xf) << 48 |
		 ((base >> 24) & 0xff) << 56; /* type 9: an available 64-bit TSS, present */
	gdt[6] = base >> 32;
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
	__asm__ volatile("lgdt %0\n"
			 "pushq %1\n"
			 "leaq 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "lretq\n" /* CS is reloaded only by a far transfer */
			 "1: mov %2, %%eax\n"
			 "mov %%eax, %%ds\n"
			 "mov %%eax, %%es\n"
			 "mov %%eax, %%ss\n"
			 "mov %%eax, %%fs\n"
			 "mov %%eax, %%gs\n"
			 "ltr %w3"
			 :
			 : "m"(gdtr), "i"(SEL_KERNEL_CODE), "i"(SEL_KERNEL_DATA), "r"(SEL_TSS)
			 : "rax", "memory");
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	open_to_user((uint64_t *)(uintptr_t)(cr3 & PTE_ADDR), 4, 0);
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory"); /* flush the old entries */
	guest_traps_init(); /* its gates name the new code segment */
}

/* user.asm: enters CPL 3 at rip with rsp and rflags (the user segments); returns the value
 * guest_user_leave() is given. */
long guest_user_enter(uint64_t rip, uint64_t rsp, uint16_t cs, uint16_t ss, uint64_t rflags);

static uint64_t read_rflags(void)
{
	uint64_t rflags;
	__asm__ volatile("pushfq; popq %0" : "=r"(rflags));
	return rflags;
}

static uint8_t user_stack[16384] __attribute__((aligned(16)));
static long (*user_fn)(void);
long guest_user_result; /* what the user function returned, written at CPL 3 */
extern char guest_user_trampoline[], guest_user_trampoline_end[];
static unsigned steps_left; /* single steps guest_user_jump still allows; 0: not stepping */

long guest_user_run(long (*fn)(void), long *result)
{
	user_fn = fn;
	steps_left = 0;
	long vector = guest_user_enter((uint64_t)(uintptr_t)guest_user_trampoline,
				       (uint64_t)(uintptr_t)(user_stack + sizeof(user_stack)), SEL_USER_CODE,
				       SEL_USER_DATA, read_rflags());
	if (result)
		*result = guest_user_result;
	return vector;
}

long guest_user_jump(uint64_t rip, uint64_t rsp, unsigned steps)
{
	steps_left = steps;
	/* Interrupts on, as an application runs: Keel delivers the guest none, but a run the
	 * host's timer must end is then ended on every test bed (tests/integration/keel.py). */
	uint64_t rflags = read_rflags() | RFLAGS_IF | (steps ? RFLAGS_TF : 0);
	return guest_user_enter(rip, rsp, SEL_USER_CODE, SEL_USER_DATA, rflags);
}

/* traps.c: an exception at CPL 3. A single-step trap of guest_user_jump resumes the code
 * until its steps are used up (code that clears TF is stepped no further), unless the code
 * left 64-bit mode for virtual-8086 mode (traps.c: QEMU), where IRETQ cannot take it back;
 * the trampoline's own UD2 is guest_user_run's function returning. */
void guest_user_trap(const struct guest_trap_frame *f)
{
	if (f->vector == VECTOR_DB && steps_left && !(f->rflags & RFLAGS_VM)) {
		if (--steps_left)
			return; /* traps.asm resumes it, TF still set in its RFLAGS */
		guest_user_leave(GUEST_USER_STEPPED);
	}
	bool returned = f->vector == VECTOR_UD && f->rip == (uint64_t)(uintptr_t)guest_user_trampoline_end - 2;
	guest_user_leave(returned ? GUEST_USER_RETURNED : (long)f->vector);
}

/* The trampoline calls this at CPL 3 (user.asm). */
void guest_user_call(void);
void guest_user_call(void)
{
	guest_user_result = user_fn();
}
