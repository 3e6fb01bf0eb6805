/* msrs: reads and writes every MSR of Keel's table (vmm/msr.c) and checks what a CPU
 * would give: the values written read back, values a CPU refuses get #GP(0) and leave
 * the MSR as it was, the TSC and TSC_ADJUST move together, RDTSCP sees TSC_AUX, and on an
 * AMD CPU its four legacy performance counters keep what is written. Then
 * every other index of the architectural range (0-0x1fff) and of the extended ranges
 * (0xc0000000-0xc0001fff, AMD's 0xc0010000-0xc0011fff), a spread of others and random
 * ones, each read and written: #GP every time, the host's MSRs among them (VM_HSAVE_PA,
 * VMX_BASIC). Prints one line per table MSR, then the
 * summary; the exit status is the number of failed checks. */
#include "guests/lib/guest.h"

#define GP 13
#define NONCANONICAL 0x0000800000000000ull
#define CANONICAL_HIGH 0xffff800000001000ull

static struct checks c = { .prog = "msrs" };

/* RDMSR / WRMSR under an expected trap: returns the vector (-1: none). */
static int rdmsr_trap(uint32_t index, uint64_t *value)
{
	uint32_t lo = 0, hi = 0;
	guest_expect_trap(2);
	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(index) : "memory");
	*value = (uint64_t)hi << 32 | lo;
	return guest_trap_vector(NULL);
}

static int wrmsr_trap(uint32_t index, uint64_t value)
{
	guest_expect_trap(2);
	__asm__ volatile("wrmsr" : : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)) : "memory");
	return guest_trap_vector(NULL);
}

static uint64_t rd(uint32_t index)
{
	uint64_t v;
	int t = rdmsr_trap(index, &v);
	check(&c, t < 0, "RDMSR 0x%x: exception %d", index, t);
	return v;
}

/* Writes value, which a CPU accepts; it must read back as want. */
static void wr_ok(const char *name, uint32_t index, uint64_t value, uint64_t want)
{
	int t = wrmsr_trap(index, value);
	check(&c, t < 0, "%s: WRMSR 0x%llx: exception %d", name, (unsigned long long)value, t);
	uint64_t got = rd(index);
	check(&c, got == want, "%s: reads 0x%llx after writing 0x%llx, expected 0x%llx", name, (unsigned long long)got,
	      (unsigned long long)value, (unsigned long long)want);
}

/* Writes value, which a CPU refuses with #GP; the MSR keeps what it held. */
static void wr_gp(const char *name, uint32_t index, uint64_t value)
{
	uint64_t before = rd(index);
	int t = wrmsr_trap(index, value);
	check(&c, t == GP, "%s: WRMSR 0x%llx: exception %d, expected #GP", name, (unsigned long long)value, t);
	uint64_t after = rd(index);
	check(&c, after == before, "%s: 0x%llx after a refused write, was 0x%llx", name, (unsigned long long)after,
	      (unsigned long long)before);
}

static void done(const char *name, unsigned failed_before)
{
	if (c.failed == failed_before)
		guest_printf("msrs: %s: ok\n", name);
}

static void unknown(uint32_t index);

static bool cpu_is_amd(void)
{
	return cpuid(0, 0).ebx == 0x68747541; /* "Auth"enticAMD */
}

static bool cpu_has_rdtscp(void)
{
	return cpuid(0x80000001, 0).edx & (1u << 27);
}

/* An address MSR: canonical values stick, a non-canonical one is refused. */
static void address_msr(const char *name, uint32_t index)
{
	unsigned f = c.failed;
	wr_ok(name, index, CANONICAL_HIGH, CANONICAL_HIGH);
	wr_ok(name, index, 0x1000, 0x1000);
	wr_gp(name, index, NONCANONICAL);
	wr_ok(name, index, 0, 0);
	done(name, f);
}

