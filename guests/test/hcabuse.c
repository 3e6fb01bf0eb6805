/* hcabuse: every documented hypercall error comes back, and nothing else. Then calls=<n>
 * (default 2000) hypercalls with random numbers and arguments (seed=, default 1):
 * unknown numbers must give -ENOSYS, console_write, yield, domain_info and time one of
 * -EINVAL, -EFAULT or success, the domain-control calls -EPERM (it runs as a domain without
 * rights). Never random shutdown or block calls. Last, hypercalls from CPL 3, which must get
 * -EPERM and do nothing. Prints how many of its calls the access policy denied, then
 * returns the number of failed checks. The cmdline may say name=<the domain's name>. */
#include "guests/lib/guest.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MIB 0x100000ull
#define RANDOM_CALLS 2000 /* unless calls= says otherwise */
#define RANDOM_FAILURES_SHOWN 10
#define ENOSYS_R (-(long)KEEL_ENOSYS)
#define EPERM_R (-(long)KEEL_EPERM)
#define EINVAL_R (-(long)KEEL_EINVAL)
#define EFAULT_R (-(long)KEEL_EFAULT)
#define WRAPPING (~0ull - 3) /* a buffer from here wraps around 2^64 */

static struct checks c = { .prog = "hcabuse" };
static uint64_t denied; /* domain-control calls made at CPL 0: each one the policy denies */

static struct keel_domain_info dinfo;
static struct keel_time ktime[3];
static char big[KEEL_CONSOLE_WRITE_MAX + 1];
/* Where random domain_info and time calls may write: start below 256, at most 128 bytes. */
static uint8_t scratch[512] __attribute__((aligned(8)));
/* What random console_write calls may print: dots, and no newline. */
static char noise[128];

static uint64_t gpa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static long hc(uint64_t nr, uint64_t a0, uint64_t a1)
{
	return guest_hypercall(nr, a0, a1, 0, 0, 0);
}

/* "<call> returned <got>, expected <want>" unless got == want. */
static void expect(long got, long want, const char *call_fmt, ...) __attribute__((format(printf, 3, 4)));
static void expect(long got, long want, const char *call_fmt, ...)
{
	char call[128];
	va_list ap;
	va_start(ap, call_fmt);
	kvsnprintf(call, sizeof(call), call_fmt, ap);
	va_end(ap);
	check(&c, got == want, "%s returned %ld, expected %ld", call, got, want);
}

