/* instructions: executes every instruction that could reach beyond the guest and checks
 * the answer a CPU offering what Keel's CPUID shows would give: the VMX and SVM
 * instructions (and GETSEC, VMFUNC, RDPRU), MONITOR and MWAIT raise #UD, RDPMC of a
 * counter there is not #GP(0), INVD and WBINVD complete; on AMD, RDPMC reads the four
 * legacy counters as their MSRs hold them (they count nothing), and at CPL 3 only with
 * CR4.PCE set; on Intel, which has no counter, it is #GP(0) for counter 0 too; XSETBV takes
 * what the CPU offers and refuses the rest with #GP, and #UD while CR4.OSXSAVE is clear. Each answer arrives in the guest's own
 * handler, and it carries on. On one vendor the other vendor's instructions fault without leaving the
 * guest; the answer is the same. */
#include "guests/lib/guest.h"

struct insn {
	const char *name;
	void (*run)(void);
	unsigned length; /* bytes, to step over it after a fault */
	int vector;      /* the expected exception, -1: none */
};

/* Each instruction as bytes, so no assembler refuses one; RAX points at a zeroed,
 * page-aligned buffer for those with a memory operand, ECX = 0 where a register selects
 * something. Page-aligned because on SVM a guest runs with EFER.SVME set (VMRUN needs it,
 * APM vol.2 §15.5.1), so VMRUN, VMLOAD and VMSAVE check rAX's alignment, and raise #GP,
 * before their intercept; a CPU without SVM would raise #UD whatever rAX holds. */
static uint8_t operand[4096] __attribute__((aligned(4096)));

#define INSN(fn, ...)                                                                              \
	static void fn(void)                                                                       \
	{                                                                                          \
		__asm__ volatile(".byte " #__VA_ARGS__ : : "a"(operand), "c"(0), "d"(0) : "memory"); \
	}

INSN(vmrun, 0x0f, 0x01, 0xd8)
INSN(vmload, 0x0f, 0x01, 0xda)
INSN(vmsave, 0x0f, 0x01, 0xdb)
INSN(stgi, 0x0f, 0x01, 0xdc)
INSN(clgi, 0x0f, 0x01, 0xdd)
INSN(skinit, 0x0f, 0x01, 0xde)
INSN(invlpga, 0x0f, 0x01, 0xdf)
INSN(vmxon, 0xf3, 0x0f, 0xc7, 0x30)       /* VMXON [rax] */
INSN(vmptrld, 0x0f, 0xc7, 0x30)           /* VMPTRLD [rax] */
INSN(vmptrst, 0x0f, 0xc7, 0x38)           /* VMPTRST [rax] */
INSN(vmclear, 0x66, 0x0f, 0xc7, 0x30)     /* VMCLEAR [rax] */
INSN(vmread, 0x0f, 0x78, 0xc0)            /* VMREAD rax, rax */
INSN(vmwrite, 0x0f, 0x79, 0xc0)           /* VMWRITE rax, rax */
INSN(vmlaunch, 0x0f, 0x01, 0xc2)
INSN(vmresume, 0x0f, 0x01, 0xc3)
INSN(vmxoff, 0x0f, 0x01, 0xc4)
INSN(invept, 0x66, 0x0f, 0x38, 0x80, 0x00) /* INVEPT rax, [rax] */
INSN(invvpid, 0x66, 0x0f, 0x38, 0x81, 0x00) /* INVVPID rax, [rax] */
INSN(vmfunc, 0x0f, 0x01, 0xd4)
INSN(getsec, 0x0f, 0x37)
INSN(rdpru, 0x0f, 0x01, 0xfd)
INSN(monitor, 0x0f, 0x01, 0xc8)
INSN(mwait, 0x0f, 0x01, 0xc9)
static void rdpmc(void) /* counter 4: beyond AMD's four legacy counters, and Intel offers none */
{
	__asm__ volatile("rdpmc" : : "c"(4) : "rax", "rdx", "memory");
}
INSN(invd, 0x0f, 0x08)
INSN(wbinvd, 0x0f, 0x09)

#define UD 6
#define GP 13

static const struct insn insns[] = {
	{ "VMRUN", vmrun, 3, UD },       { "VMLOAD", vmload, 3, UD },     { "VMSAVE", vmsave, 3, UD },
	{ "STGI", stgi, 3, UD },         { "CLGI", clgi, 3, UD },         { "SKINIT", skinit, 3, UD },
	{ "INVLPGA", invlpga, 3, UD },   { "VMXON", vmxon, 4, UD },       { "VMPTRLD", vmptrld, 3, UD },
	{ "VMPTRST", vmptrst, 3, UD },   { "VMCLEAR", vmclear, 4, UD },   { "VMREAD", vmread, 3, UD },
	{ "VMWRITE", vmwrite, 3, UD },   { "VMLAUNCH", vmlaunch, 3, UD }, { "VMRESUME", vmresume, 3, UD },
	{ "VMXOFF", vmxoff, 3, UD },     { "INVEPT", invept, 5, UD },     { "INVVPID", invvpid, 5, UD },
	{ "VMFUNC", vmfunc, 3, UD },     { "GETSEC", getsec, 2, UD },     { "RDPRU", rdpru, 3, UD },
	{ "MONITOR", monitor, 3, UD },   { "MWAIT", mwait, 3, UD },       { "RDPMC", rdpmc, 2, GP },
	{ "INVD", invd, 2, -1 },         { "WBINVD", wbinvd, 2, -1 },
};

static const char *name_of(int vector)
{
	return vector == UD ? "#UD" : vector == GP ? "#GP" : vector < 0 ? "no exception" : "another exception";
}

/* XSETBV with ECX and EDX:EAX (SDM vol.2B "XSETBV"): the vector it raised, -1 for none. */
static int xsetbv_trapped(uint32_t index, uint64_t value)
{
	guest_expect_trap(3);
	__asm__ volatile("xsetbv" : : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)) : "memory");
	return guest_trap_vector(NULL);
}