static void table(void)
{
	unsigned f;

	f = c.failed; /* EFER: long mode is on; SVME and reserved bits are refused */
	uint64_t efer = rd(0xc0000080);
	check(&c, (efer & 0x500) == 0x500 && !(efer & (1u << 12)), "EFER: 0x%llx, expected LME and LMA, no SVME",
	      (unsigned long long)efer);
	wr_ok("EFER", 0xc0000080, efer, efer);
	wr_gp("EFER", 0xc0000080, efer | (1u << 12));
	wr_gp("EFER", 0xc0000080, efer | (1ull << 63));
	wr_gp("EFER", 0xc0000080, efer & ~0x100ull); /* LME off with paging on */
	done("EFER", f);

	f = c.failed;
	wr_ok("PAT", 0x277, 0x0007010600070106ull, 0x0007010600070106ull);
	wr_gp("PAT", 0x277, 0x0007010600070102ull); /* type 2 is reserved */
	wr_gp("PAT", 0x277, 0x0807010600070106ull);
	wr_ok("PAT", 0x277, 0x0007040600070406ull, 0x0007040600070406ull);
	done("PAT", f);

	f = c.failed;
	wr_ok("SYSENTER_CS", 0x174, 0x10, 0x10);
	wr_ok("SYSENTER_CS", 0x174, 1ull << 32 | 0x18, 0x18); /* bits 63:32: writes ignored */
	done("SYSENTER_CS", f);
	address_msr("SYSENTER_ESP", 0x175);
	address_msr("SYSENTER_EIP", 0x176);

	f = c.failed;
	wr_ok("STAR", 0xc0000081, 0x0023001000000000ull, 0x0023001000000000ull);
	done("STAR", f);
	address_msr("LSTAR", 0xc0000082);
	address_msr("CSTAR", 0xc0000083);
	f = c.failed;
	wr_ok("SFMASK", 0xc0000084, 0x47700, 0x47700);
	wr_gp("SFMASK", 0xc0000084, 1ull << 32);
	done("SFMASK", f);
	address_msr("FS_BASE", 0xc0000100);
	address_msr("GS_BASE", 0xc0000101);
	address_msr("KERNEL_GS_BASE", 0xc0000102);

	f = c.failed;
	if (cpu_has_rdtscp()) {
		wr_ok("TSC_AUX", 0xc0000103, 0x1234, 0x1234);
		wr_gp("TSC_AUX", 0xc0000103, 1ull << 32);
		uint32_t aux;
		__asm__ volatile("rdtscp" : "=c"(aux) : : "rax", "rdx");
		check(&c, aux == 0x1234, "TSC_AUX: RDTSCP gives ECX 0x%x, expected 0x1234", aux);
	} else {
		uint64_t v;
		check(&c, rdmsr_trap(0xc0000103, &v) == GP, "TSC_AUX: readable, but CPUID offers no RDTSCP");
	}
	done("TSC_AUX", f);

	f = c.failed; /* the TSC moves with the offset; TSC_ADJUST follows (SDM vol.3 §18.17.3) */
	uint64_t t0 = rd(0x10), t1 = rd(0x10);
	check(&c, t1 > t0, "TSC: 0x%llx then 0x%llx", (unsigned long long)t0, (unsigned long long)t1);
	uint64_t adjust0 = rd(0x3b);
	check(&c, wrmsr_trap(0x10, 1ull << 40) < 0, "TSC: WRMSR refused");
	uint64_t t2 = rd(0x10), t3 = rdtsc();
	check(&c, t2 >= 1ull << 40 && t2 < (1ull << 40) + 1000000000ull && t3 >= t2,
	      "TSC: 0x%llx (RDTSC 0x%llx) after writing 2^40", (unsigned long long)t2, (unsigned long long)t3);
	uint64_t adjust1 = rd(0x3b);
	check(&c, adjust1 - adjust0 > (1ull << 40) - t1 - 1000000000ull && adjust1 - adjust0 <= (1ull << 40) - t1,
	      "TSC_ADJUST: moved by 0x%llx", (unsigned long long)(adjust1 - adjust0));
	check(&c, wrmsr_trap(0x3b, adjust1 + (1ull << 41)) < 0, "TSC_ADJUST: WRMSR refused");
	uint64_t t4 = rd(0x10);
	check(&c, t4 >= (1ull << 40) + (1ull << 41), "TSC: 0x%llx after TSC_ADJUST += 2^41", (unsigned long long)t4);
	check(&c, rd(0x3b) == adjust1 + (1ull << 41), "TSC_ADJUST: does not read back");
	done("TSC and TSC_ADJUST", f);

	f = c.failed;
	uint64_t apic = rd(0x1b);
	check(&c, apic == 0xfee00900, "APIC_BASE: 0x%llx, expected 0xfee00900", (unsigned long long)apic);
	wr_gp("APIC_BASE", 0x1b, apic | 1);                     /* reserved */
	wr_gp("APIC_BASE", 0x1b, (apic & ~(1u << 11)) | (1u << 10)); /* EXTD without EN */
	wr_ok("APIC_BASE", 0x1b, 0xfed00800, 0xfed00900); /* moved; BSP stays as it is */
	wr_ok("APIC_BASE", 0x1b, apic, apic);
	/* x2APIC mode, which CPUID offers; back to xAPIC only through disabled (SDM vol.3
	 * §11.12.5). */
	wr_ok("APIC_BASE", 0x1b, apic | (1u << 10), apic | (1u << 10));
	wr_gp("APIC_BASE", 0x1b, apic);
	wr_ok("APIC_BASE", 0x1b, apic & ~(3u << 10), apic & ~(3u << 10));
	wr_ok("APIC_BASE", 0x1b, apic, apic);
	done("APIC_BASE", f);

	/* TSC_DEADLINE, which CPUID offers: while the local APIC timer is not in TSC-deadline
	 * mode it reads 0 and writes go nowhere (SDM vol.3 §11.5.4.1). */
	f = c.failed;
	check(&c, rd(0x6e0) == 0, "TSC_DEADLINE: 0x%llx, expected 0", (unsigned long long)rd(0x6e0));
	wr_ok("TSC_DEADLINE", 0x6e0, 0x123456789, 0);
	done("TSC_DEADLINE", f);

	f = c.failed;
	uint64_t misc = rd(0x1a0);
	check(&c, misc == 0x1801, "MISC_ENABLE: 0x%llx, expected 0x1801", (unsigned long long)misc);
	wr_ok("MISC_ENABLE", 0x1a0, misc | (1u << 22), misc | (1u << 22));
	wr_gp("MISC_ENABLE", 0x1a0, misc ^ (1u << 11));
	wr_ok("MISC_ENABLE", 0x1a0, misc, misc);
	done("MISC_ENABLE", f);

	f = c.failed;
	check(&c, rd(0xfe) == 0x508, "MTRRCAP: not 0x508");
	wr_gp("MTRRCAP", 0xfe, 0x508);
	wr_ok("MTRR_DEF_TYPE", 0x2ff, 0xc06, 0xc06);
	wr_gp("MTRR_DEF_TYPE", 0x2ff, 0xc02);
	wr_gp("MTRR_DEF_TYPE", 0x2ff, 0x1c06);
	wr_ok("MTRR_PHYSBASE0", 0x200, 0x80000006, 0x80000006);
	wr_gp("MTRR_PHYSBASE0", 0x200, 0x80000106);
	wr_ok("MTRR_PHYSMASK0", 0x201, 0xff0000800ull, 0xff0000800ull);
	wr_gp("MTRR_PHYSMASK0", 0x201, 0xff0000801ull);
	wr_ok("MTRR_PHYSMASK7", 0x20f, 0, 0);
	wr_ok("MTRR_FIX64K_00000", 0x250, 0x0606060606060606ull, 0x0606060606060606ull);
	wr_gp("MTRR_FIX16K_80000", 0x258, 0x0606060606060603ull);
	wr_ok("MTRR_FIX4K_F8000", 0x26f, 0x0505050505050505ull, 0x0505050505050505ull);
	done("MTRRs", f);

	f = c.failed;
	check(&c, rd(0x3a) == 1, "FEATURE_CONTROL: not locked with VMX off");
	wr_gp("FEATURE_CONTROL", 0x3a, 5);
	check(&c, rd(0x17) == 0, "PLATFORM_ID: not 0");
	wr_gp("PLATFORM_ID", 0x17, 0);
	check(&c, wrmsr_trap(0x8b, 0) < 0, "BIOS_SIGN_ID: write refused");
	check(&c, rd(0x8b) == 0, "BIOS_SIGN_ID: not 0");
	rd(0xce);
	wr_gp("PLATFORM_INFO", 0xce, 0);
	done("FEATURE_CONTROL, PLATFORM_ID, BIOS_SIGN_ID, PLATFORM_INFO", f);

	f = c.failed; /* AMD's legacy counters: kept as written, counting nothing; #GP on Intel */
	if (cpu_is_amd()) {
		for (uint32_t i = 0; i < 4; i++) {
			wr_ok("PERF_CTL", 0xc0010000 + i, 0x430076 + i, 0x430076 + i); /* cycles, OS and user, enabled */
			wr_gp("PERF_CTL", 0xc0010000 + i, 1ull << 21);
			wr_gp("PERF_CTL", 0xc0010000 + i, 1ull << 42);
			wr_ok("PERF_CTR", 0xc0010004 + i, ~0ull, 0xffffffffffffull); /* 48 bits */
			check(&c, rd(0xc0010004 + i) == 0xffffffffffffull, "PERF_CTR%u: counted", i);
			wr_ok("PERF_CTL", 0xc0010000 + i, 0, 0);
			wr_ok("PERF_CTR", 0xc0010004 + i, 0, 0);
		}
	} else {
		for (uint32_t i = 0; i < 8; i++)
			unknown(0xc0010000 + i);
	}
	done("AMD PERF_CTL and PERF_CTR", f);

	f = c.failed; /* AMD's SYSCFG, HWCR, NB_CFG, INT_PENDING_MSG: 0 (HWCR: TscFreqSel from
		       * family 0x10 on), taking what reads and 0; NB_CFG bit 46 without effect; #GP
		       * on Intel */
	static const uint32_t config[] = { 0xc0010010, 0xc0010015, 0xc001001f, 0xc0010055 };
	uint32_t family = (cpuid(1, 0).eax >> 8) & 0xf;
	if (family == 0xf)
		family += (cpuid(1, 0).eax >> 20) & 0xff;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t fixed = config[i] == 0xc0010015 && family >= 0x10 ? 1ull << 24 : 0;
		if (!cpu_is_amd()) {
			unknown(config[i]);
			continue;
		}
		check(&c, rd(config[i]) == fixed, "AMD configuration 0x%x: reads 0x%llx, expected 0x%llx", config[i],
		      (unsigned long long)rd(config[i]), (unsigned long long)fixed);
		wr_ok("AMD configuration", config[i], 0, fixed);
		wr_ok("AMD configuration", config[i], fixed, fixed);
		wr_gp("AMD configuration", config[i], 1);
		if (config[i] == 0xc001001f)
			wr_ok("AMD NB_CFG", config[i], 1ull << 46, 0);
	}
	done("AMD SYSCFG, HWCR, NB_CFG and INT_PENDING_MSG", f);
}