static void unknown_numbers(void)
{
	static const uint64_t numbers[] = { 0, KEEL_HC_MODULE_READ + 1, 1000, 0xffff, (1ull << 32) | 1, ~0ull };
	for (unsigned i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		expect(guest_hypercall(numbers[i], 0, 0, 0, 0, 0), ENOSYS_R, "hypercall 0x%lx", numbers[i]);
}

static bool is_control(uint64_t nr)
{
	return nr >= KEEL_HC_DOMAIN_LIST && nr <= KEEL_HC_DOMAIN_CREATE;
}

/* Domain control, for a domain without rights: each call denied, whatever it names. */
static void control_numbers(void)
{
	for (uint64_t nr = KEEL_HC_DOMAIN_LIST; nr <= KEEL_HC_DOMAIN_CREATE; nr++) {
		expect(guest_hypercall(nr, 0, 0, 0, 0, 0), EPERM_R, "hypercall %lu (domain control)", nr);
		denied++;
	}
}

static void console_write_calls(uint64_t mem)
{
	static const uint64_t huge[] = { 1ull << 40, 1ull << 52, 1ull << 63 };
	char *top = (char *)(uintptr_t)(mem - 8);

	memset(big, '#', sizeof(big));
	expect(hc(KEEL_HC_CONSOLE_WRITE, gpa(big), 0), 0, "console_write(0x%lx, 0)", gpa(big));
	expect(hc(KEEL_HC_CONSOLE_WRITE, gpa(big), KEEL_CONSOLE_WRITE_MAX + 1), EINVAL_R, "console_write(0x%lx, %u)",
	       gpa(big), KEEL_CONSOLE_WRITE_MAX + 1);
	expect(hc(KEEL_HC_CONSOLE_WRITE, mem - 8, 16), EFAULT_R, "console_write(0x%lx, 16)", mem - 8);
	memcpy(top, "hcabuse\n", 8); /* the last 8 bytes of RAM: a line on the console */
	expect(hc(KEEL_HC_CONSOLE_WRITE, mem - 8, 8), 8, "console_write(0x%lx, 8)", mem - 8);
	/* A line across the boundary of two 2 MiB pages (free memory 2 MiB below the top). */
	uint64_t across = mem - (2u << 20) - 4;
	memcpy((char *)(uintptr_t)across, "straddle\n", 9);
	expect(hc(KEEL_HC_CONSOLE_WRITE, across, 9), 9, "console_write(0x%lx, 9)", across);
	expect(hc(KEEL_HC_CONSOLE_WRITE, WRAPPING, 8), EFAULT_R, "console_write(0x%llx, 8)", WRAPPING);
	for (unsigned i = 0; i < 3; i++)
		expect(hc(KEEL_HC_CONSOLE_WRITE, huge[i], 8), EFAULT_R, "console_write(0x%lx, 8)", huge[i]);
}

/* The buffer rules domain_info and time share: size, straddling, wrapping, huge. */
static void buffer_rules(const char *name, uint64_t nr, void *buf, uint64_t size, uint64_t mem)
{
	expect(hc(nr, gpa(buf), size - 1), EINVAL_R, "%s(0x%lx, %lu)", name, gpa(buf), size - 1);
	expect(hc(nr, 1ull << 40, size), EFAULT_R, "%s(0x%llx, %lu)", name, 1ull << 40, size);
	expect(hc(nr, mem - 8, size), EFAULT_R, "%s(0x%lx, %lu)", name, mem - 8, size);
	expect(hc(nr, WRAPPING, size), EFAULT_R, "%s(0x%llx, %lu)", name, WRAPPING, size);
	expect(hc(nr, gpa(buf), 1ull << 63), EFAULT_R, "%s(0x%lx, 0x%llx)", name, gpa(buf), 1ull << 63);
	expect(hc(nr, gpa(buf), size), (long)size, "%s(0x%lx, %lu)", name, gpa(buf), size);
}

static void domain_info_calls(const struct guest_boot *boot, uint64_t mem)
{
	char want[KEEL_DOMAIN_NAME_MAX + 1];
	struct keel_domain_info *d = &dinfo;

	buffer_rules("domain_info", KEEL_HC_DOMAIN_INFO, d, sizeof(*d), mem);
	check(&c, d->abi_version == KEEL_HYPERCALL_ABI_VERSION, "domain_info: abi_version %u, expected %u",
	      d->abi_version, KEEL_HYPERCALL_ABI_VERSION);
	check(&c, d->vcpus == 1, "domain_info: vcpus %u, expected 1", d->vcpus);
	check(&c, d->restarts == 0, "domain_info: restarts %u, expected 0", d->restarts);
	check(&c, d->memory_bytes && d->memory_bytes % MIB == 0,
	      "domain_info: memory_bytes 0x%lx, expected a non-zero multiple of 1 MiB", d->memory_bytes);
	bool terminated = strnlen(d->name, sizeof(d->name)) < sizeof(d->name);
	check(&c, terminated, "domain_info: name is not NUL-terminated");
	if (cmdline_value(boot->cmdline, "name", want, sizeof(want)) >= 0)
		check(&c, terminated && strcmp(d->name, want) == 0, "domain_info: name \"%.*s\", expected \"%s\"",
		      KEEL_DOMAIN_NAME_MAX, d->name, want);
}

static void time_calls(uint64_t mem)
{
	buffer_rules("time", KEEL_HC_TIME, &ktime[0], sizeof(ktime[0]), mem);
	check(&c, ktime[0].tsc_hz > 0, "time: tsc_hz 0");
	for (unsigned i = 1; i < 3; i++)
		expect(hc_time(&ktime[i]), sizeof(ktime[i]), "time(0x%lx, %zu)", gpa(&ktime[i]), sizeof(ktime[i]));
	check(&c, ktime[0].now_ns <= ktime[1].now_ns && ktime[1].now_ns <= ktime[2].now_ns,
	      "time: now_ns %lu, %lu, %lu: not non-decreasing", ktime[0].now_ns, ktime[1].now_ns, ktime[2].now_ns);
}

static void block_calls(void)
{
	struct keel_time before = { 0 }, after = { 0 };

	expect(hc_block(1), 0, "block(1)"); /* long past: returns at once */
	long t0 = hc_time(&before);
	uint64_t deadline = before.now_ns + 2000000;
	expect(hc_block(deadline), 0, "block(now + 2 ms)");
	long t1 = hc_time(&after);
	check(&c, t0 == sizeof(before) && t1 == sizeof(after) && after.now_ns >= deadline,
	      "block(now + 2 ms): woke at %lu ns, before the deadline %lu ns", after.now_ns, deadline);

	/* A timer event already due ends block(0) at once (without it, block(0) would never
	 * return) and is used up; set_timer(0) cancels one. */
	expect(hc_set_timer(1), 0, "set_timer(1)");
	expect(hc_block(0), 0, "block(0) with a timer event due");
	expect(hc_set_timer(~0ull), 0, "set_timer(2^64 - 1)");
	expect(hc_set_timer(0), 0, "set_timer(0)");
	hc_time(&before);
	deadline = before.now_ns + 2000000;
	expect(hc_block(deadline), 0, "block(now + 2 ms) with the timer cancelled");
	hc_time(&after);
	check(&c, after.now_ns >= deadline, "block(now + 2 ms) with the timer cancelled: woke at %lu ns, before %lu ns",
	      after.now_ns, deadline);
}

/* The fewest exits vcpu_exits counts from one call to the next with `between` in between
 * (the second call's own exit included): of 8 tries, as a host interrupt may add one. */
static long fewest_exits(void (*between)(void))
{
	long fewest = -1;
	for (unsigned i = 0; i < 8; i++) {
		long before = hc_vcpu_exits();
		between();
		long after = hc_vcpu_exits();
		check(&c, before >= 0 && after > before, "vcpu_exits: %ld, then %ld", before, after);
		if (fewest < 0 || after - before < fewest)
			fewest = after - before;
	}
	return fewest;
}

static void nothing(void)
{
}

static void one_cpuid(void)
{
	cpuid(0, 0);
}

static void vcpu_exits_calls(void)
{
	expect(fewest_exits(nothing), 1, "vcpu_exits() twice in a row: the difference");
	expect(fewest_exits(one_cpuid), 2, "vcpu_exits() around a CPUID: the difference");
}

static void shutdown_calls(void)
{
	/* Each must fail without ending the domain. */
	expect(hc_shutdown(3, 0), EINVAL_R, "shutdown(3, 0)");
	expect(hc_shutdown(~0ull, 0), EINVAL_R, "shutdown(0x%llx, 0)", ~0ull);
	expect(hc_shutdown(KEEL_SHUTDOWN_POWEROFF, 1ull << 32), EINVAL_R, "shutdown(0, 0x%llx)", 1ull << 32);
}

/* Half the calls reach a hypercall that takes random arguments safely, the others
 * unknown numbers: small ones, known ones with high bits set, anything. */
static uint64_t random_number(struct xorshift64 *r)
{
	static const uint64_t safe[] = { KEEL_HC_CONSOLE_WRITE, KEEL_HC_YIELD, KEEL_HC_DOMAIN_INFO, KEEL_HC_TIME };
	uint64_t x = xorshift64_next(r), nr;

	switch (x % 8) {
	case 4:
	case 5:
		nr = (x >> 8) % 64;
		break;
	case 6:
		nr = ((x >> 8) << 32) | safe[(x >> 3) % 4] | (1ull << 32);
		break;
	case 7:
		nr = xorshift64_next(r);
		break;
	default:
		nr = safe[(x >> 8) % 4];
		break;
	}
	if (nr == KEEL_HC_BLOCK || nr == KEEL_HC_SHUTDOWN || nr == KEEL_HC_SET_TIMER)
		nr = 0;
	return nr;
}

/* For domain_info and time: mostly outside RAM; inside it only where writing does no
 * harm (the scratch buffer, the last 64 bytes of RAM). */
static uint64_t random_address(struct xorshift64 *r, uint64_t mem)
{
	uint64_t x = xorshift64_next(r), y = xorshift64_next(r);

	switch (x % 4) {
	case 0:
		return y;                      /* anywhere */
	case 1:
		return mem + y % (1ull << 32); /* beyond RAM */
	case 2:
		return mem - 64 + y % 128;     /* across its end */
	default:
		return gpa(scratch) + y % (sizeof(scratch) / 2);
	}
}

/* For console_write: valid buffers are rare, and hold dots, zeros or "hcabuse\n" (the
 * last 64 bytes of RAM), so the console stays quiet. */
static uint64_t random_text_address(struct xorshift64 *r, uint64_t mem)
{
	uint64_t x = xorshift64_next(r) % 16, y = xorshift64_next(r);

	if (x < 8)
		return y;
	if (x < 12)
		return mem + y % (1ull << 32);
	if (x < 15)
		return mem - 64 + y % 128;
	return gpa(noise) + y % (sizeof(noise) / 2);
}

static uint64_t random_size(struct xorshift64 *r)
{
	uint64_t x = xorshift64_next(r);

	switch (x % 4) {
	case 0:
	case 1:
		return (x >> 8) % 128;
	case 2:
		return 1ull << ((x >> 8) % 64);
	default:
		return xorshift64_next(r);
	}
}

static void random_calls(const struct guest_boot *boot, uint64_t mem)
{
	struct xorshift64 rng;
	uint64_t seed = 1, calls = RANDOM_CALLS;
	unsigned shown = 0;

	cmdline_u64(boot->cmdline, "seed", &seed);
	cmdline_u64(boot->cmdline, "calls", &calls);
	xorshift64_seed(&rng, seed);
	memset(noise, '.', sizeof(noise));
	guest_printf("hcabuse: %lu random calls, seed %lu\n", calls, seed);

	for (uint64_t i = 0; i < calls; i++) {
		uint64_t nr = random_number(&rng), a[5];
		for (unsigned k = 0; k < 5; k++)
			a[k] = xorshift64_next(&rng);
		if (nr == KEEL_HC_CONSOLE_WRITE) {
			a[0] = random_text_address(&rng, mem);
			a[1] &= 63; /* short: valid ones print */
		} else if (nr == KEEL_HC_DOMAIN_INFO || nr == KEEL_HC_TIME) {
			a[0] = random_address(&rng, mem);
			a[1] = random_size(&rng);
		}
		long got = guest_hypercall(nr, a[0], a[1], a[2], a[3], a[4]);
		bool known = nr >= 1 && nr <= KEEL_HC_VCPU_EXITS, control = is_control(nr);
		bool module = nr == KEEL_HC_MODULE_INFO || nr == KEEL_HC_MODULE_READ; /* it has none */
		bool ok = known ? got == EINVAL_R || got == EFAULT_R || got >= 0 :
			  control ? got == EPERM_R :
			  module  ? got == -(long)KEEL_ENOENT :
				    got == ENOSYS_R;
		denied += control;
		if (ok || shown < RANDOM_FAILURES_SHOWN) {
			check(&c, ok, "random hypercall 0x%lx(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx) returned %ld, expected %s",
			      nr, a[0], a[1], a[2], a[3], a[4], got,
			      known ? "-22, -14 or >= 0" : control ? "-1" : module ? "-2" : "-38");
			shown += !ok;
		} else {
			c.total++; /* counted, no longer printed */
			c.failed++;
		}
	}
	guest_console_puts("\n"); /* ends what valid random writes printed */
	if (shown == RANDOM_FAILURES_SHOWN)
		guest_printf("hcabuse: (failures of random calls after the first %u are counted, not shown)\n",
			     RANDOM_FAILURES_SHOWN);
}

/* What the CPL 3 functions below do; each is run by guest_user_run. */
static long user_cpl(void)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

static const char user_text[] = "hcabuse: FAILED: this line was written from CPL 3\n";
static struct keel_domain_info user_info_buf;

static long user_write(void)
{
	return hc_console_write(user_text, sizeof(user_text) - 1);
}

static long user_shutdown(void)
{
	return hc_shutdown(KEEL_SHUTDOWN_POWEROFF, 9);
}

static long user_domain_info(void)
{
	return hc_domain_info(&user_info_buf);
}

static long user_unknown(void)
{
	return hc(1000, 0, 0);
}

static long user_port(void)
{
	return inb(0x3ff); /* IOPL 0 and no I/O bitmap: #GP, before any exit */
}

/* "<name> at CPL 3 returned <got>" unless it returned want, or "raised <vector>". */
static void expect_user(long (*fn)(void), long want, const char *name)
{
	long result = 0, how = guest_user_run(fn, &result);
	if (how != GUEST_USER_RETURNED)
		check(&c, false, "%s at CPL 3 raised exception %ld", name, how);
	else
		expect(result, want, "%s at CPL 3", name);
}

static void user_mode_calls(void)
{
	guest_traps_init();
	guest_user_init(0, 1ull << 32); /* the low 4 GiB: the image, its data and stack */
	expect_user(user_cpl, 3, "mov %cs");
	expect_user(user_write, -(long)KEEL_EPERM, "console_write");
	expect_user(user_shutdown, -(long)KEEL_EPERM, "shutdown(poweroff, 9)");
	expect_user(user_domain_info, -(long)KEEL_EPERM, "domain_info");
	check(&c, user_info_buf.memory_bytes == 0, "domain_info at CPL 3 wrote its buffer");
	expect_user(user_unknown, -(long)KEEL_EPERM, "hypercall 1000");
	long how = guest_user_run(user_port, NULL);
	check(&c, how == 13, "IN at CPL 3: exception %ld, expected 13 (#GP)", how);
	expect(hc_yield(), 0, "yield() at CPL 0 afterwards");
}

int guest_main(const struct guest_boot *boot)
{
	struct keel_domain_info self = { 0 };
	long got = hc_domain_info(&self);

	/* The RAM size first: the buffer tests are placed against its end. */
	if (got != (long)sizeof(self) || self.memory_bytes < 2 * MIB) {
		check(&c, false, "domain_info returned %ld (memory_bytes 0x%lx): no RAM size to test against", got,
		      self.memory_bytes);
		return checks_summary(&c);
	}
	uint64_t mem = self.memory_bytes;

	unknown_numbers();
	control_numbers();
	console_write_calls(mem);
	domain_info_calls(boot, mem);
	time_calls(mem);
	block_calls();
	expect(hc_yield(), 0, "yield()");
	shutdown_calls();
	vcpu_exits_calls();
	random_calls(boot, mem);
	user_mode_calls();
	guest_printf("hcabuse: %lu domain-control calls denied\n", denied);
	return checks_summary(&c);
}
