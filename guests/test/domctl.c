/* domctl: the domain-control hypercalls and the access policy (docs/policy.md), in one of
 * three roles (role= on the command line); each returns its number of failed checks.
 *
 * Its lines begin "domctl <role>: ".
 *
 * role=boss, as dom0 beside two spinning domains "a" and "b" (spin.elf), "helper", "rogue"
 * and "talk" (echo.elf, on_poweroff = "preserve"): waits until helper and rogue have ended;
 * types two lines to talk (console_input) and reads its answers and its end from its console
 * (console_read), finds it preserved and destroys it; reads
 * Keel's log (keel_log) and finds its own build and the helper's denials there; then checks
 * host_info, domain_list (ids, names, flags), pause (a's CPU time stands still while b's
 * goes on), unpause, sched (weights 768 and 256: a gets 75% of the CPU, within 10 points),
 * shutdown (a ignores its power button and runs on; b, reset, is built again), the errors
 * of bad calls, and destroy (b is gone from the list, its id then unknown). It ends with a
 * still running: Keel stops it.
 *
 * role=helper, with rights = [ "pause a", "console a", "info b" ]: sees a and b and nothing
 * else, pauses and unpauses a and reads its console; destroy, sched and shutdown on a,
 * pause on b, anything on dom0 or on an unknown id, host_info and keel_log are denied:
 * eight denials.
 *
 * role=rogue, with no rights and target=<a's id>: each of the ten domain-control calls is
 * denied.
 *
 * role=maker, as dom0 alone, its modules named by their command lines (spin.elf,
 * domctl.elf, and configurations w1.cfg, w2.cfg, fill.cfg, fresh.cfg, and bad ones): creates
 * w1 and w2 from them (spin.elf), gets the documented error and reason for each bad request,
 * destroys them and finds all of Keel's memory free again; creates "fill" (role=fill), which
 * writes a pattern over its RAM from 4 MiB up and powers off, then "fresh" (role=fresh,
 * preserved once ended), which finds no byte of it there, reads fresh's verdict from its
 * console and destroys it. Ids grow: a destroyed domain's is never given again.
 *
 * role=fill and role=fresh: the two halves of that memory check; fresh's exit status is 1
 * if it found a byte not zero. */
#include "guests/lib/guest.h"
#include "lib/printf.h"
#include "lib/string.h"

#define EPERM_R (-(long)KEEL_EPERM)
#define ESRCH_R (-(long)KEEL_ESRCH)
#define EINVAL_R (-(long)KEEL_EINVAL)
#define EFAULT_R (-(long)KEEL_EFAULT)
#define EBUSY_R (-(long)KEEL_EBUSY)
#define MS 1000000ul
#define MAX_DOMAINS 8
#define WAIT_LIMIT_NS (5000 * MS) /* for the others to end: Keel's clock, generous under emulation */

static struct checks c = { .prog = "domctl" };
static struct keel_domain_status list[MAX_DOMAINS];
static char text[8192]; /* a console's or Keel's log, as read */

static void expect(long got, long want, const char *call)
{
	check(&c, got == want, "%s returned %ld, expected %ld", call, got, want);
}

static void sleep_ms(uint64_t ms)
{
	hc_block(guest_now_ns() + ms * MS);
}

/* The list from id 0 on; its length. */
static long list_all(void)
{
	return hc_domain_list(list, MAX_DOMAINS, 0);
}

static const struct keel_domain_status *find(long n, const char *name)
{
	for (long i = 0; i < n; i++)
		if (strcmp(list[i].name, name) == 0)
			return &list[i];
	return NULL;
}

/* The CPU time of domain `name` now, or ~0 if it is not listed. */
static uint64_t cpu_of(const char *name)
{
	const struct keel_domain_status *d = find(list_all(), name);
	return d ? d->cpu_ns : ~0ull;
}

/* Waits until none of the names is listed; false if they are still there at the limit. */
static bool wait_gone(const char *const *names, unsigned count)
{
	uint64_t limit = guest_now_ns() + WAIT_LIMIT_NS;
	while (guest_now_ns() < limit) {
		long n = list_all();
		bool any = false;
		for (unsigned i = 0; i < count; i++)
			any |= find(n, names[i]) != NULL;
		if (!any)
			return true;
		sleep_ms(10);
	}
	return false;
}

