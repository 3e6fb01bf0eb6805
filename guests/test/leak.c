/* leak: one half of a pair of domains that look for CPU state crossing from one to the
 * other. role=plant runs first: it puts its own values in every piece of state below and
 * blocks. role=probe waits until the plant is blocked, checks that it sees the state a
 * fresh vCPU starts with and none of the plant's values, puts its own values in, and
 * blocks. Each then wakes and checks that its own values are still there. The state: the
 * x87 control word and MM0; MXCSR, XMM0 and XMM15; the upper halves of YMM0 and YMM15;
 * XCR0; KERNEL_GS_BASE as SWAPGS shows it; DR0-DR3, DR6 and DR7; TSC_AUX as RDTSCP shows
 * it; CR2; and PKRU, where CR4.PKE can be set although CPUID hides protection keys (a
 * guest that does so anyway must not see another's PKRU). What the CPU does not offer
 * (AVX, XSAVE, RDTSCP, protection keys) is reported as such. Prints
 * one line per state class and phase; the exit status is the number of failed checks. */
#include "guests/lib/guest.h"
#include "lib/string.h"

#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103
#define CR4_PKE (1u << 22)
#define XCR0_X87_SSE 0x3
#define XCR0_X87_SSE_AVX 0x7

/* What a fresh vCPU holds (SDM vol.1 §13.6 and vol.3 §9.1.1: the initial configuration
 * XRSTOR gives x87 and SSE; DR6 and DR7 as after RESET; XCR0 = x87). */
#define FCW_INIT 0x037f
#define MXCSR_INIT 0x1f80
#define DR6_INIT 0xffff0ff0ull
#define DR7_INIT 0x400ull

static struct checks c;
static bool has_xsave, has_avx, has_rdtscp, tried_pke, has_pke;

/* The values one role puts in: the plant's and the probe's differ in every field. */
struct secrets {
	uint16_t fcw;
	uint32_t mxcsr;
	uint64_t mm0, xmm0[2], xmm15, ymm0_hi[2], ymm15_hi, xcr0, kernel_gs_base, dr[4], dr6, dr7, tsc_aux, cr2;
	uint32_t pkru; /* key 0, which every page here has, stays open */
};

static const struct secrets plant_values = {
	.fcw = 0x027f, .mxcsr = 0x7f80, .mm0 = 0x11a7000000000001ull,
	.xmm0 = { 0x11a7000000000002ull, 0x11a7000000000003ull }, .xmm15 = 0x11a7000000000004ull,
	.ymm0_hi = { 0x11a7000000000005ull, 0x11a7000000000006ull }, .ymm15_hi = 0x11a7000000000007ull,
	.xcr0 = XCR0_X87_SSE_AVX, .kernel_gs_base = 0xffff800011a70000ull,
	.dr = { 0x11a7001000ull, 0x11a7002000ull, 0x11a7003000ull, 0x11a7004000ull },
	.dr6 = 0xffff0ff3ull, .dr7 = 0x700ull, .tsc_aux = 0x11a7, .cr2 = 0x11a7005000ull, .pkru = 0x55555554,
};

static const struct secrets probe_values = {
	.fcw = 0x007f, .mxcsr = 0x3f80, .mm0 = 0x960be00000000001ull,
	.xmm0 = { 0x960be00000000002ull, 0x960be00000000003ull }, .xmm15 = 0x960be00000000004ull,
	.ymm0_hi = { 0, 0 }, .ymm15_hi = 0, /* the probe ends with AVX off: XCR0 = x87 | SSE */
	.xcr0 = XCR0_X87_SSE, .kernel_gs_base = 0xffff8000960b0000ull,
	.dr = { 0x960b001000ull, 0x960b002000ull, 0x960b003000ull, 0x960b004000ull },
	.dr6 = 0xffff0ffcull, .dr7 = 0x500ull, .tsc_aux = 0x960b, .cr2 = 0x960b005000ull, .pkru = 0xaaaaaaa8,
};

/* A fresh vCPU. XCR0 reads as x87 only until the guest enables more. */
static const struct secrets initial = {
	.fcw = FCW_INIT, .mxcsr = MXCSR_INIT, .xcr0 = 1, .dr6 = DR6_INIT, .dr7 = DR7_INIT,
};

static void detect(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	has_xsave = r.ecx & (1u << 26);
	bool avx = r.ecx & (1u << 28);
	if (has_xsave)
		has_avx = avx && (cpuid(0xd, 0).eax & 4);
	has_rdtscp = cpuid(0x80000001, 0).edx & (1u << 27);
}

/* SSE instructions need CR4.OSFXSR, XSETBV and XGETBV CR4.OSXSAVE. */
static void enable_sse_and_xsave(void)
{
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | (has_xsave ? CR4_OSXSAVE : 0));
}

/* CPUID hides protection keys, but a CPU that has them takes CR4.PKE all the same. Only
 * tried when the command line says try_pke: on a CPU without them the write raises #GP,
 * but QEMU 7.2 answers it with a failed VM entry instead, which ends the domain. */