/* MSRs Keel does not emulate: among them the host's own virtualization MSRs. */
static const uint32_t others[] = {
	0x0, 0x1, 0x6, 0x79, 0x9b, 0x1d9, 0x1a2, 0x38f, 0x480, 0x48c, 0x600, 0x802, 0x808, 0x830,
	0xc0000104, 0xc0010011, 0xc0010016, 0xc0010114, 0xc0010117, 0x40000000, 0x4b564d02, 0xffffffff,
};

static bool in_table(uint32_t index)
{
	if (cpu_is_amd() && ((index >= 0xc0010000 && index <= 0xc0010007) || index == 0xc0010010 ||
			      index == 0xc0010015 || index == 0xc001001f || index == 0xc0010055))
		return true;
	static const uint32_t ranges[][2] = {
		{ 0x10, 0x10 }, { 0x17, 0x17 }, { 0x1b, 0x1b }, { 0x3a, 0x3b }, { 0x8b, 0x8b }, { 0xce, 0xce },
		{ 0xfe, 0xfe }, { 0x174, 0x176 }, { 0x1a0, 0x1a0 }, { 0x200, 0x20f }, { 0x250, 0x250 },
		{ 0x258, 0x259 }, { 0x268, 0x26f }, { 0x277, 0x277 }, { 0x2ff, 0x2ff }, { 0x6e0, 0x6e0 }, { 0xc0000080, 0xc0000084 },
		{ 0xc0000100, 0xc0000103 }, { 0x4b564d00, 0x4b564d01 }, /* the KVM clock's (kvmclock.c checks them) */
	};
	for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (index >= ranges[i][0] && index <= ranges[i][1])
			return true;
	return false;
}

