#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/config.h"
#include "vmm/policy.h"

#define MAX_REPORTS 64

static struct {
	int line;
	char msg[512];
} reports[MAX_REPORTS];
static int nreports;
static struct keel_config cfg;

static void record(void *ctx, int line, const char *msg)
{
	assert_ptr_equal(ctx, &cfg);
	if (nreports < MAX_REPORTS) {
		reports[nreports].line = line;
		snprintf(reports[nreports].msg, sizeof(reports[nreports].msg), "%s", msg);
	}
	nreports++;
}

/* Parses the first len bytes of text from a heap copy of exactly len bytes, so that
 * AddressSanitizer catches any read past the end. */
static int parse_n(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	nreports = 0;
	rc = config_parse(copy, len, &cfg, record, &cfg);
	free(copy);
	assert_int_equal(rc, nreports);
	return rc;
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void expect_report(int i, int line, const char *msg)
{
	if (i >= nreports)
		fail_msg("expected report %d (line %d '%s'), got only %d", i, line, msg, nreports);
	if (reports[i].line != line || strcmp(reports[i].msg, msg) != 0)
		fail_msg("report %d: got line %d '%s', expected line %d '%s'", i, reports[i].line,
			 reports[i].msg, line, msg);
}

/* Checks the count, listing what was reported if it is wrong. */
static void expect_problems(int rc, int n)
{
	if (rc == n)
		return;
	for (int i = 0; i < nreports && i < MAX_REPORTS; i++)
		print_error("  line %d: %s\n", reports[i].line, reports[i].msg);
	fail_msg("%d problems reported, expected %d", rc, n);
}

static const char full_file[] =
	"# Keel test configuration\n"
	"loglevel = \"debug\"\n"
	"exit_port = 0xf4\n"
	"shutdown_port = 0x8900\n"
	"timeslice_ms = 30\n"
	"watchdog = 5\n"
	"\n"
	"[domain]\n"
	"name = \"hello64\"\n"
	"kernel = \"hello64.elf\"\n"
	"type = \"elf64\"\n"
	"memory = 8\n"
	"mmio_hole = 1024\n"
	"unbacked = crash\n"
	"vcpus = 1\n"
	"cmdline = 'console=uart \"quoted\" words'\n"
	"ramdisk = initrd.img\n"
	"module = [ \"motd.txt hello  there \", 'data.bin',\n"
	"           \"third\" ,   # a comment inside the list\n"
	"\n"
	"  ]\n"
	"weight = 512\n"
	"cap = 25\n"
	"cpu_limit_ms = 1500\n"
	"on_poweroff = restart\n"
	"on_reboot = \"destroy\"\n"
	"on_crash = \"preserve\"\n"
	"debug_exit = 0x501\n"
	"console_ring = 64\n"
	"\n"
	"  [domain]  # the second one\n"
	"\tname=real_1\n"
	"kernel = hello16.bin   # a bare word\n"
	"type = real16\n"
	"memory = 0x10\n"
	"debug_exit = 0\n";

static void check_full_file(void)
{
	assert_int_equal(cfg.loglevel, LOG_DEBUG);
	assert_int_equal(cfg.exit_port, 0xf4);
	assert_int_equal(cfg.exit_port_line, 3);
	assert_int_equal(cfg.shutdown_port, 0x8900);
	assert_int_equal(cfg.shutdown_port_line, 4);
	assert_int_equal(cfg.timeslice_ms, 30);
	assert_int_equal(cfg.watchdog_s, 5);
	assert_int_equal(cfg.ndomains, 2);
	const struct domain_config *d = &cfg.domains[0];
	assert_string_equal(d->name, "hello64");
	assert_string_equal(d->kernel, "hello64.elf");
	assert_int_equal(d->type, KERNEL_ELF64);
	assert_int_equal(d->memory_mib, 8);
	assert_int_equal(d->mmio_hole_mib, 1024);
	assert_int_equal(d->unbacked, UNBACKED_CRASH);
	assert_int_equal(d->vcpus, 1);
	assert_string_equal(d->cmdline, "console=uart \"quoted\" words");
	assert_string_equal(d->ramdisk, "initrd.img");
	assert_int_equal(d->nmodules, 3);
	assert_string_equal(d->modules[0].file, "motd.txt");
	assert_string_equal(d->modules[0].cmdline, "hello  there ");
	assert_string_equal(d->modules[1].file, "data.bin");
	assert_string_equal(d->modules[1].cmdline, "");
	assert_string_equal(d->modules[2].file, "third");
	assert_int_equal(d->weight, 512);
	assert_int_equal(d->cap, 25);
	assert_int_equal(d->cpu_limit_ms, 1500);
	assert_int_equal(d->on_poweroff, ACTION_RESTART);
	assert_int_equal(d->on_reboot, ACTION_DESTROY);
	assert_int_equal(d->on_crash, ACTION_PRESERVE);
	assert_int_equal(d->debug_exit, 0x501);
	assert_int_equal(d->console_ring_kib, 64);
	assert_int_equal(d->line, 8);
	d = &cfg.domains[1];
	assert_string_equal(d->name, "real_1");
	assert_string_equal(d->kernel, "hello16.bin");
	assert_int_equal(d->type, KERNEL_REAL16);
	assert_int_equal(d->memory_mib, 16);
	assert_int_equal(d->debug_exit, 0);
	assert_int_equal(d->unbacked, UNBACKED_ALL_ONES);
	assert_int_equal(d->nmodules, 0);
	assert_int_equal(d->line, 31);
}

static void full_valid_file(void **state)
{
	(void)state;
	expect_problems(parse(full_file), 0);
	check_full_file();
}

static void crlf_line_endings(void **state)
{
	(void)state;
	char text[sizeof(full_file) * 2];
	size_t n = 0;

	for (const char *s = full_file; *s; s++) {
		if (*s == '\n')
			text[n++] = '\r';
		text[n++] = *s;
	}
	expect_problems(parse_n(text, n), 0);
	check_full_file();
	/* A carriage return anywhere else is a control character. */
	expect_problems(parse("loglevel = debug\rx\n"), 1);
	expect_report(0, 1, "control character 0x0d at column 17");
	assert_int_equal(cfg.loglevel, LOG_INFO);
}

static void defaults(void **state)
{
	(void)state;
	expect_problems(parse("[domain]\nname = a\nkernel = k\n"), 0);
	assert_int_equal(cfg.loglevel, LOG_INFO);
	assert_int_equal(cfg.exit_port, 0);
	assert_int_equal(cfg.shutdown_port, 0);
	assert_int_equal(cfg.timeslice_ms, 10);
	assert_int_equal(cfg.watchdog_s, 0);
	assert_int_equal(cfg.ndomains, 1);
	assert_string_equal(cfg.domains[0].name, "a");
	assert_string_equal(cfg.domains[0].kernel, "k");
	const struct domain_config *d = &cfg.domains[0];
	assert_int_equal(d->type, KERNEL_AUTO);
	assert_int_equal(d->memory_mib, 4);
	assert_int_equal(d->vcpus, 1);
	assert_int_equal(d->weight, 256);
	assert_int_equal(d->cap, 0);
	assert_int_equal(d->cpu_limit_ms, 0);
	assert_string_equal(d->cmdline, "");
	assert_string_equal(d->ramdisk, "");
	assert_int_equal(d->nmodules, 0);
	assert_int_equal(d->on_poweroff, ACTION_DESTROY);
	assert_int_equal(d->on_reboot, ACTION_RESTART);
	assert_int_equal(d->on_crash, ACTION_DESTROY);
	assert_int_equal(d->debug_exit, 0xf4);
	assert_int_equal(d->console_ring_kib, 16);
	assert_int_equal(d->line, 1);
}

static void comments(void **state)
{
	(void)state;
	expect_problems(parse("# top\n   # indented\n#[domain]\n[domain]# right after\n"
			       "name = a# no space\nkernel = \"a#b.elf\" # the '#' in quotes is kept\n"
			       "memory = 12 # MiB\n"), 0);
	assert_int_equal(cfg.ndomains, 1);
	assert_int_equal(cfg.domains[0].line, 4);
	assert_string_equal(cfg.domains[0].name, "a");
	assert_string_equal(cfg.domains[0].kernel, "a#b.elf");
	assert_int_equal(cfg.domains[0].memory_mib, 12);
}

#define D "[domain]\nname = \"x\"\nkernel = \"x.elf\"\n"

/* One bad line (line 4) in a domain: reported, then the domain is dropped. */
static const struct {
	const char *line;
	const char *msg;
} domain_errors[] = {
	{ "memroy = 4", "unknown key 'memroy'" },
	{ "memory = 0", "memory = 0: must be 1..1048576 MiB" },
	{ "memory = 1048577", "memory = 1048577: must be 1..1048576 MiB" },
	{ "memory = 0x100001", "memory = 0x100001: must be 1..1048576 MiB" },
	{ "mmio_hole = 31", "mmio_hole = 31: must be 32..4080 MiB" },
	{ "mmio_hole = 4081", "mmio_hole = 4081: must be 32..4080 MiB" },
	{ "memory = 99999999999999999999999", "memory = 99999999999999999999999: number too large" },
	{ "memory = 0x10000000000000000", "memory = 0x10000000000000000: number too large" },
	{ "memory = 0x", "memory = 0x: expected a decimal or 0x hex number" },
	{ "memory = 0xg", "memory = 0xg: expected a decimal or 0x hex number" },
	{ "memory = -1", "memory = -1: expected a decimal or 0x hex number" },
	{ "memory = 4.5", "memory = 4.5: expected a decimal or 0x hex number" },
	{ "memory = \"4\"", "memory = \"4\": expected a number, without quotes" },
	{ "memory = 4 MiB", "memory = 4: unexpected text 'MiB' after the value" },
	{ "memory =", "memory has no value" },
	{ "memory = # none", "memory has no value" },
	{ "memory = +4", "memory = +4: expected a number, a word, a \"quoted string\" or a [list]" },
	{ "memory = [ 4 ]", "memory: expected a single value, not a list" },
	{ "type = \"long64\"", "type = \"long64\": expected auto, elf64, multiboot1, multiboot2, real16, pvh or linux" },
	{ "type = \"elf64", "type = \"elf64: unterminated string" },
	{ "type = 'elf64\"", "type = 'elf64\": unterminated string" },
	{ "type = \"el\tf64\"", "type: control character 0x09 in a quoted string" },
	{ "type = elf64 real16", "type = elf64: unexpected text 'real16' after the value" },
	{ "type = \"elf64\"x", "type = \"elf64\": unexpected text 'x' after the value" },
	{ "vcpus = 2", "vcpus = 2: must be 1: guests with more than one vCPU are not supported yet" },
	{ "vcpus = 0", "vcpus = 0: must be 1: guests with more than one vCPU are not supported yet" },
	{ "weight = 0", "weight = 0: must be 1..65535" },
	{ "weight = 65536", "weight = 65536: must be 1..65535" },
	{ "cap = 101", "cap = 101: must be 0..100 (percent of one CPU, 0 = no cap)" },
	{ "cpu_limit_ms = 86400001", "cpu_limit_ms = 86400001: must be 0..86400000 (ms of CPU time, 0 = no limit)" },
	{ "cpu_limit_ms = -1", "cpu_limit_ms = -1: expected a decimal or 0x hex number" },
	{ "unbacked = zeros", "unbacked = zeros: expected all_ones or crash" },
	{ "unbacked = 1", "unbacked = 1: expected all_ones or crash" },
	{ "on_crash = rename-restart", "on_crash = rename-restart: expected destroy, restart or preserve" },
	{ "on_crash = \"Destroy\"", "on_crash = \"Destroy\": expected destroy, restart or preserve" },
	{ "on_poweroff = coredump-destroy", "on_poweroff = coredump-destroy: expected destroy, restart or preserve" },
	{ "on_reboot = 1", "on_reboot = 1: expected destroy, restart or preserve" },
	{ "debug_exit = 0x10000", "debug_exit = 0x10000: must be 0..0xffff (0: no debug-exit device)" },
	{ "debug_exit = 0x3f8", "debug_exit = 0x3f8: port 0x3f8 belongs to the domain's UART (0x3f8-0x3ff)" },
	{ "debug_exit = 0x3ff", "debug_exit = 0x3ff: port 0x3ff belongs to the domain's UART (0x3f8-0x3ff)" },
	{ "debug_exit = 0xe9", "debug_exit = 0xe9: port 0xe9 is the domain's debug console" },
	{ "console_ring = 0", "console_ring = 0: must be 1..1024 KiB" },
	{ "console_ring = 1025", "console_ring = 1025: must be 1..1024 KiB" },
	{ "ramdisk = \"a b\"", "ramdisk = \"a b\": must be a file name of 1-63 characters, without spaces, '/' or '\\'" },
	{ "cmdline = x y", "cmdline = x: unexpected text 'y' after the value" },
	{ "loglevel = debug", "'loglevel' is a global setting: put it before the first [domain]" },
	{ "exit_port = 1", "'exit_port' is a global setting: put it before the first [domain]" },
	{ "name = \"y\"", "'name' is given twice in this section (first at line 2)" },
	{ "kernel = \"x.elf\"", "'kernel' is given twice in this section (first at line 3)" },
	{ "= 4", "expected 'key = value' or [domain], got '= 4'" },
	{ "memory 4", "expected 'key = value' or [domain], got 'memory 4'" },
	{ "x\x01y = 2", "control character 0x01 at column 2" },
};

static void domain_error_kinds(void **state)
{
	(void)state;
	char text[512];

	for (size_t i = 0; i < sizeof(domain_errors) / sizeof(domain_errors[0]); i++) {
		snprintf(text, sizeof(text), D "%s\n# the end\n", domain_errors[i].line);
		expect_problems(parse(text), 2);
		expect_report(0, 4, domain_errors[i].msg);
		expect_report(1, 1, "domain 'x' not started: it has errors");
		assert_int_equal(cfg.ndomains, 0);
	}
}

static void name_and_kernel_rules(void **state)
{
	(void)state;
	expect_problems(parse("[domain]\nkernel = k\nname = \"Hello\"\n"), 2);
	expect_report(0, 3, "name = \"Hello\": must be 1-31 characters of a-z, 0-9, '_' or '-'");
	expect_report(1, 1, "[domain] at line 1 not started: it has errors");
	expect_problems(parse("[domain]\nkernel = k\nname = \"\"\n"), 2);
	expect_report(0, 3, "name = \"\": must be 1-31 characters of a-z, 0-9, '_' or '-'");
	expect_problems(parse("[domain]\nkernel = k\nname = abcdefghij_abcdefghij-abcdefghij\n"), 2);
	expect_report(0, 3, "name = abcdefghij_abcdefghij-abcdefghij: must be 1-31 characters of "
		      "a-z, 0-9, '_' or '-'");
	expect_problems(parse("[domain]\nkernel = k\nname = abcdefghij_abcdefghij-abcdefghi\n"), 0);
	assert_string_equal(cfg.domains[0].name, "abcdefghij_abcdefghij-abcdefghi");

	expect_problems(parse("[domain]\nname = a\nkernel = \"dir/a.elf\"\n"), 2);
	expect_report(0, 3, "kernel = \"dir/a.elf\": must be a file name of 1-63 characters, "
		      "without spaces, '/' or '\\'");
	expect_report(1, 1, "domain 'a' not started: it has errors");
	expect_problems(parse("[domain]\nname = a\nkernel = \"dir\\a.elf\"\n"), 2);
	expect_problems(parse("[domain]\nname = a\nkernel = \"\"\n"), 2);
	expect_report(0, 3, "kernel = \"\": must be a file name of 1-63 characters, without spaces, '/' or '\\'");
	char text[256];
	snprintf(text, sizeof(text), "[domain]\nname = a\nkernel = \"%063d\"\n", 0);
	expect_problems(parse(text), 0);
	assert_int_equal(strlen(cfg.domains[0].kernel), 63);
	snprintf(text, sizeof(text), "[domain]\nname = a\nkernel = \"%064d\"\n", 0);
	expect_problems(parse(text), 2);
	assert_int_equal(reports[0].line, 3);
	assert_non_null(strstr(reports[0].msg, "kernel = \"0000"));
	/* Every boot path names modules by a word: no spaces. */
	expect_problems(parse("[domain]\nname = a\nkernel = \"my guest.elf\"\n"), 2);
	expect_report(0, 3, "kernel = \"my guest.elf\": must be a file name of 1-63 characters, "
		      "without spaces, '/' or '\\'");
}

static void missing_name_or_kernel(void **state)
{
	(void)state;
	expect_problems(parse("[domain]\nname = a\nkernel = k\n\n# next\n\n[domain]\nname = b\n"
			       "[domain]\nkernel = c\n"), 4);
	expect_report(0, 7, "[domain] at line 7 has no kernel");
	expect_report(1, 7, "domain 'b' not started: it has errors");
	expect_report(2, 9, "[domain] at line 9 has no name");
	expect_report(3, 9, "[domain] at line 9 not started: it has errors");
	assert_int_equal(cfg.ndomains, 1);
	assert_string_equal(cfg.domains[0].name, "a");

	expect_problems(parse("[domain]\n"), 3);
	expect_report(0, 1, "[domain] at line 1 has no name");
	expect_report(1, 1, "[domain] at line 1 has no kernel");
	expect_report(2, 1, "[domain] at line 1 not started: it has errors");
}

static void duplicate_names(void **state)
{
	(void)state;
	expect_problems(parse("[domain]\nname = hello64\nkernel = a\n"
			       "[domain]\nkernel = b\nname = hello64\n"), 2);
	expect_report(0, 6, "domain 'hello64' is defined twice (first at line 1)");
	expect_report(1, 4, "domain 'hello64' not started: it has errors");
	assert_int_equal(cfg.ndomains, 1);
	assert_string_equal(cfg.domains[0].kernel, "a");

	/* Unique among the kept ones: a dropped domain does not reserve its name. */
	expect_problems(parse("[domain]\nname = x\nkernel = a\nvcpus = 4\n"
			       "[domain]\nname = x\nkernel = b\n"), 2);
	expect_report(0, 4, "vcpus = 4: must be 1: guests with more than one vCPU are not supported yet");
	expect_report(1, 1, "domain 'x' not started: it has errors");
	assert_int_equal(cfg.ndomains, 1);
	assert_string_equal(cfg.domains[0].kernel, "b");
}

static void bad_domain_dropped_others_kept(void **state)
{
	(void)state;
	expect_problems(parse("loglevel = warn\n"
			       "[domain]\nname = a\nkernel = a.elf\n"
			       "[domain]\nname = b\nkernel = b.elf\nmemory = 0\ntype = long32\n"
			       "[domain]\nname = c\nkernel = c.elf\nmemory = 4096\n"), 3);
	expect_report(0, 8, "memory = 0: must be 1..1048576 MiB");
	expect_report(1, 9, "type = long32: expected auto, elf64, multiboot1, multiboot2, real16, pvh or linux");
	expect_report(2, 5, "domain 'b' not started: it has errors");
	assert_int_equal(cfg.loglevel, LOG_WARN);
	assert_int_equal(cfg.ndomains, 2);
	assert_string_equal(cfg.domains[0].name, "a");
	assert_string_equal(cfg.domains[1].name, "c");
	assert_int_equal(cfg.domains[1].memory_mib, 4096);
	assert_int_equal(cfg.domains[1].line, 10);
}

static void global_errors(void **state)
{
	(void)state;
	expect_problems(parse("memory = 4\n[domain]\nname = a\nkernel = k\n"), 1);
	expect_report(0, 1, "'memory' belongs in a [domain] section");
	assert_int_equal(cfg.ndomains, 1);

	expect_problems(parse("loglevel = verbose\nexit_port = 0x10000\n"), 2);
	expect_report(0, 1, "loglevel = verbose: expected error, warn, info or debug");
	expect_report(1, 2, "exit_port = 0x10000: must be 1..0xffff");
	assert_int_equal(cfg.loglevel, LOG_INFO);
	assert_int_equal(cfg.exit_port, 0);
	assert_int_equal(cfg.shutdown_port, 0);

	expect_problems(parse("loglevel = error\nloglevel = debug\nexit_port = 0xffff\n"), 1);
	expect_report(0, 2, "'loglevel' is given twice in this section (first at line 1)");
	assert_int_equal(cfg.loglevel, LOG_ERROR);
	assert_int_equal(cfg.exit_port, 0xffff);

	/* Port 0 would mean "none": it is refused, like a port past 0xffff. */
	expect_problems(parse("exit_port = 0\nfoo = 1\nshutdown_port = 0x10000\n"), 3);
	expect_report(0, 1, "exit_port = 0: must be 1..0xffff");
	expect_report(1, 2, "unknown key 'foo'");
	expect_report(2, 3, "shutdown_port = 0x10000: must be 1..0xffff");
	assert_int_equal(cfg.exit_port, 0);
	assert_int_equal(cfg.shutdown_port, 0);

	expect_problems(parse("timeslice_ms = 0\n"), 1);
	expect_report(0, 1, "timeslice_ms = 0: must be 1..1000 (ms)");
	expect_problems(parse("timeslice_ms = 1001\n"), 1);
	expect_report(0, 1, "timeslice_ms = 1001: must be 1..1000 (ms)");
	assert_int_equal(cfg.timeslice_ms, 10);
	expect_problems(parse("watchdog = 61\n"), 1);
	expect_report(0, 1, "watchdog = 61: must be 0..60 (s, 0 = off)");
	expect_problems(parse("watchdog = -1\n"), 1);
	assert_int_equal(cfg.watchdog_s, 0);
}

/* serial_input names a domain of the file, wherever its section is; one that is not
 * started (or none) is a problem, and the setting is dropped. */
static void serial_input_names_a_started_domain(void **state)
{
	(void)state;
	expect_problems(parse("serial_input = \"b\"\n[domain]\nname = a\nkernel = k\n[domain]\nname = b\nkernel = k\n"), 0);
	assert_string_equal(cfg.serial_input, "b");
	assert_int_equal(cfg.serial_input_line, 1);
	expect_problems(parse("serial_input = c\n[domain]\nname = a\nkernel = k\n"), 1);
	expect_report(0, 1, "serial_input = c: no domain of that name is started");
	assert_string_equal(cfg.serial_input, "");
	expect_problems(parse("serial_input = a\n[domain]\nname = a\n"), 3);
	expect_report(0, 2, "[domain] at line 2 has no kernel");
	expect_report(2, 1, "serial_input = a: no domain of that name is started");
	expect_problems(parse("serial_input = \"A b\"\n"), 1);
	expect_report(0, 1, "serial_input = \"A b\": must be 1-31 characters of a-z, 0-9, '_' or '-'");
	expect_problems(parse("[domain]\nname = a\nkernel = k\nserial_input = a\n"), 2);
	expect_report(0, 4, "'serial_input' is a global setting: put it before the first [domain]");
	assert_string_equal(cfg.serial_input, "");
	expect_problems(parse("serial_input = a\n"), 1);
	expect_report(0, 1, "serial_input = a: no domain of that name is started");
}

/* dom0 names the management domain as serial_input names a domain: one of the file's,
 * checked the same way, and dropped with a problem otherwise. */
static void dom0_names_a_started_domain(void **state)
{
	(void)state;
	expect_problems(parse("dom0 = b\n[domain]\nname = a\nkernel = k\n[domain]\nname = b\nkernel = k\n"), 0);
	assert_string_equal(cfg.dom0, "b");
	assert_int_equal(cfg.dom0_line, 1);
	assert_string_equal(cfg.serial_input, "");
	expect_problems(parse("dom0 = c\nserial_input = a\n[domain]\nname = a\nkernel = k\n"), 1);
	expect_report(0, 1, "dom0 = c: no domain of that name is started");
	assert_string_equal(cfg.dom0, "");
	assert_string_equal(cfg.serial_input, "a");
	expect_problems(parse("dom0 = \"\"\n"), 1);
	expect_report(0, 1, "dom0 = \"\": must be 1-31 characters of a-z, 0-9, '_' or '-'");
	expect_problems(parse("[domain]\nname = a\nkernel = k\ndom0 = a\n"), 2);
	expect_report(0, 4, "'dom0' is a global setting: put it before the first [domain]");
	assert_string_equal(cfg.dom0, "");
}

/* rights: "<right> <domain>" entries, merged per domain; the domain must be started and
 * not dom0, else that domain's rights over it are dropped with a problem. */
static void rights_name_started_domains(void **state)
{
	(void)state;
	expect_problems(parse("dom0 = m\n[domain]\nname = m\nkernel = k\n[domain]\nname = a\nkernel = k\n"
			      "rights = [ \"pause b\", 'sched  b', \"info c\", \"console b\", \"shutdown c\" ]\n[domain]\nname = b\nkernel = k\n"
			      "[domain]\nname = c\nkernel = k\nrights = \"destroy b\"\n"), 0);
	const struct domain_config *a = &cfg.domains[1], *c = &cfg.domains[3];
	assert_int_equal(a->nrights, 2);
	assert_string_equal(a->rights[0].target, "b");
	assert_int_equal(a->rights[0].ops, (1u << POLICY_PAUSE) | (1u << POLICY_SCHED) | (1u << POLICY_CONSOLE));
	assert_int_equal(a->rights[0].line, 8);
	assert_string_equal(a->rights[1].target, "c");
	assert_int_equal(a->rights[1].ops, (1u << POLICY_INFO) | (1u << POLICY_SHUTDOWN));
	assert_int_equal(c->nrights, 1);
	assert_int_equal(c->rights[0].ops, 1u << POLICY_DESTROY);
	assert_int_equal(cfg.domains[0].nrights, 0);

	expect_problems(parse("dom0 = m\n[domain]\nname = m\nkernel = k\n[domain]\nname = a\nkernel = k\n"
			      "rights = [ \"pause m\", \"pause x\", \"info a\" ]\n"), 2);
	expect_report(0, 8, "rights: domain 'a' is given rights over 'm': it is dom0, which no domain has rights over");
	expect_report(1, 8, "rights: domain 'a' is given rights over 'x': no domain of that name is started");
	assert_int_equal(cfg.ndomains, 2);
	assert_int_equal(cfg.domains[1].nrights, 1);
	assert_string_equal(cfg.domains[1].rights[0].target, "a");

	expect_problems(parse(D "rights = [ \"stop b\", \"pause\", \"pause b c\" ]\n"), 4);
	expect_report(0, 4, "rights: \"stop b\": must be \"<right> <domain>\", the right one of info, pause, "
		      "destroy, sched, shutdown, console, the domain a name of 1-31 characters");
	expect_report(1, 4, "rights: \"pause\": must be \"<right> <domain>\", the right one of info, pause, "
		      "destroy, sched, shutdown, console, the domain a name of 1-31 characters");
	expect_report(2, 4, "rights: \"pause b c\": must be \"<right> <domain>\", the right one of info, pause, "
		      "destroy, sched, shutdown, console, the domain a name of 1-31 characters");
	assert_int_equal(cfg.ndomains, 0);
	expect_problems(parse(D "rights = [ \"info a\", \"info b\", \"info c\", \"info d\", \"info e\", "
			      "\"info f\", \"info g\", \"info h\", \"info i\", \"info j\" ]\n"), 2);
	expect_report(0, 4, "rights: rights over more than 8 domains");
}

/* A domain's own configuration (domain_create): one [domain] section, its rights' names
 * left to the caller, no global setting, no second section. */
static void one_domain_configurations(void **state)
{
	(void)state;
	static struct keel_config scratch;
	char text[] = "# made by keelctl\n[domain]\nname = web\nkernel = web.elf\nmemory = 8\nrights = \"pause db\"\n";
	nreports = 0;
	assert_int_equal(config_parse_domain(text, strlen(text), &scratch, record, &cfg), 0);
	assert_int_equal(scratch.ndomains, 1);
	assert_string_equal(scratch.domains[0].name, "web");
	assert_int_equal(scratch.domains[0].memory_mib, 8);
	assert_int_equal(scratch.domains[0].nrights, 1);
	assert_string_equal(scratch.domains[0].rights[0].target, "db");

	char two[] = "loglevel = debug\n[domain]\nname = a\nkernel = k\n[domain]\nname = b\nkernel = k\n";
	nreports = 0;
	assert_int_equal(config_parse_domain(two, strlen(two), &scratch, record, &cfg), 2);
	expect_report(0, 1, "'loglevel' is a keel.cfg setting: a domain's own configuration has [domain] keys only");
	expect_report(1, 5, "a second [domain]: a domain's own configuration has one; it and its lines are ignored");
	assert_int_equal(scratch.ndomains, 1);

	char none[] = "# nothing\n";
	nreports = 0;
	assert_int_equal(config_parse_domain(none, strlen(none), &scratch, record, &cfg), 1);
	expect_report(0, 1, "no [domain] section: a domain's own configuration is one");
	char bad[] = "[domain]\nname = a\n";
	nreports = 0;
	assert_int_equal(config_parse_domain(bad, strlen(bad), &scratch, record, &cfg), 2);
	expect_report(0, 1, "[domain] at line 1 has no kernel");
	expect_report(1, 1, "domain 'a' not started: it has errors");
}

static void bad_section_headers(void **state)
{
	(void)state;
	expect_problems(parse("[global]\nloglevel = debug\nbogus\n[domain]\nname = a\nkernel = k\n"
			       "[Domain]\nname = b\n[domain] x\n[domain\n[ domain ]\n"), 5);
	expect_report(0, 1, "'[global]' is not a [domain] header: the lines up to the next "
		      "[domain] are ignored");
	expect_report(1, 7, "'[Domain]' is not a [domain] header: the lines up to the next "
		      "[domain] are ignored");
	expect_report(2, 9, "'[domain] x' is not a [domain] header: the lines up to the next "
		      "[domain] are ignored");
	expect_report(3, 10, "'[domain' is not a [domain] header: the lines up to the next "
		      "[domain] are ignored");
	expect_report(4, 11, "'[ domain ]' is not a [domain] header: the lines up to the next "
		      "[domain] are ignored");
	assert_int_equal(cfg.loglevel, LOG_INFO);
	assert_int_equal(cfg.ndomains, 1);
	assert_string_equal(cfg.domains[0].name, "a");
}

static void too_many_domains(void **state)
{
	(void)state;
	char text[8192];
	size_t n = 0;

	for (int i = 0; i < CONFIG_MAX_DOMAINS + 2; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[domain]\nname = d%d\nkernel = k\n", i);
	expect_problems(parse(text), 2);
	expect_report(0, 3 * CONFIG_MAX_DOMAINS + 1,
		      "more than 32 domains: this [domain] and its lines are ignored");
	expect_report(1, 3 * CONFIG_MAX_DOMAINS + 4,
		      "more than 32 domains: this [domain] and its lines are ignored");
	assert_int_equal(cfg.ndomains, CONFIG_MAX_DOMAINS);
	assert_string_equal(cfg.domains[31].name, "d31");
}

static void empty_and_blank(void **state)
{
	(void)state;
	expect_problems(parse(""), 0);
	assert_int_equal(cfg.ndomains, 0);
	assert_int_equal(cfg.loglevel, LOG_INFO);
	assert_int_equal(config_parse(NULL, 0, &cfg, record, &cfg), 0);
	expect_problems(parse(" \t\n\n   \r\n\t"), 0);
	assert_int_equal(cfg.ndomains, 0);
	expect_problems(parse("\n\n\n"), 0);
	/* Without a callback the problems are still counted. */
	assert_int_equal(config_parse("x\ny\n", 4, &cfg, NULL, NULL), 2);
}

static void nul_byte(void **state)
{
	(void)state;
	static const char text[] = "[domain]\nname = a\0b\nkernel = k\n";

	expect_problems(parse_n(text, sizeof(text) - 1), 3);
	expect_report(0, 2, "NUL byte at column 9");
	expect_report(1, 1, "[domain] at line 1 has no name");
	expect_report(2, 1, "[domain] at line 1 not started: it has errors");
	assert_int_equal(cfg.ndomains, 0);
	expect_problems(parse_n("\0", 1), 1);
	expect_report(0, 1, "NUL byte at column 1");
}

static void no_trailing_newline(void **state)
{
	(void)state;
	expect_problems(parse("[domain]\nname = a\nkernel = k"), 0);
	assert_string_equal(cfg.domains[0].kernel, "k");
	expect_problems(parse("[domain]\nname = a\nkernel = k\r"), 0);
	assert_string_equal(cfg.domains[0].kernel, "k");
}

static void long_lines(void **state)
{
	(void)state;
	char text[4096];

	/* 2047 characters (plus CR LF) is the limit. */
	memset(text, 0, sizeof(text));
	text[0] = '#';
	memset(text + 1, 'a', 2046);
	strcat(text, "\r\nloglevel = warn\n");
	expect_problems(parse(text), 0);
	assert_int_equal(cfg.loglevel, LOG_WARN);

	memset(text, 0, sizeof(text));
	strcpy(text, "[domain]\nname = a\nkernel = k\n#");
	memset(text + strlen(text), 'a', 2099);
	strcat(text, "\nmemory = 8\n");
	expect_problems(parse(text), 2);
	expect_report(0, 4, "line is 2100 characters long: at most 2047 are allowed");
	expect_report(1, 1, "domain 'a' not started: it has errors");

	memset(text, 'b', 3000);
	text[3000] = '\0';
	expect_problems(parse(text), 1);
	expect_report(0, 1, "line is 3000 characters long: at most 2047 are allowed");
}

static void command_lines(void **state)
{
	(void)state;
	char text[4096];

	/* 1023 characters is the longest command line. */
	int n = snprintf(text, sizeof(text), D "cmdline = \"");
	memset(text + n, 'c', 1023);
	strcpy(text + n + 1023, "\"\n");
	expect_problems(parse(text), 0);
	assert_int_equal(strlen(cfg.domains[0].cmdline), 1023);
	strcpy(text + n + 1023, "c\"\n");
	expect_problems(parse(text), 2);
	expect_report(0, 4, "cmdline: 1024 characters is too long, at most 1023 are allowed");
	/* A bare word is a command line too; an empty string is none. */
	expect_problems(parse(D "cmdline = quiet\n"), 0);
	assert_string_equal(cfg.domains[0].cmdline, "quiet");
	expect_problems(parse(D "cmdline = ''\n"), 0);
	assert_string_equal(cfg.domains[0].cmdline, "");
}

static void module_lists(void **state)
{
	(void)state;
	char text[4096];

	/* One value instead of a list, and the empty list. */
	expect_problems(parse(D "module = \"only.bin  its args\"\n"), 0);
	assert_int_equal(cfg.domains[0].nmodules, 1);
	assert_string_equal(cfg.domains[0].modules[0].file, "only.bin");
	assert_string_equal(cfg.domains[0].modules[0].cmdline, "its args");
	expect_problems(parse(D "module = []\n"), 0);
	assert_int_equal(cfg.domains[0].nmodules, 0);
	expect_problems(parse(D "module = [\n]\nmemory = 8\n"), 0);
	assert_int_equal(cfg.domains[0].memory_mib, 8);
	/* A trailing comma, bare words, and items on their own lines. */
	expect_problems(parse(D "module = [ a.bin, 'b.bin x',\n\n  # note\n c.bin\n , ]\nmemory = 6\n"), 0);
	assert_int_equal(cfg.domains[0].nmodules, 3);
	assert_string_equal(cfg.domains[0].modules[1].file, "b.bin");
	assert_string_equal(cfg.domains[0].modules[1].cmdline, "x");
	assert_string_equal(cfg.domains[0].modules[2].file, "c.bin");
	assert_int_equal(cfg.domains[0].memory_mib, 6);

	/* Exactly the limit, then one more. */
	int n = snprintf(text, sizeof(text), D "module = [");
	for (int i = 0; i < CONFIG_MAX_MODULES; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "\"m%d.bin\",\n", i);
	strcpy(text + n, "]\n");
	expect_problems(parse(text), 0);
	assert_int_equal(cfg.domains[0].nmodules, CONFIG_MAX_MODULES);
	assert_string_equal(cfg.domains[0].modules[15].file, "m15.bin");
	strcpy(text + n, "\"extra.bin\", \"more.bin\" ]\nmemory = 8\n");
	expect_problems(parse(text), 2);
	expect_report(0, 4 + CONFIG_MAX_MODULES, "module: more than 16 modules");
	expect_report(1, 1, "domain 'x' not started: it has errors");
}

static const struct {
	const char *text; /* after D, starting at line 4 */
	int line;
	const char *msg;
} list_errors[] = {
	{ "module = [ a b ]", 4, "module: expected ',' or ']' before 'b ]'" },
	{ "module = [ , a ]", 4, "module: expected a list item before ','" },
	{ "module = [ a,, b ]", 4, "module: expected a list item before ','" },
	{ "module = [ \"a ]", 4, "module = \"a ]: unterminated string" },
	{ "module = [ a ] b", 4, "module: unexpected text 'b' after the list" },
	{ "module = [ \"dir/a x\" ]", 4,
	  "module: \"dir/a x\": must start with a file name of 1-63 characters, without '/' or '\\'" },
	{ "module = [ \" a\" ]", 4,
	  "module: \" a\": must start with a file name of 1-63 characters, without '/' or '\\'" },
	{ "module = [ a,\nb\n", 4, "the list of 'module' opened at line 4 is never closed with ']'" },
	{ "module = [ a,\n[domain]\n", 4, "the list of 'module' opened at line 4 is never closed with ']'" },
	{ "module = [ a ]\nmodule = [ b ]", 5, "'module' is given twice in this section (first at line 4)" },
};

static void module_list_errors(void **state)
{
	(void)state;
	char text[512];

	for (size_t i = 0; i < sizeof(list_errors) / sizeof(list_errors[0]); i++) {
		snprintf(text, sizeof(text), D "%s\n", list_errors[i].text);
		int rc = parse(text);
		if (rc < 2)
			fail_msg("'%s': %d problems", list_errors[i].text, rc);
		expect_report(0, list_errors[i].line, list_errors[i].msg);
		expect_report(1, 1, "domain 'x' not started: it has errors");
		assert_int_equal(cfg.ndomains, 0);
	}
	/* A broken list is skipped to its end: the next keys are read as usual. */
	expect_problems(parse(D "module = [ a b,\n  \"c\" ]\nmemory = 0\n"), 3);
	expect_report(0, 4, "module: expected ',' or ']' before 'b,'");
	expect_report(1, 6, "memory = 0: must be 1..1048576 MiB");
	/* The module's command line has its own limit. */
	int n = snprintf(text, sizeof(text), D "module = \"m.bin ");
	memset(text + n, 'a', 192);
	strcpy(text + n + 192, "\"\n");
	expect_problems(parse(text), 2);
	expect_report(0, 4, "module 'm.bin': its command line: 192 characters is too long, at most 191 are allowed");
}

static void real_mode_gets_no_boot_information(void **state)
{
	(void)state;
	expect_problems(parse(D "type = real16\ncmdline = x\n"), 2);
	expect_report(0, 4, "type = real16: a real-mode kernel gets no cmdline, ramdisk or modules");
	expect_problems(parse(D "module = a\ntype = real16\n"), 2);
	expect_report(0, 5, "type = real16: a real-mode kernel gets no cmdline, ramdisk or modules");
	expect_problems(parse(D "type = real16\nramdisk = r\n"), 2);
	expect_problems(parse(D "type = real16\n"), 0);
}

static void reset_ports(void **state)
{
	(void)state;
	assert_non_null(config_reset_port(0xcf9));
	assert_non_null(config_reset_port(0x92));
	assert_non_null(config_reset_port(0x64));
	assert_null(config_reset_port(0xf4));
	assert_null(config_reset_port(0x8900));
	expect_problems(parse("exit_port = 0xcf9\nshutdown_port = 0x92\n"), 2);
	expect_report(0, 1, "exit_port = 0xcf9: refused: port 0xcf9 is the reset control register "
		      "(writing it resets the machine)");
	expect_report(1, 2, "shutdown_port = 0x92: refused: port 0x92 is System Control Port A "
		      "(bit 0 resets the machine)");
	assert_int_equal(cfg.exit_port, 0);
	assert_int_equal(cfg.exit_port_line, 0);
	assert_int_equal(cfg.shutdown_port, 0);
	expect_problems(parse("shutdown_port = 100\n"), 1);
	expect_report(0, 1, "shutdown_port = 100: refused: port 0x64 is the keyboard controller's "
		      "command port (command 0xfe resets the machine)");
}

static void names_of_choices(void **state)
{
	(void)state;
	assert_string_equal(config_kernel_type_name(KERNEL_MULTIBOOT2), "multiboot2");
	assert_string_equal(config_kernel_type_name((enum kernel_type)99), "?");
	assert_string_equal(config_action_name(ACTION_PRESERVE), "preserve");
	assert_string_equal(config_action_name((enum end_action)7), "?");
}

static void len_limits_parsing(void **state)
{
	(void)state;
	static const char text[] = "[domain]\nname = a\nkernel = kern.elfXXXX\nmemory = 99";

	expect_problems(parse_n(text, strlen(text) - 1), 0);
	assert_string_equal(cfg.domains[0].kernel, "kern.elfXXXX");
	assert_int_equal(cfg.domains[0].memory_mib, 9);
	expect_problems(parse_n(text, 35), 0);
	assert_string_equal(cfg.domains[0].kernel, "kern.elf");
	assert_int_equal(cfg.domains[0].memory_mib, 4);

	static const char quoted[] = "[domain]\nname = a\nkernel = \"k.elf\"\n";
	expect_problems(parse_n(quoted, strlen(quoted) - 2), 2);
	expect_report(0, 3, "kernel = \"k.elf: unterminated string");
	expect_problems(parse_n(quoted, 9), 3); /* just the header */
	expect_report(0, 1, "[domain] at line 1 has no name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_valid_file),
		cmocka_unit_test(crlf_line_endings),
		cmocka_unit_test(defaults),
		cmocka_unit_test(comments),
		cmocka_unit_test(domain_error_kinds),
		cmocka_unit_test(name_and_kernel_rules),
		cmocka_unit_test(missing_name_or_kernel),
		cmocka_unit_test(duplicate_names),
		cmocka_unit_test(bad_domain_dropped_others_kept),
		cmocka_unit_test(global_errors),
		cmocka_unit_test(bad_section_headers),
		cmocka_unit_test(too_many_domains),
		cmocka_unit_test(empty_and_blank),
		cmocka_unit_test(nul_byte),
		cmocka_unit_test(no_trailing_newline),
		cmocka_unit_test(long_lines),
		cmocka_unit_test(command_lines),
		cmocka_unit_test(module_lists),
		cmocka_unit_test(module_list_errors),
		cmocka_unit_test(real_mode_gets_no_boot_information),
		cmocka_unit_test(reset_ports),
		cmocka_unit_test(names_of_choices),
		cmocka_unit_test(len_limits_parsing),
		cmocka_unit_test(serial_input_names_a_started_domain),
		cmocka_unit_test(dom0_names_a_started_domain),
		cmocka_unit_test(rights_name_started_domains),
		cmocka_unit_test(one_domain_configurations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