static void try_enable_pke(void)
{
	uint64_t cr4 = read_cr4();
	tried_pke = true;
	guest_expect_trap(3); /* mov cr4, rax: 0f 22 e0 */
	__asm__ volatile("mov %0, %%cr4" : : "a"(cr4 | CR4_PKE));
	int vector = guest_trap_vector(NULL);
	has_pke = vector < 0 && (read_cr4() & CR4_PKE);
}

static uint32_t rdpkru(void)
{
	uint32_t eax, edx;
	__asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static void wrpkru(uint32_t v)
{
	__asm__ volatile(".byte 0x0f, 0x01, 0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

/* ---- Reading and writing each class of state ---- */

static void read_x87(struct secrets *s)
{
	__asm__ volatile("fnstcw %0" : "=m"(s->fcw));
	__asm__ volatile("movq %%mm0, %0" : "=r"(s->mm0));
}

static void write_x87(const struct secrets *s)
{
	__asm__ volatile("fninit; fldcw %0" : : "m"(s->fcw));
	__asm__ volatile("movq %0, %%mm0" : : "r"(s->mm0));
}

static void read_sse(struct secrets *s)
{
	__asm__ volatile("stmxcsr %0" : "=m"(s->mxcsr));
	__asm__ volatile("movdqu %%xmm0, %0" : "=m"(s->xmm0));
	__asm__ volatile("movq %%xmm15, %0" : "=r"(s->xmm15));
}

static void write_sse(const struct secrets *s)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(s->mxcsr));
	__asm__ volatile("movdqu %0, %%xmm0" : : "m"(s->xmm0));
	__asm__ volatile("movq %0, %%xmm15" : : "r"(s->xmm15));
}

/* The upper 128 bits of YMM0 and YMM15; the lower are XMM0 and XMM15. Needs XCR0.AVX. */
static void read_avx(struct secrets *s)
{
	uint64_t hi15[2];
	__asm__ volatile("vextractf128 $1, %%ymm0, %0" : "=m"(s->ymm0_hi));
	__asm__ volatile("vextractf128 $1, %%ymm15, %0" : "=m"(hi15));
	s->ymm15_hi = hi15[0] | hi15[1];
}

/* VINSERTF128 writes all of YMMn: the lower half is put back as it was. */
static void write_avx(const struct secrets *s)
{
	uint64_t hi15[2] = { s->ymm15_hi, 0 };
	__asm__ volatile("vinsertf128 $1, %0, %%ymm0, %%ymm0" : : "m"(s->ymm0_hi));
	__asm__ volatile("vinsertf128 $1, %0, %%ymm15, %%ymm15" : : "m"(hi15));
}

/* SWAPGS puts KERNEL_GS_BASE in GS.base, where the CPU saved it at the exit RDMSR makes. */
static uint64_t read_kernel_gs_base(void)
{
	__asm__ volatile("swapgs");
	uint64_t v = rdmsr(MSR_GS_BASE);
	__asm__ volatile("swapgs");
	return v;
}

static void read_debug(struct secrets *s)
{
	__asm__ volatile("mov %%dr0, %0" : "=r"(s->dr[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(s->dr[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(s->dr[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(s->dr[3]));
	__asm__ volatile("mov %%dr6, %0" : "=r"(s->dr6));
	__asm__ volatile("mov %%dr7, %0" : "=r"(s->dr7));
}

/* DR7's LE and GE bits arm nothing: no breakpoint fires with these values. */
static void write_debug(const struct secrets *s)
{
	__asm__ volatile("mov %0, %%dr0" : : "r"(s->dr[0]));
	__asm__ volatile("mov %0, %%dr1" : : "r"(s->dr[1]));
	__asm__ volatile("mov %0, %%dr2" : : "r"(s->dr[2]));
	__asm__ volatile("mov %0, %%dr3" : : "r"(s->dr[3]));
	__asm__ volatile("mov %0, %%dr6" : : "r"(s->dr6));
	__asm__ volatile("mov %0, %%dr7" : : "r"(s->dr7));
}

static uint64_t read_tsc_aux(void)
{
	uint32_t lo, hi, aux;
	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

/* ---- Comparing ---- */

static const char *phase; /* "clean": a fresh vCPU's state; "kept": the role's own values */
static const char *prog;

static void report(const char *what, unsigned failed_before)
{
	if (c.failed == failed_before)
		guest_printf("%s: %s: %s\n", prog, what, phase);
}

static void same(const char *what, uint64_t got, uint64_t want)
{
	check(&c, got == want, "%s: %s 0x%llx, expected 0x%llx", phase, what, (unsigned long long)got,
	      (unsigned long long)want);
}

/* Reads every class and compares it with want. Needs XCR0 with AVX for the AVX class,
 * which a role that ends with AVX off (the probe) skips in its "kept" phase. */
static void compare(const struct secrets *want, bool avx)
{
	struct secrets got;
	unsigned f;

	f = c.failed;
	read_x87(&got);
	same("FCW", got.fcw, want->fcw);
	same("MM0", got.mm0, want->mm0);
	report("x87/MMX", f);

	f = c.failed;
	read_sse(&got);
	same("MXCSR", got.mxcsr, want->mxcsr);
	same("XMM0[63:0]", got.xmm0[0], want->xmm0[0]);
	same("XMM0[127:64]", got.xmm0[1], want->xmm0[1]);
	same("XMM15[63:0]", got.xmm15, want->xmm15);
	report("SSE", f);

	if (avx) {
		f = c.failed;
		read_avx(&got);
		same("YMM0[191:128]", got.ymm0_hi[0], want->ymm0_hi[0]);
		same("YMM0[255:192]", got.ymm0_hi[1], want->ymm0_hi[1]);
		same("YMM15[255:128]", got.ymm15_hi, want->ymm15_hi);
		report("AVX", f);
	}

	f = c.failed;
	same("KERNEL_GS_BASE", read_kernel_gs_base(), want->kernel_gs_base);
	report("KERNEL_GS_BASE", f);

	f = c.failed;
	read_debug(&got);
	for (unsigned i = 0; i < 4; i++) {
		char name[4] = { 'D', 'R', (char)('0' + i), 0 };
		same(name, got.dr[i], want->dr[i]);
	}
	report("DR0-DR3", f);
	f = c.failed;
	same("DR6", got.dr6, want->dr6);
	same("DR7", got.dr7, want->dr7);
	report("DR6/DR7", f);

	if (has_rdtscp) {
		f = c.failed;
		same("TSC_AUX", read_tsc_aux(), want->tsc_aux);
		report("TSC_AUX", f);
	}

	f = c.failed;
	same("CR2", read_cr2(), want->cr2);
	report("CR2", f);

	if (has_pke) {
		f = c.failed;
		same("PKRU", rdpkru(), want->pkru);
		report("PKRU", f);
	}
}

static void plant(const struct secrets *s, bool avx)
{
	if (has_xsave)
		xsetbv(0, avx ? s->xcr0 : XCR0_X87_SSE);
	write_x87(s);
	write_sse(s);
	if (avx)
		write_avx(s);
	wrmsr(MSR_KERNEL_GS_BASE, s->kernel_gs_base);
	write_debug(s);
	if (has_rdtscp)
		wrmsr(MSR_TSC_AUX, s->tsc_aux);
	write_cr2(s->cr2);
	if (has_pke)
		wrpkru(s->pkru);
}

static uint64_t now_ns(void)
{
	struct keel_time t;
	hc_time(&t);
	return t.now_ns;
}

/* Both roles start within a few exits of each other; their steps are this far apart. */
static uint64_t start_ns;

static void block_until(uint64_t ms)
{
	uint64_t deadline = start_ns + ms * 1000000;
	while (now_ns() < deadline)
		hc_block(deadline);
}

/* The XCR0 class: what the role sees first, before it enables anything itself. */
static void compare_xcr0(uint64_t want)
{
	unsigned f = c.failed;
	same("XCR0", xgetbv(0), want);
	report("XCR0", f);
}

int guest_main(const struct guest_boot *boot)
{
	char role[8] = "";
	cmdline_value(boot->cmdline, "role", role, sizeof(role));
	bool is_plant = !strcmp(role, "plant");
	if (!is_plant && strcmp(role, "probe")) {
		guest_printf("leak: cmdline needs role=plant or role=probe, not '%s'\n", boot->cmdline);
		return 255;
	}
	start_ns = now_ns();
	prog = role;
	c.prog = role;
	guest_traps_init();
	detect();
	enable_sse_and_xsave();
	if (cmdline_has_word(boot->cmdline, "try_pke"))
		try_enable_pke();
	bool avx = has_avx;

	if (is_plant) {
		/* Everything planted without printing, then blocked while the probe looks. */
		plant(&plant_values, avx);
		block_until(400);
		phase = "kept";
		if (has_xsave)
			compare_xcr0(avx ? plant_values.xcr0 : XCR0_X87_SSE);
		compare(&plant_values, avx);
	} else {
		block_until(200); /* the plant has planted and blocked by now */
		guest_printf("probe: XSAVE %s, AVX %s, RDTSCP %s, CR4.PKE %s\n", has_xsave ? "yes" : "no",
			     avx ? "yes" : "no", has_rdtscp ? "yes" : "no",
			     has_pke ? "taken" : tried_pke ? "refused" : "not tried");
		phase = "clean";
		if (has_xsave)
			compare_xcr0(initial.xcr0);
		if (avx)
			xsetbv(0, XCR0_X87_SSE_AVX); /* to read the YMM registers */
		compare(&initial, avx);
		plant(&probe_values, false); /* leaves XCR0 = x87 | SSE, unlike the plant */
		block_until(600);
		phase = "kept";
		if (has_xsave)
			compare_xcr0(probe_values.xcr0);
		compare(&probe_values, false);
	}
	return checks_summary(&c);
}
