/* Exceptions and interrupts in a guest of the runtime: an IDT of 256 interrupt gates (SDM
 * Vol. 3A §6.14.1) into guests/lib/traps.asm. A guest that expects a fault says so
 * (guest_expect_trap) and learns what came, or takes every exception or interrupt of a
 * vector itself (guest_trap_handler); an unexpected one ends the guest with a message. */
#include "guests/lib/guest.h"

#define GATE_INTERRUPT_PRESENT 0x8e00 /* type 14, DPL 0, P (in the second word) */

struct idt_gate {
	uint16_t offset_low, selector, flags, offset_mid;
	uint32_t offset_high, reserved;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));
static struct {
	bool expected;
	unsigned skip; /* bytes of the faulting instruction, to resume after it */
	int vector;
	uint32_t error_code;
} trap;

static void (*handlers[256])(struct guest_trap_frame *f);

extern char guest_trap_stubs[];

void guest_traps_init(void)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (unsigned v = 0; v < 256; v++) {
		uint64_t at = (uint64_t)(guest_trap_stubs + 16 * v);
		idt[v] = (struct idt_gate){ .offset_low = (uint16_t)at, .selector = cs, .flags = GATE_INTERRUPT_PRESENT,
					    .offset_mid = (uint16_t)(at >> 16), .offset_high = (uint32_t)(at >> 32) };
	}
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void guest_expect_trap(unsigned skip)
{
	trap.expected = true;
	trap.skip = skip;
	trap.vector = -1;
}

void guest_trap_handler(unsigned vector, void (*fn)(struct guest_trap_frame *f))
{
	handlers[vector & 255] = fn;
}

bool guest_wait_interrupts(const volatile unsigned *count, unsigned n, uint64_t timeout_ns)
{
	uint64_t give_up = guest_now_ns() + timeout_ns;
	hc_set_timer(give_up);
	while (*count < n && guest_now_ns() < give_up)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	hc_set_timer(0);
	return *count >= n;
}

int guest_trap_vector(uint32_t *error_code)
{
	trap.expected = false;
	if (error_code)
		*error_code = trap.error_code;
	return trap.vector;
}

void guest_trap(struct guest_trap_frame *f)
{
	/* An interrupt goes to its handler, at any CPL: it interrupts, it does not end, what
	 * ran. */
	if (f->vector >= 32 && handlers[f->vector & 255]) {
		handlers[f->vector & 255](f);
		return;
	}
	/* From CPL 3: it ends the user run (user.c), or resumes a single-stepped one. RFLAGS.VM
	 * counts too: QEMU 7.2 enters virtual-8086 mode from 64-bit code at CPL 3 on an IRETD
	 * whose EFLAGS image has VM set, which a CPU never does (SDM Vol. 2A, IRET: IA-32e mode
	 * does not return to virtual-8086 mode), and a trap from there is still one at CPL 3. */
	if ((f->cs & 3) || (f->rflags & RFLAGS_VM)) {
		guest_user_trap(f);
		return;
	}
	if (handlers[f->vector & 255]) {
		handlers[f->vector & 255](f);
		return;
	}
	if (!trap.expected || f->vector >= 32) {
		guest_printf("trap: FAILED: unexpected %s %llu (error code 0x%llx) at rip 0x%llx, cs 0x%llx, "
			     "rsp 0x%llx\n",
			     f->vector >= 32 ? "interrupt" : "exception", (unsigned long long)f->vector,
			     (unsigned long long)f->error_code, (unsigned long long)f->rip, (unsigned long long)f->cs,
			     (unsigned long long)f->rsp);
		guest_exit(255);
	}
	trap.expected = false;
	trap.vector = (int)f->vector;
	trap.error_code = (uint32_t)f->error_code;
	f->rip += trap.skip; /* a fault leaves RIP at the instruction: step over it */
}
