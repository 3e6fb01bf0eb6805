#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/config.h"

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
	"\n"
	"[domain]\n"
	"name = \"hello64\"\n"
	"kernel = \"hello64.elf\"\n"
	"mode = \"long64\"\n"
	"memory = 8\n"
	"vcpus = 1\n"
	"on_crash = \"preserve\"\n"
	"\n"
	"  [domain]  # the second one\n"
	"\tname=real_1\n"
	"kernel = hello16.bin   # a bare word\n"
	"mode = real16\n"
	"memory = 0x10\n"
	"on_crash = destroy\n";

static void check_full_file(void)
{
	assert_int_equal(cfg.loglevel, LOG_DEBUG);
	assert_int_equal(cfg.exit_port, 0xf4);
	assert_int_equal(cfg.shutdown_port, 0x8900);
	assert_int_equal(cfg.ndomains, 2);
	assert_string_equal(cfg.domains[0].name, "hello64");
	assert_string_equal(cfg.domains[0].kernel, "hello64.elf");
	assert_int_equal(cfg.domains[0].mode, GUEST_MODE_LONG64);
	assert_int_equal(cfg.domains[0].memory_mib, 8);
	assert_int_equal(cfg.domains[0].vcpus, 1);
	assert_int_equal(cfg.domains[0].on_crash, ON_CRASH_PRESERVE);
	assert_int_equal(cfg.domains[0].line, 6);
	assert_string_equal(cfg.domains[1].name, "real_1");
	assert_string_equal(cfg.domains[1].kernel, "hello16.bin");
	assert_int_equal(cfg.domains[1].mode, GUEST_MODE_REAL16);
	assert_int_equal(cfg.domains[1].memory_mib, 16);
	assert_int_equal(cfg.domains[1].vcpus, 1);
	assert_int_equal(cfg.domains[1].on_crash, ON_CRASH_DESTROY);
	assert_int_equal(cfg.domains[1].line, 14);
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
	assert_int_equal(cfg.ndomains, 1);
	assert_string_equal(cfg.domains[0].name, "a");
	assert_string_equal(cfg.domains[0].kernel, "k");
	assert_int_equal(cfg.domains[0].mode, GUEST_MODE_LONG64);
	assert_int_equal(cfg.domains[0].memory_mib, 4);
	assert_int_equal(cfg.domains[0].vcpus, 1);
	assert_int_equal(cfg.domains[0].on_crash, ON_CRASH_DESTROY);
	assert_int_equal(cfg.domains[0].line, 1);
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
	{ "memory = 0", "memory = 0: must be 1..4096 MiB" },
	{ "memory = 4097", "memory = 4097: must be 1..4096 MiB" },
	{ "memory = 0x1001", "memory = 0x1001: must be 1..4096 MiB" },
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
	{ "memory = +4", "memory = +4: expected a number, a word or a \"quoted string\"" },
	{ "mode = \"long32\"", "mode = \"long32\": expected long64 or real16" },
	{ "mode = \"long64", "mode = \"long64: unterminated string" },
	{ "mode = \"lo\tng64\"", "mode: control character 0x09 in a quoted string" },
	{ "mode = long64 real16", "mode = long64: unexpected text 'real16' after the value" },
	{ "mode = \"long64\"x", "mode = \"long64\": unexpected text 'x' after the value" },
	{ "vcpus = 2", "vcpus = 2: must be 1 (multi-vCPU guests are not supported yet)" },
	{ "vcpus = 0", "vcpus = 0: must be 1 (multi-vCPU guests are not supported yet)" },
	{ "on_crash = restart", "on_crash = restart: expected destroy or preserve" },
	{ "on_crash = \"Destroy\"", "on_crash = \"Destroy\": expected destroy or preserve" },
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
		      "without '/' or '\\'");
	expect_report(1, 1, "domain 'a' not started: it has errors");
	expect_problems(parse("[domain]\nname = a\nkernel = \"dir\\a.elf\"\n"), 2);
	expect_problems(parse("[domain]\nname = a\nkernel = \"\"\n"), 2);
	expect_report(0, 3, "kernel = \"\": must be a file name of 1-63 characters, without '/' or '\\'");
	char text[256];
	snprintf(text, sizeof(text), "[domain]\nname = a\nkernel = \"%063d\"\n", 0);
	expect_problems(parse(text), 0);
	assert_int_equal(strlen(cfg.domains[0].kernel), 63);
	snprintf(text, sizeof(text), "[domain]\nname = a\nkernel = \"%064d\"\n", 0);
	expect_problems(parse(text), 2);
	assert_int_equal(reports[0].line, 3);
	assert_non_null(strstr(reports[0].msg, "kernel = \"0000"));
	expect_problems(parse("[domain]\nname = a\nkernel = \"my guest.elf\"\n"), 0);
	assert_string_equal(cfg.domains[0].kernel, "my guest.elf");
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
	expect_report(0, 4, "vcpus = 4: must be 1 (multi-vCPU guests are not supported yet)");
	expect_report(1, 1, "domain 'x' not started: it has errors");
	assert_int_equal(cfg.ndomains, 1);
	assert_string_equal(cfg.domains[0].kernel, "b");
}

static void bad_domain_dropped_others_kept(void **state)
{
	(void)state;
	expect_problems(parse("loglevel = warn\n"
			       "[domain]\nname = a\nkernel = a.elf\n"
			       "[domain]\nname = b\nkernel = b.elf\nmemory = 0\nmode = long32\n"
			       "[domain]\nname = c\nkernel = c.elf\nmemory = 4096\n"), 3);
	expect_report(0, 8, "memory = 0: must be 1..4096 MiB");
	expect_report(1, 9, "mode = long32: expected long64 or real16");
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
	char text[4096];
	size_t n = 0;

	for (int i = 0; i < CONFIG_MAX_DOMAINS + 2; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[domain]\nname = d%d\nkernel = k\n", i);
	expect_problems(parse(text), 2);
	expect_report(0, 3 * CONFIG_MAX_DOMAINS + 1,
		      "more than 16 domains: this [domain] and its lines are ignored");
	expect_report(1, 3 * CONFIG_MAX_DOMAINS + 4,
		      "more than 16 domains: this [domain] and its lines are ignored");
	assert_int_equal(cfg.ndomains, CONFIG_MAX_DOMAINS);
	assert_string_equal(cfg.domains[15].name, "d15");
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
	char text[1024];

	/* 255 characters (plus CR LF) is the limit. */
	memset(text, 0, sizeof(text));
	text[0] = '#';
	memset(text + 1, 'a', 254);
	strcat(text, "\r\nloglevel = warn\n");
	expect_problems(parse(text), 0);
	assert_int_equal(cfg.loglevel, LOG_WARN);

	memset(text, 0, sizeof(text));
	strcpy(text, "[domain]\nname = a\nkernel = k\n#");
	memset(text + strlen(text), 'a', 299);
	strcat(text, "\nmemory = 8\n");
	expect_problems(parse(text), 2);
	expect_report(0, 4, "line is 300 characters long: at most 255 are allowed");
	expect_report(1, 1, "domain 'a' not started: it has errors");

	memset(text, 'b', 1000);
	text[1000] = '\0';
	expect_problems(parse(text), 1);
	expect_report(0, 1, "line is 1000 characters long: at most 255 are allowed");
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
		cmocka_unit_test(len_limits_parsing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