#define CR4_VMXE (1u << 13)

/* The size of an XSAVEC area for the components x enables, from the components' own
 * subleaves (SDM vol.1 §13.4.3): what CPUID 0xd.1 EBX must say while XCR0 is x. */
static uint32_t compacted_size(uint64_t x)
{
	uint32_t size = 576;
	for (uint32_t i = 2; i < 64; i++) {
		if (!(x & (1ull << i)))
			continue;
		struct cpuid_regs r = cpuid(0xd, i);
		size = (r.ecx & 2 ? (size + 63) & ~63u : size) + r.eax;
	}
	return size;
}

/* With CPUID's XSAVE: each value a CPU refuses gets #GP and leaves XCR0 as it was; CPUID
 * 0xd.1 EBX follows XCR0. */
static void xsetbv_checks(struct checks *c)
{
	if (!(cpuid(1, 0).ecx & (1u << 26))) {
		guest_printf("instructions: XSETBV: not offered by this CPU\n");
		return;
	}
	struct cpuid_regs x = cpuid(0xd, 0);
	uint64_t offered = x.eax | (uint64_t)x.edx << 32;
	unsigned failed = c->failed;
	uint64_t cr4 = read_cr4();
	write_cr4(cr4 & ~(uint64_t)CR4_OSXSAVE);
	int got = xsetbv_trapped(0, 3);
	check(c, got == UD, "XSETBV with CR4.OSXSAVE clear: %s, expected #UD", name_of(got));
	write_cr4(cr4 | CR4_OSFXSR | CR4_OSXSAVE);
	static const struct {
		uint32_t index;
		uint64_t value;
		const char *what;
	} refused[] = {
		{ 1, 1, "XCR1" },          { 0, 0, "x87 off" },       { 0, 5, "AVX without SSE" },
		{ 0, 0x23, "part of AVX-512" }, { 0, 0x203, "PKRU" }, { 0, 1ull << 63, "bit 63" },
	};
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		got = xsetbv_trapped(refused[i].index, refused[i].value);
		check(c, got == GP, "XSETBV %s: %s, expected #GP", refused[i].what, name_of(got));
		check(c, xgetbv(0) == 1, "XCR0 0x%llx after a refused XSETBV", (unsigned long long)xgetbv(0));
	}
	got = xsetbv_trapped(0, offered);
	check(c, got < 0 && xgetbv(0) == offered, "XSETBV of every offered component (0x%llx): %s, XCR0 0x%llx",
	      (unsigned long long)offered, name_of(got), (unsigned long long)xgetbv(0));
	uint32_t compacted = cpuid(0xd, 1).ebx;
	check(c, compacted == compacted_size(offered), "CPUID 0xd.1 EBX %u with every component, expected %u",
	      compacted, compacted_size(offered));
	got = xsetbv_trapped(0, 1);
	check(c, got < 0 && xgetbv(0) == 1, "XSETBV back to x87: %s", name_of(got));
	check(c, cpuid(0xd, 1).ebx == 576, "CPUID 0xd.1 EBX %u with x87 alone, expected 576", cpuid(0xd, 1).ebx);
	if (c->failed == failed)
		guest_printf("instructions: XSETBV: #UD without CR4.OSXSAVE, #GP for what is not offered\n");
}


