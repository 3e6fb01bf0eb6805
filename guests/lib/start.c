/* The runtime's C entry: every boot stub ends in guest_start() on the runtime's stack,
 * in 64-bit mode with the low 4 GiB identity-mapped. */
#include <stddef.h>

#include "guests/lib/boot_parse.h"
#include "guests/lib/guest.h"

/* Written by the boot stubs (entry.inc has the same layout). */
struct guest_entry_state guest_entry_state;

_Static_assert(offsetof(struct guest_entry_state, rax) == 0, "entry.inc: .rax");
_Static_assert(offsetof(struct guest_entry_state, rflags) == 48, "entry.inc: .rflags");
_Static_assert(offsetof(struct guest_entry_state, protocol) == 56, "entry.inc: .protocol");
_Static_assert(offsetof(struct guest_entry_state, flags) == 60, "entry.inc: .flags");
_Static_assert(offsetof(struct guest_entry_state, sel) == 64, "entry.inc: .sel");
_Static_assert(offsetof(struct guest_entry_state, lar) == 80, "entry.inc: .lar");
_Static_assert(offsetof(struct guest_entry_state, lsl) == 104, "entry.inc: .lsl");
_Static_assert(offsetof(struct guest_entry_state, lar_valid) == 128, "entry.inc: .lar_valid");
_Static_assert(offsetof(struct guest_entry_state, base_match) == 130, "entry.inc: .base_match");
_Static_assert(sizeof(struct guest_entry_state) == 136, "entry.inc: entry_state_size");

/* The runtime's stack (GUEST_STACK_SIZE in entry.inc), in .bss like everything else. */
extern uint8_t guest_stack[65536];
uint8_t guest_stack[65536] __attribute__((aligned(16)));

_Noreturn void guest_start(void)
{
	static struct guest_boot boot;

	uart_init();
	guest_hypercall_init();
	guest_boot_parse(&boot, &guest_entry_state);
	guest_exit((uint32_t)guest_main(&boot));
}

_Noreturn void guest_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

_Noreturn void guest_exit(uint32_t status)
{
	outl(DEBUG_EXIT_PORT, status);
	guest_halt(); /* in case the port ends nothing */
}
