/* hello: the demo guest. Says how it was booted, what it was given and who it is, then
 * shows that the console hypercall and the debug port work. Built for all three boot
 * protocols (hello-elf64.elf, hello-mb1.elf, hello-mb2.elf). */
#include "guests/lib/guest.h"

#define FIRST_LINE_MAX 200
#define MIB (1024 * 1024)

/* Printable text: bytes 0x20-0x7e, tabs and newlines only. */
static bool is_text(const uint8_t *p, uint64_t size)
{
	for (uint64_t i = 0; i < size; i++) {
		if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\t' && p[i] != '\n')
			return false;
	}
	return true;
}

static void show_module(const struct guest_boot *boot, unsigned i)
{
	const struct guest_module *m = &boot->modules[i];

	guest_printf("hello: module %u \"%s\": %lu bytes\n", i, m->cmdline, m->size);
	if (m->size == 0 || !guest_ram_contains(boot, m->start, m->size))
		return;
	const uint8_t *p = (const uint8_t *)(uintptr_t)m->start;
	if (!is_text(p, m->size))
		return;
	uint64_t len = 0;
	while (len < m->size && len < FIRST_LINE_MAX && p[len] != '\n')
		len++;
	guest_printf("hello: module %u says: %.*s\n", i, (int)len, (const char *)p);
}

static void show_domain(void)
{
	struct keel_domain_info info;
	long r = hc_domain_info(&info);

	if (r != (long)sizeof(info)) {
		guest_printf("hello: domain_info returned %ld\n", r);
		return;
	}
	info.name[KEEL_DOMAIN_NAME_MAX - 1] = '\0';
	guest_printf("hello: domain %s (id %u), %lu MiB, ABI version %u\n", info.name, info.id,
		     info.memory_bytes / MIB, info.abi_version);
}

/* Keel's clock is not deterministic: only whether it runs is printed. */
static void show_clock(void)
{
	struct keel_time t0, t1;
	bool ok = hc_time(&t0) == (long)sizeof(t0) && hc_time(&t1) == (long)sizeof(t1) &&
		  t1.now_ns >= t0.now_ns && t0.tsc_hz > 0;

	guest_printf("hello: the clock %s\n", ok ? "runs" : "is broken");
}

int guest_main(const struct guest_boot *boot)
{
	guest_printf("hello: %s kernel, cmdline \"%s\"\n", boot->protocol, boot->cmdline);
	for (unsigned i = 0; i < boot->problem_count && i < GUEST_MAX_PROBLEMS; i++)
		guest_printf("hello: boot information problem: %s\n", boot->problems[i]);
	for (unsigned i = 0; i < boot->module_count; i++)
		show_module(boot, i);
	show_domain();
	show_clock();
	guest_console_puts("hello: console hypercall works\n");
	guest_debug_puts("hello: debug port works\n");
	return 0;
}