/* CR8, the task priority: what is written reads back; a reserved bit gets #GP. It is left at 15, the
 * priority that would hold off every interrupt of the local APIC if the write reached it:
 * the domains beside this one must keep running as before. */
static void cr8_checks(struct checks *c)
{
	unsigned failed = c->failed;
	for (uint64_t tpr = 0; tpr < 16; tpr++) {
		uint64_t got;
		__asm__ volatile("mov %1, %%cr8; mov %%cr8, %0" : "=r"(got) : "r"(tpr));
		check(c, got == tpr, "CR8: reads %llu after writing %llu", (unsigned long long)got, (unsigned long long)tpr);
	}
	guest_expect_trap(4); /* mov %rax, %cr8: 44 0f 22 c0 */
	__asm__ volatile("mov %0, %%cr8" : : "a"(0x10ull));
	int got = guest_trap_vector(NULL);
	check(c, got == GP, "CR8 = 0x10: %s, expected #GP", name_of(got));
	uint64_t tpr;
	__asm__ volatile("mov %%cr8, %0" : "=r"(tpr));
	check(c, tpr == 15, "CR8 %llu after a refused write, was 15", (unsigned long long)tpr);
	if (c->failed == failed)
		guest_printf("instructions: MOV CR8: reads back, #GP for a reserved bit\n");
}

/* CR0.NE, which VMX fixes to 1, is the guest's to clear and set again as on any CPU; CR4.VMXE,
 * which CPUID does not offer, gets #GP (unless the command line says no-cr4-gp: an emulator
 * that lets a reserved CR4 bit through). */
static void cr0_cr4_checks(struct checks *c, bool cr4_faults)
{
	unsigned failed = c->failed;
	uint64_t cr0, after;
	cr0 = read_cr0();
	__asm__ volatile("mov %1, %%cr0; mov %%cr0, %0" : "=r"(after) : "r"(cr0 & ~CR0_NE));
	check(c, after == (cr0 & ~CR0_NE), "CR0 0x%llx after clearing NE, expected 0x%llx", (unsigned long long)after,
	      (unsigned long long)(cr0 & ~CR0_NE));
	__asm__ volatile("mov %1, %%cr0; mov %%cr0, %0" : "=r"(after) : "r"(cr0 | CR0_NE));
	check(c, after == (cr0 | CR0_NE), "CR0 0x%llx after setting NE, expected 0x%llx", (unsigned long long)after,
	      (unsigned long long)(cr0 | CR0_NE));
	if (cr4_faults) {
		uint64_t cr4, cr4_after;
		cr4 = read_cr4();
		guest_expect_trap(3); /* mov %rax, %cr4: 0f 22 e0 */
		__asm__ volatile("mov %0, %%cr4" : : "a"(cr4 | CR4_VMXE));
		int got = guest_trap_vector(NULL);
		check(c, got == GP, "CR4.VMXE set: %s, expected #GP", name_of(got));
		cr4_after = read_cr4();
		check(c, cr4_after == cr4, "CR4 0x%llx after a refused write, was 0x%llx", (unsigned long long)cr4_after,
		      (unsigned long long)cr4);
	}
	if (c->failed == failed)
		guest_printf("instructions: MOV CR0: NE cleared and set%s\n", cr4_faults ? "; MOV CR4: #GP for VMXE" : "");
}

