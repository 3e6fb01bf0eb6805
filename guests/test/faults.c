/* faults: ends in a way Keel must stop, named by the command line's one word (its last
 * word, should a loader put the kernel's path first as GRUB does). Prints the word
 * first; if it is still running afterwards it says so and returns 1. */
#include "guests/lib/guest.h"
#include "lib/string.h"

#define OUTSIDE_GPA 0x40000000ull /* 1 GiB: mapped by the guest's page tables, not by Keel */

/* One byte from beyond the domain's RAM: a nested-paging fault (with unbacked = "crash"
 * in its configuration; by default it reads 0xff). */
static void oob(void)
{
	uint8_t v;
	__asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(OUTSIDE_GPA) : "memory");
	(void)v;
}

/* One byte written beyond the domain's RAM, higher up: a nested-paging fault as well. */
static void oobw(void)
{
	__asm__ volatile("movb $1, (%0)" : : "r"(OUTSIDE_GPA + 0x1234000) : "memory");
}

/* An IDT without entries: #BP finds none, nor does #GP, nor #DF, and the CPU shuts down
 * (SDM Vol. 3A §6.15, "Double Fault Exception": a fault during #DF is a triple fault). */
static void triple(void)
{
	static const struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} empty = { 0, 0 };
	__asm__ volatile("lidt %0; int3" : : "m"(empty) : "memory");
}

/* A jump into the 32-bit MMIO hole, where nothing backs the code: Keel runs loads and
 * stores there, never instruction fetches. */
static void exec(void)
{
	((void (*)(void))(uintptr_t)0xf0000000)();
}

static const struct {
	const char *word;
	void (*act)(void);
} faults[] = {
	{ "oob", oob }, { "oobw", oobw }, { "triple", triple }, { "exec", exec },
};

int guest_main(const struct guest_boot *boot)
{
	char word[64] = "";

	for (unsigned i = 0; cmdline_word(boot->cmdline, i, word, sizeof(word)) >= 0; i++)
		; /* the last word stays in word */
	for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		if (strcmp(word, faults[i].word) == 0) {
			guest_printf("faults: %s\n", word);
			faults[i].act();
			guest_printf("faults: survived %s\n", word);
			return 1;
		}
	}
	guest_printf("faults: unknown fault '%s'\n", word);
	return 2;
}
