/* crashme: random instruction bytes at CPL 3, the way crashme runs them in a process.
 * count=<n> operations (default 20000) from seed=<s> (default 1). Each operation writes
 * random values into fifteen general registers (MOV imm64) and RANDOM_BYTES random bytes
 * after them, at the start of the only memory open to CPL 3 ([4 MiB, 6 MiB): what the
 * bytes write lands there or faults), then runs them single-stepped for at most
 * STEPS instructions; the first exception other than the steps ends the operation. CPUID,
 * VMMCALL and VMCALL among the bytes exit to Keel. Code that loops with the trap flag
 * cleared (a POPF can clear it) is stopped only by its domain's cpu_limit_ms. A #DB ends an
 * operation only where the bytes left 64-bit mode for virtual-8086 mode, which QEMU 7.2
 * allows and a CPU does not (guests/lib/traps.c). Prints
 * "crashme: <i> operations" every PROGRESS, then "crashme: <n> operations, seed <s>:" with
 * how many ended in each way, and exits 0. Needs 8 MiB of RAM. */
#include "guests/lib/guest.h"
#include "lib/printf.h"

#define USER_BASE 0x400000ull
#define USER_END 0x600000ull
#define REGISTERS 15             /* all but RSP */
#define RANDOM_BYTES 32
#define STEPS (REGISTERS + 32)   /* the MOVs, then up to 32 of the random instructions */
#define PROGRESS 5000

static const char *const names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "9", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "22", "23", "24", "25", "26", "27", "#HV", "#VC", "#SX", "31",
};

/* MOV r64, imm64 (REX.W B8+r) for every register but RSP (4), then the random bytes and a
 * UD2 after them. Returns where the code starts. */
static uint64_t write_code(struct xorshift64 *r)
{
	uint8_t *p = (uint8_t *)(uintptr_t)USER_BASE;
	for (unsigned reg = 0; reg < 16; reg++) {
		if (reg == 4)
			continue;
		*p++ = (uint8_t)(0x48 | (reg >> 3));
		*p++ = (uint8_t)(0xb8 + (reg & 7));
		uint64_t v = xorshift64_next(r);
		for (unsigned i = 0; i < 8; i++)
			*p++ = (uint8_t)(v >> (8 * i));
	}
	for (unsigned i = 0; i < RANDOM_BYTES; i += 8) {
		uint64_t v = xorshift64_next(r);
		for (unsigned j = 0; j < 8; j++)
			*p++ = (uint8_t)(v >> (8 * j));
	}
	*p++ = 0x0f; /* UD2 */
	*p++ = 0x0b;
	return USER_BASE;
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t count = 20000, seed = 1;
	cmdline_u64(boot->cmdline, "count", &count);
	cmdline_u64(boot->cmdline, "seed", &seed);
	struct xorshift64 r;
	xorshift64_seed(&r, seed);

	guest_traps_init();
	guest_user_init(USER_BASE, USER_END);
	uint64_t ended[32] = { 0 }, stepped = 0;
	for (uint64_t op = 1; op <= count; op++) {
		uint64_t rip = write_code(&r);
		long how = guest_user_jump(rip, USER_END - 64, STEPS);
		if (how == GUEST_USER_STEPPED)
			stepped++;
		else
			ended[how & 31]++;
		if (op % PROGRESS == 0 && op < count)
			guest_printf("crashme: %lu operations\n", op);
	}

	char tally[600];
	int n = ksnprintf(tally, sizeof(tally), "crashme: %lu operations, seed %lu: %lu stepped", count, seed, stepped);
	for (unsigned v = 0; v < 32 && n < (int)sizeof(tally); v++)
		if (ended[v])
			n += ksnprintf(tally + n, sizeof(tally) - (size_t)n, ", %lu %s", ended[v], names[v]);
	guest_printf("%s\n", tally);
	return 0;
}