static void unknown(uint32_t index)
{
	uint64_t v;
	int r = rdmsr_trap(index, &v);
	int w = wrmsr_trap(index, 0x5a5a5a5a);
	check(&c, r == GP && w == GP, "MSR 0x%x: read gave %d, write %d, expected #GP for both", index, r, w);
}

int guest_main(const struct guest_boot *boot)
{
	struct xorshift64 rng;
	uint64_t seed = 1;
	cmdline_u64(boot->cmdline, "seed", &seed);
	xorshift64_seed(&rng, seed);
	guest_traps_init();
	table();
	unsigned f = c.failed;
	static const uint32_t sweeps[][2] = { { 0, 0x1fff }, { 0xc0000000, 0xc0001fff }, { 0xc0010000, 0xc0011fff } };
	for (unsigned s = 0; s < sizeof(sweeps) / sizeof(sweeps[0]); s++)
		for (uint32_t index = sweeps[s][0]; index <= sweeps[s][1]; index++)
			if (!in_table(index))
				unknown(index);
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		unknown(others[i]);
	for (unsigned i = 0; i < 500; i++) {
		uint64_t r = xorshift64_next(&rng);
		/* half anywhere, half in the low ranges where the architectural MSRs live */
		uint32_t index = (uint32_t)(i % 2 ? r : (r & 0x1fff) | ((r >> 32) & 1 ? 0xc0000000u : 0));
		if (!in_table(index))
			unknown(index);
	}
	done("other MSRs", f);
	return checks_summary(&c);
}