#define AMD_PERF_CTR0 0xc0010004u

static uint64_t rdpmc_of(uint32_t counter)
{
	uint32_t lo, hi;
	__asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(counter));
	return lo | (uint64_t)hi << 32;
}

static long user_rdpmc(void)
{
	return (long)rdpmc_of(2);
}

/* RDPMC of counter 0 to 3: what WRMSR put in PERF_CTR0-3 on AMD, at CPL 0, and at CPL 3 only
 * with CR4.PCE; #GP(0) on Intel. Last: it leaves the runtime in its user-mode set-up. */
static void rdpmc_checks(struct checks *c)
{
	unsigned failed = c->failed;
	if (guest_cpu_is_intel()) {
		guest_expect_trap(2);
		rdpmc_of(0);
		int got = guest_trap_vector(NULL);
		if (check(c, got == GP, "RDPMC of counter 0 on Intel: %s, expected #GP", name_of(got)))
			guest_printf("instructions: RDPMC: #GP for counter 0, as no counter is offered\n");
		return;
	}
	bool same = true;
	for (uint32_t i = 0; i < 4; i++)
		wrmsr(AMD_PERF_CTR0 + i, 0x123456789a00ull + i);
	for (uint32_t i = 0; i < 4; i++)
		same = same && rdpmc_of(i) == 0x123456789a00ull + i;
	check(c, same, "RDPMC of counters 0-3 differs from what PERF_CTR0-3 hold");
	guest_user_init(0, 1ull << 32); /* the low 4 GiB: the image, its data and stack */
	long result = 0, how = guest_user_run(user_rdpmc, &result);
	check(c, how == GP, "RDPMC at CPL 3 without CR4.PCE: %s, expected #GP", name_of((int)how));
	write_cr4(read_cr4() | CR4_PCE);
	how = guest_user_run(user_rdpmc, &result);
	check(c, how == GUEST_USER_RETURNED && result == 0x123456789a02, "RDPMC at CPL 3 with CR4.PCE: %s, 0x%lx",
	      how == GUEST_USER_RETURNED ? "returned" : name_of((int)how), result);
	write_cr4(read_cr4() & ~CR4_PCE);
	if (c->failed == failed)
		guest_printf("instructions: RDPMC: counters 0-3 read as written, at CPL 3 only with CR4.PCE\n");
}

int guest_main(const struct guest_boot *boot)
{
	struct checks c = { .prog = "instructions" };
	guest_traps_init();
	for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		const struct insn *t = &insns[i];
		uint32_t error = 0;
		guest_expect_trap(t->length);
		t->run();
		int got = guest_trap_vector(&error);
		if (check(&c, got == t->vector && error == 0, "%s: %s (error code 0x%x), expected %s", t->name,
			  name_of(got), error, name_of(t->vector)))
			guest_printf("instructions: %s: %s\n", t->name, got < 0 ? "completed" : name_of(got));
	}
	xsetbv_checks(&c);
	cr8_checks(&c);
	cr0_cr4_checks(&c, !cmdline_has_word(boot->cmdline, "no-cr4-gp"));
	rdpmc_checks(&c);
	return checks_summary(&c);
}