static bool contains(const char *hay, uint64_t n, const char *needle)
{
	uint64_t k = strlen(needle);
	for (uint64_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

/* Reads domain id's console from *pos on, appending to text (length *n), until it holds
 * `want` or WAIT_LIMIT_NS passes. */
static bool read_until(unsigned id, uint64_t *pos, uint64_t *n, const char *want)
{
	uint64_t limit = guest_now_ns() + WAIT_LIMIT_NS;
	while (guest_now_ns() < limit) {
		long got = hc_console_read(id, text + *n, sizeof(text) - 1 - *n, pos);
		if (got < 0)
			return false;
		*n += (uint64_t)got;
		if (contains(text, *n, want))
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Two lines typed to talk's COM1, its answers and its end read from its console. */
static void console_checks(unsigned talk)
{
	static const char *const gone[] = { "talk" };
	uint64_t pos = 0, n = 0;
	check(&c, read_until(talk, &pos, &n, "echo: ready"), "talk never said it was ready");
	expect(hc_console_input(talk, "hello\r", 6), 6, "console_input(talk, \"hello\\r\")");
	check(&c, read_until(talk, &pos, &n, "echo: got 'hello'\n"), "talk's console: no answer to hello");
	check(&c, pos == n, "console_read: position %lu after %lu bytes", pos, n);
	char first[4];
	uint64_t again = 0;
	expect(hc_console_read(talk, first, 4, &again), 4, "console_read(talk, 4 bytes, from 0)");
	check(&c, again == 4 && memcmp(first, "echo", 4) == 0, "console_read from 0: position %lu, \"%.4s\"", again,
	      first);
	again = pos + 1;
	expect(hc_console_read(talk, first, 4, &again), EINVAL_R, "console_read(talk, from beyond its end)");
	expect(guest_hypercall(KEEL_HC_CONSOLE_INPUT, talk, (uint64_t)(uintptr_t)text, KEEL_CONSOLE_WRITE_MAX + 1, 0, 0),
	       EINVAL_R, "console_input(talk, 4097 bytes)");
	expect(hc_console_input(talk, "quit\r", 5), 5, "console_input(talk, \"quit\\r\")");
	check(&c, read_until(talk, &pos, &n, "echo: 1 lines, 11 bytes in "), "talk's console: no end after quit");
	/* Preserved once ended (on_poweroff), with its console, until destroyed. */
	uint64_t limit = guest_now_ns() + WAIT_LIMIT_NS;
	const struct keel_domain_status *t = NULL;
	while (guest_now_ns() < limit && !((t = find(list_all(), "talk")) && t->state == KEEL_DOMAIN_PRESERVED))
		sleep_ms(10);
	check(&c, t && t->state == KEEL_DOMAIN_PRESERVED && t->flags == KEEL_DOMAIN_F_HAS_STATUS &&
			  t->end_reason == KEEL_END_POWEROFF && t->end_status == 0,
	      "talk not preserved after its poweroff with status 0");
	expect(hc_console_input(talk, "x", 1), EBUSY_R, "console_input(talk) once it has ended");
	expect(hc_domain_destroy(talk), 0, "domain_destroy(talk, preserved)");
	check(&c, wait_gone(gone, 1), "talk still listed after its destroy");
}

/* Keel's log, from its start: this domain's build, the helper's denials, and none of the
 * guests' console lines, which are theirs. */
static void keel_log_checks(void)
{
	uint64_t pos = 0, n = 0;
	long got;
	while (n < sizeof(text) - 1 && (got = hc_keel_log(text + n, sizeof(text) - 1 - n, &pos)) > 0)
		n += (uint64_t)got;
	check(&c, contains(text, n, "[info] dom0 boss: built: "), "keel_log: no line of boss's build");
	check(&c, contains(text, n, "[warn] dom3 helper: hypercall keel_log at rip "), "keel_log: no denial of helper's");
	check(&c, !contains(text, n, "dom3 helper (uart): "), "keel_log holds a guest's console line");
	expect(guest_hypercall(KEEL_HC_KEEL_LOG, (uint64_t)(uintptr_t)text, 16, 1ull << 40, 0, 0), EFAULT_R,
	       "keel_log(..., position at 2^40)");
}

static void host_info_checks(void)
{
	struct keel_host_info h;
	char vendor[13];
	struct cpuid_regs r = cpuid(0, 0);
	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = '\0';
	expect(hc_host_info(&h), sizeof(h), "host_info");
	check(&c, strcmp(h.cpu_vendor, vendor) == 0, "host_info: cpu_vendor \"%.16s\", CPUID says \"%s\"",
	      h.cpu_vendor, vendor);
	check(&c, h.abi_version == KEEL_HYPERCALL_ABI_VERSION, "host_info: abi_version %u", h.abi_version);
	check(&c, h.keel_version == cpuid(KEEL_CPUID_VERSION_LEAF, 0).eax, "host_info: keel_version 0x%x, CPUID 0x%x",
	      h.keel_version, cpuid(KEEL_CPUID_VERSION_LEAF, 0).eax);
	bool svm = h.features & KEEL_HOST_F_SVM, vmx = h.features & KEEL_HOST_F_VMX;
	check(&c, svm != vmx && vmx == guest_cpu_is_intel(), "host_info: features 0x%x", h.features);
	check(&c, h.free_bytes > 0 && h.free_bytes < h.memory_bytes, "host_info: %lu bytes free of %lu", h.free_bytes,
	      h.memory_bytes);
	check(&c, h.cpus == 1 && h.domains == 3, "host_info: %u CPUs, %u domains; expected 1 and 3 (boss, a, b)",
	      h.cpus, h.domains);
	check(&c, h.tsc_hz > 0, "host_info: tsc_hz 0");
	expect(guest_hypercall(KEEL_HC_HOST_INFO, (uint64_t)(uintptr_t)&h, sizeof(h) - 1, 0, 0, 0), EINVAL_R,
	       "host_info(buffer, 119)");
}

/* boss, a, b in the order of their ids, boss marked dom0; a and b as spin runs. */
static void list_checks(const struct keel_domain_status **a, const struct keel_domain_status **b)
{
	long n = list_all();
	check(&c, n == 3, "domain_list: %ld domains, expected 3", n);
	for (long i = 1; i < n; i++)
		check(&c, list[i].id > list[i - 1].id, "domain_list: id %u after %u", list[i].id, list[i - 1].id);
	const struct keel_domain_status *boss = find(n, "boss");
	*a = find(n, "a");
	*b = find(n, "b");
	if (!check(&c, boss && *a && *b, "domain_list: boss, a or b missing"))
		return;
	check(&c, boss->id == 0 && boss->flags == KEEL_DOMAIN_F_DOM0 && boss->state == KEEL_DOMAIN_RUNNING,
	      "domain_list: boss id %u flags 0x%x state %u", boss->id, boss->flags, boss->state);
	check(&c, boss->exits[KEEL_EXIT_HYPERCALL] > 0, "domain_list: boss has no hypercall exits");
	check(&c, (*a)->flags == 0 && (*a)->weight == 256 && (*a)->vcpus == 1 && (*a)->memory_bytes == 16 << 20,
	      "domain_list: a flags 0x%x weight %u vcpus %u memory %lu", (*a)->flags, (*a)->weight, (*a)->vcpus,
	      (*a)->memory_bytes);
	check(&c, (*a)->cpu_ns > 0 && (*a)->exits[KEEL_EXIT_INTERRUPT] > 0,
	      "domain_list: a has run %lu ns, %lu interrupt exits", (*a)->cpu_ns, (*a)->exits[KEEL_EXIT_INTERRUPT]);
	check(&c, hc_domain_list(list, MAX_DOMAINS, (*a)->id + 1) == 1 && list[0].id > 0,
	      "domain_list from a's id + 1: not b alone");
	expect(hc_domain_list(list, MAX_DOMAINS, 1000), 0, "domain_list(first id 1000)");
	expect(guest_hypercall(KEEL_HC_DOMAIN_LIST, (uint64_t)(uintptr_t)list, sizeof(list[0]) - 1, 0, 0, 0), EINVAL_R,
	       "domain_list(buffer, 215)");
	expect(guest_hypercall(KEEL_HC_DOMAIN_LIST, 1ull << 40, sizeof(list), 0, 0, 0), EFAULT_R,
	       "domain_list(2^40, ...)");
	expect(hc_domain_list(list, 1, 0), 1, "domain_list(room for 1)");
	list_all();
}

/* Paused, a's CPU time stands still while b's goes on; unpaused, it runs again. */
static void pause_checks(unsigned a)
{
	expect(hc_domain_pause(a), 0, "domain_pause(a)");
	expect(hc_domain_pause(a), 0, "domain_pause(a) again");
	uint64_t a0 = cpu_of("a"), b0 = cpu_of("b");
	check(&c, find(list_all(), "a")->flags == KEEL_DOMAIN_F_PAUSED, "domain_list: a not marked paused");
	sleep_ms(100);
	uint64_t a1 = cpu_of("a"), b1 = cpu_of("b");
	check(&c, a1 == a0, "paused a ran %lu ns", a1 - a0);
	check(&c, b1 - b0 >= 50 * MS, "b ran %lu ns of 100 ms while a was paused", b1 - b0);
	expect(hc_domain_unpause(a), 0, "domain_unpause(a)");
	expect(hc_domain_unpause(a), 0, "domain_unpause(a) again");
	sleep_ms(100);
	uint64_t a2 = cpu_of("a");
	check(&c, a2 - a1 >= 20 * MS, "unpaused a ran %lu ns of 100 ms beside b", a2 - a1);
}

/* a ignores its power button; b, reset, is built again (on_reboot = restart). */
static void shutdown_checks(unsigned a, unsigned b)
{
	expect(hc_domain_shutdown(a, KEEL_SHUTDOWN_POWEROFF), 0, "domain_shutdown(a, poweroff)");
	sleep_ms(50);
	const struct keel_domain_status *sa = find(list_all(), "a");
	check(&c, sa && sa->state == KEEL_DOMAIN_RUNNING, "a has not run on after its power button");
	expect(hc_domain_shutdown(b, KEEL_SHUTDOWN_REBOOT), 0, "domain_shutdown(b, reboot)");
	uint64_t limit = guest_now_ns() + WAIT_LIMIT_NS;
	const struct keel_domain_status *sb = NULL;
	while (guest_now_ns() < limit && !((sb = find(list_all(), "b")) && sb->restarts == 1 &&
					   sb->state == KEEL_DOMAIN_RUNNING))
		sleep_ms(10);
	check(&c, sb && sb->restarts == 1 && sb->id == b,
	      "b not built again after its reset");
	expect(hc_domain_shutdown(0, KEEL_SHUTDOWN_POWEROFF), EINVAL_R, "domain_shutdown(itself)");
	expect(hc_domain_shutdown(a, KEEL_SHUTDOWN_CRASH), EINVAL_R, "domain_shutdown(a, crash)");
}

/* Weights 768 and 256: a's share of what a and b get is 75%, within 10 points. */
static void sched_checks(unsigned a, unsigned b)
{
	expect(hc_domain_sched(a, 768, 0), 0, "domain_sched(a, 768, 0)");
	expect(hc_domain_sched(b, 256, 0), 0, "domain_sched(b, 256, 0)");
	uint64_t a0 = cpu_of("a"), b0 = cpu_of("b");
	sleep_ms(400);
	uint64_t da = cpu_of("a") - a0, db = cpu_of("b") - b0;
	unsigned share = (unsigned)(da * 100 / (da + db + 1));
	guest_printf("%s: weights 768 and 256: a got %u%% (%lu ms of %lu ms)\n", c.prog, share, da / MS, (da + db) / MS);
	check(&c, share >= 65 && share <= 85, "weights 768:256: a got %u%%, expected 75%% +- 10", share);
	check(&c, find(list_all(), "a")->weight == 768, "domain_list: a's weight not 768");
	expect(hc_domain_sched(a, 0, 0), EINVAL_R, "domain_sched(a, 0, 0)");
	expect(hc_domain_sched(a, 65536, 0), EINVAL_R, "domain_sched(a, 65536, 0)");
	expect(hc_domain_sched(a, 256, 101), EINVAL_R, "domain_sched(a, 256, 101)");
}

static void error_checks(void)
{
	expect(hc_domain_pause(0), EINVAL_R, "domain_pause(itself)");
	expect(hc_domain_destroy(0), EINVAL_R, "domain_destroy(itself)");
	expect(hc_domain_pause(99), ESRCH_R, "domain_pause(99)");
	expect(hc_domain_unpause(1ull << 40), ESRCH_R, "domain_unpause(2^40)");
	expect(hc_domain_sched(99, 256, 0), ESRCH_R, "domain_sched(99, ...)");
}

static void destroy_checks(unsigned b)
{
	static const char *const gone[] = { "b" };
	expect(hc_domain_destroy(b), 0, "domain_destroy(b)");
	check(&c, wait_gone(gone, 1), "b still listed after its destroy");
	expect(hc_domain_pause(b), ESRCH_R, "domain_pause(b) once destroyed");
	expect(hc_domain_destroy(b), ESRCH_R, "domain_destroy(b) once destroyed");
	check(&c, list_all() == 2, "domain_list: %ld domains after b's destroy, expected 2", list_all());
}

static void boss(const struct guest_boot *boot)
{
	(void)boot;
	static const char *const others[] = { "helper", "rogue" };
	const struct keel_domain_status *a, *b;
	check(&c, wait_gone(others, 2), "helper and rogue have not ended");
	long n = list_all();
	const struct keel_domain_status *talk = find(n, "talk");
	if (check(&c, talk != NULL, "talk is not listed"))
		console_checks(talk->id);
	keel_log_checks();
	host_info_checks();
	list_checks(&a, &b);
	if (!a || !b)
		return;
	unsigned a_id = a->id, b_id = b->id;
	pause_checks(a_id);
	sched_checks(a_id, b_id);
	shutdown_checks(a_id, b_id);
	error_checks();
	destroy_checks(b_id);
}

/* Rights: pause a, console a, info b. */
static void helper(const struct guest_boot *boot)
{
	(void)boot;
	long n = list_all();
	check(&c, n == 2 && strcmp(list[0].name, "a") == 0 && strcmp(list[1].name, "b") == 0,
	      "domain_list: %ld domains (%s, ...), expected a and b", n, n > 0 ? list[0].name : "");
	if (n != 2)
		return;
	unsigned a = list[0].id, b = list[1].id;
	uint64_t pos = 0;
	expect(hc_domain_pause(a), 0, "domain_pause(a)");
	expect(hc_domain_unpause(a), 0, "domain_unpause(a)");
	expect(hc_console_read(a, text, sizeof(text), &pos), 0, "console_read(a): spin writes nothing until its end");
	expect(hc_domain_destroy(a), EPERM_R, "domain_destroy(a)");
	expect(hc_domain_shutdown(a, KEEL_SHUTDOWN_POWEROFF), EPERM_R, "domain_shutdown(a, poweroff)");
	expect(hc_domain_sched(a, 512, 0), EPERM_R, "domain_sched(a, 512, 0)");
	expect(hc_domain_pause(b), EPERM_R, "domain_pause(b)");
	expect(hc_domain_pause(0), EPERM_R, "domain_pause(dom0)");
	expect(hc_domain_pause(99), EPERM_R, "domain_pause(99)");
	struct keel_host_info h;
	expect(hc_host_info(&h), EPERM_R, "host_info");
	expect(hc_keel_log(text, sizeof(text), &pos), EPERM_R, "keel_log");
}

static void rogue(const struct guest_boot *boot)
{
	uint64_t target = 1;
	cmdline_u64(boot->cmdline, "target", &target);
	struct keel_host_info h;
	expect(hc_domain_list(list, MAX_DOMAINS, 0), EPERM_R, "domain_list");
	expect(hc_domain_pause(target), EPERM_R, "domain_pause");
	expect(hc_domain_unpause(target), EPERM_R, "domain_unpause");
	expect(hc_domain_destroy(target), EPERM_R, "domain_destroy");
	expect(hc_domain_sched(target, 512, 0), EPERM_R, "domain_sched");
	expect(hc_host_info(&h), EPERM_R, "host_info");
	uint64_t pos = 0;
	expect(hc_domain_shutdown(target, KEEL_SHUTDOWN_POWEROFF), EPERM_R, "domain_shutdown");
	expect(hc_console_read(target, text, sizeof(text), &pos), EPERM_R, "console_read");
	expect(hc_console_input(target, "x", 1), EPERM_R, "console_input");
	expect(hc_keel_log(text, sizeof(text), &pos), EPERM_R, "keel_log");
}

/* ---- role=maker ---- */

static const struct guest_boot *maker_boot;
static struct keel_domain_create req;
static struct keel_extent pieces[KEEL_CREATE_FILES_MAX]; /* each file in one piece: a module */

/* The boot module whose command line is name, or NULL. */
static const struct guest_module *module(const char *name)
{
	for (unsigned i = 0; i < maker_boot->module_count; i++)
		if (strcmp(maker_boot->modules[i].cmdline, name) == 0)
			return &maker_boot->modules[i];
	return NULL;
}

static void add_file(const char *name)
{
	const struct guest_module *m = module(name);
	if (!check(&c, m != NULL, "no module %s", name))
		return;
	struct keel_extent *e = &pieces[req.nfiles];
	struct keel_create_file *f = &req.files[req.nfiles++];
	*e = (struct keel_extent){ m->start, m->size };
	f->extents_gpa = (uint64_t)(uintptr_t)e;
	f->nextents = 1;
	f->size = m->size;
	memcpy(f->name, name, strlen(name) + 1);
}

/* A request for the configuration in module cfg, with the files named. */
static void request(const char *cfg, const char *file1, const char *file2)
{
	memset(&req, 0, sizeof(req));
	const struct guest_module *m = module(cfg);
	if (check(&c, m != NULL, "no module %s", cfg)) {
		req.config_gpa = m->start;
		req.config_size = m->size;
	}
	if (file1)
		add_file(file1);
	if (file2)
		add_file(file2);
}

static long create(void)
{
	return guest_hypercall(KEEL_HC_DOMAIN_CREATE, (uint64_t)(uintptr_t)&req, sizeof(req), 0, 0, 0);
}

/* create() fails with want, and why says what it should. */
static void expect_refused(long want, const char *why, const char *what)
{
	long got = create();
	check(&c, got == want && strcmp(req.why, why) == 0, "%s: returned %ld (why \"%s\"), expected %ld (\"%s\")", what,
	      got, req.why, want, why);
}

static uint64_t free_bytes(void)
{
	struct keel_host_info h;
	return hc_host_info(&h) == sizeof(h) ? h.free_bytes : 0;
}

static void bad_requests(void)
{
	request("w1.cfg", "spin.elf", NULL);
	expect_refused(-(long)KEEL_EINVAL, "a domain named 'w1' exists: dom1", "w1 again");
	request("bad-memory.cfg", "spin.elf", NULL);
	expect_refused(-(long)KEEL_EINVAL, "its configuration, line 4: memory = lots: expected a decimal or 0x hex number",
		       "bad-memory.cfg");
	request("bad-global.cfg", "spin.elf", NULL);
	expect_refused(-(long)KEEL_EINVAL,
		       "its configuration, line 1: 'dom0' is a keel.cfg setting: a domain's own configuration has "
		       "[domain] keys only", "bad-global.cfg");
	request("rights-dom0.cfg", "spin.elf", NULL);
	expect_refused(-(long)KEEL_EINVAL,
		       "its configuration, line 4: rights over 'maker': it is dom0, which no domain has rights over",
		       "rights-dom0.cfg");
	request("w3.cfg", NULL, NULL);
	expect_refused(-(long)KEEL_EINVAL, "domain 'w3' not started: its kernel 'spin.elf' is not among the files given",
		       "w3 without its kernel");
	request("w3.cfg", "spin.elf", NULL);
	pieces[0].gpa = 1ull << 40;
	char why[KEEL_CREATE_WHY_MAX];
	ksnprintf(why, sizeof(why), "file 'spin.elf': piece 0, %lu bytes at 0x10000000000, is not all in your RAM",
		  req.files[0].size);
	expect_refused(-(long)KEEL_EFAULT, why, "w3, its kernel at 2^40");
	request("w3.cfg", "spin.elf", NULL);
	req.files[0].extents_gpa = 1ull << 40;
	expect_refused(-(long)KEEL_EFAULT, "file 'spin.elf': its list of 1 pieces at 0x10000000000 is not all in your RAM",
		       "w3, its list of pieces at 2^40");
	request("w3.cfg", "spin.elf", NULL);
	req.files[0].size++;
	ksnprintf(why, sizeof(why), "file 'spin.elf': its pieces hold %lu bytes of its %lu", req.files[0].size - 1,
		  req.files[0].size);
	expect_refused(-(long)KEEL_EINVAL, why, "w3, a byte more than its pieces hold");
	request("w3.cfg", "spin.elf", "spin.elf");
	expect_refused(-(long)KEEL_EINVAL, "file 'spin.elf' is given twice", "w3, spin.elf twice");
	request("w3.cfg", "spin.elf", NULL);
	req.config_size = 0;
	expect_refused(-(long)KEEL_EINVAL, "its configuration is 0 bytes; 1 to 65536 are taken", "w3, no configuration");
	request("w3.cfg", "spin.elf", NULL);
	expect(guest_hypercall(KEEL_HC_DOMAIN_CREATE, (uint64_t)(uintptr_t)&req, sizeof(req) - 1, 0, 0, 0), EINVAL_R,
	       "domain_create(request, 1719)");
}

/* The domain named, once it has ended and is kept (state preserved), or NULL. */
static const struct keel_domain_status *wait_preserved(const char *name)
{
	uint64_t limit = guest_now_ns() + WAIT_LIMIT_NS;
	const struct keel_domain_status *d = NULL;
	while (guest_now_ns() < limit && !((d = find(list_all(), name)) && d->state == KEEL_DOMAIN_PRESERVED))
		sleep_ms(10);
	return d && d->state == KEEL_DOMAIN_PRESERVED ? d : NULL;
}

/* Its own modules as module_info and module_read give them: as the boot protocol did. */
static void module_checks(const struct guest_boot *boot)
{
	struct keel_module_info info;
	unsigned n = 0;
	while (guest_hypercall(KEEL_HC_MODULE_INFO, n, (uint64_t)(uintptr_t)&info, sizeof(info), 0, 0) == sizeof(info)) {
		const struct guest_module *m = n < boot->module_count ? &boot->modules[n] : NULL;
		check(&c, m && info.index == n && info.size == m->size && !info.ramdisk && strcmp(info.cmdline, m->cmdline) == 0 &&
				  strcmp(info.name, m->cmdline) == 0,
		      "module_info(%u): \"%s\" (%s), %lu bytes", n, info.name, info.cmdline, info.size);
		n++;
	}
	check(&c, n == boot->module_count, "module_info: %u modules, the boot information %u", n, boot->module_count);
	expect(guest_hypercall(KEEL_HC_MODULE_INFO, n, (uint64_t)(uintptr_t)&info, sizeof(info), 0, 0),
	       -(long)KEEL_ENOENT, "module_info(past the last)");
	const struct guest_module *spin = module("spin.elf");
	uint64_t offset = 0, same = 0;
	long got;
	while (spin && (got = guest_hypercall(KEEL_HC_MODULE_READ, 0, (uint64_t)(uintptr_t)text, 4096, offset, 0)) > 0) {
		same += memcmp(text, (const char *)(uintptr_t)spin->start + offset, (size_t)got) == 0 ? (uint64_t)got : 0;
		offset += (uint64_t)got;
	}
	check(&c, spin && offset == spin->size && same == offset, "module_read(spin.elf): %lu bytes, %lu as loaded", offset,
	      same);
	expect(guest_hypercall(KEEL_HC_MODULE_READ, 0, (uint64_t)(uintptr_t)text, 16, offset + 1, 0), EINVAL_R,
	       "module_read(from beyond its end)");
}

static void maker(const struct guest_boot *boot)
{
	static const char *const workers[] = { "w1", "w2" }, *const filler[] = { "fill" }, *const fresh[] = { "fresh" };
	maker_boot = boot;
	module_checks(boot);
	uint64_t free0 = free_bytes();
	request("w1.cfg", "spin.elf", "domctl.elf"); /* a file the configuration does not name is not copied */
	expect(create(), 1, "create w1");
	request("w2.cfg", "spin.elf", NULL);
	expect(create(), 2, "create w2");
	long n = list_all();
	const struct keel_domain_status *w1 = find(n, "w1");
	check(&c, n == 3 && w1 && w1->id == 1 && w1->memory_bytes == 16 << 20 && w1->weight == 512,
	      "domain_list: %ld domains, w1 id %u, %lu bytes, weight %u", n, w1 ? w1->id : 0, w1 ? w1->memory_bytes : 0,
	      w1 ? w1->weight : 0);
	bad_requests();
	expect(hc_domain_destroy(1), 0, "destroy w1");
	expect(hc_domain_destroy(2), 0, "destroy w2");
	check(&c, wait_gone(workers, 2), "w1 and w2 still listed");
	uint64_t free1 = free_bytes();
	check(&c, free1 == free0, "free memory %lu bytes after w1 and w2 were destroyed, %lu before", free1, free0);

	/* Their memory again: filled by one domain, found zeroed by the next. */
	request("fill.cfg", "domctl.elf", NULL);
	expect(create(), 3, "create fill");
	check(&c, wait_gone(filler, 1), "fill still listed");
	request("fresh.cfg", "domctl.elf", NULL);
	expect(create(), 4, "create fresh");
	const struct keel_domain_status *f = wait_preserved("fresh");
	check(&c, f && f->end_status == 0 && f->end_reason == KEEL_END_POWEROFF, "fresh did not end with status 0");
	uint64_t pos = 0;
	long got = hc_console_read(4, text, sizeof(text) - 1, &pos);
	text[got > 0 ? got : 0] = '\0';
	check(&c, contains(text, got > 0 ? (uint64_t)got : 0, "domctl fresh: 0 bytes not zero in 12 MiB"),
	      "fresh's console: \"%s\"", text);
	expect(hc_domain_destroy(4), 0, "destroy fresh");
	check(&c, wait_gone(fresh, 1), "fresh still listed");
	check(&c, free_bytes() == free0, "free memory %lu bytes at the end, %lu at the start", free_bytes(), free0);
}

/* RAM from 4 MiB to its top (the boot memory map's range that holds 4 MiB). */
static bool high_ram(const struct guest_boot *boot, uint64_t *start, uint64_t *end)
{
	for (unsigned i = 0; i < boot->memory_count; i++) {
		const struct guest_memory_range *r = &boot->memory[i];
		if (r->type == 1 && r->base <= (4u << 20) && r->base + r->length > (4u << 20)) {
			*start = 4u << 20;
			*end = r->base + r->length;
			return true;
		}
	}
	return false;
}

static void fill(const struct guest_boot *boot)
{
	uint64_t start, end;
	if (!check(&c, high_ram(boot, &start, &end), "no RAM at 4 MiB"))
		return;
	memset((void *)(uintptr_t)start, 0x5a, end - start);
}

static void fresh_memory(const struct guest_boot *boot)
{
	uint64_t start, end, nonzero = 0;
	if (!check(&c, high_ram(boot, &start, &end), "no RAM at 4 MiB"))
		return;
	/* A word at a time (Bochs counts instructions); the bytes of a word that is not zero. */
	for (const volatile uint64_t *p = (const uint64_t *)(uintptr_t)start; p < (const uint64_t *)(uintptr_t)end; p++)
		for (uint64_t w = *p; w; w >>= 8)
			nonzero += (w & 0xff) != 0;
	guest_printf("domctl fresh: %lu bytes not zero in %lu MiB\n", nonzero, (end - start) >> 20);
	check(&c, nonzero == 0, "%lu bytes not zero", nonzero);
}

static const struct role {
	const char *name, *prog;
	void (*run)(const struct guest_boot *boot);
} roles[] = {
	{ "boss", "domctl boss", boss },	{ "helper", "domctl helper", helper },
	{ "rogue", "domctl rogue", rogue },	{ "maker", "domctl maker", maker },
	{ "fill", "domctl fill", fill },	{ "fresh", "domctl fresh", fresh_memory },
};

int guest_main(const struct guest_boot *boot)
{
	char role[16] = "";
	cmdline_value(boot->cmdline, "role", role, sizeof(role));
	for (unsigned i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(role, roles[i].name) == 0) {
			c.prog = roles[i].prog;
			roles[i].run(boot);
			return checks_summary(&c);
		}
	}
	check(&c, false, "role=%s: expected boss, helper, rogue, maker, fill or fresh", role);
	return checks_summary(&c);
}
