/* keelctl's pure parts (guests/dom0/keelctl/): the exact lines of list, sched-credit, info
 * and top, the state letters, Keel's error texts, the checks of numbers and domain
 * arguments, and the scan of a configuration for the files it names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guests/dom0/keelctl/args.h"
#include "guests/dom0/keelctl/config_files.h"
#include "guests/dom0/keelctl/format.h"

#define MIB (1024ull * 1024)
#define S (1000000000ull)

static struct keel_domain_status domain(uint32_t id, const char *name, uint32_t state, uint32_t flags)
{
	struct keel_domain_status d = { .id = id, .state = state, .flags = flags, .vcpus = 1, .weight = 256,
					.memory_bytes = 16 * MIB };

	strcpy(d.name, name);
	return d;
}

static void expect_state(uint32_t state, uint32_t flags, uint32_t end_reason, const char *list_state,
			 const char *top_state)
{
	struct keel_domain_status d = domain(1, "a", state, flags);
	char out[7];

	d.end_reason = end_reason;
	format_state(out, &d, FORMAT_LIST_STATE_ORDER);
	assert_string_equal(out, list_state);
	format_state(out, &d, FORMAT_TOP_STATE_ORDER);
	assert_string_equal(out, top_state);
}

static void state_letters(void **state)
{
	(void)state;
	expect_state(KEEL_DOMAIN_RUNNING, 0, 0, "r-----", "-----r");
	expect_state(KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_DOM0, 0, "r-----", "-----r");
	expect_state(KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_BLOCKED, 0, "-b----", "--b---");
	expect_state(KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_PAUSED, 0, "--p---", "----p-");
	expect_state(KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_PAUSED | KEEL_DOMAIN_F_BLOCKED, 0, "--p---", "----p-");
	expect_state(KEEL_DOMAIN_PRESERVED, KEEL_DOMAIN_F_HAS_STATUS, KEEL_END_POWEROFF, "---s--", "-s----");
	expect_state(KEEL_DOMAIN_PRESERVED, 0, KEEL_END_REBOOT, "---s--", "-s----");
	expect_state(KEEL_DOMAIN_PRESERVED, 0, KEEL_END_STOPPED, "---s--", "-s----");
	expect_state(KEEL_DOMAIN_PRESERVED, 0, KEEL_END_DESTROYED, "---s--", "-s----");
	expect_state(KEEL_DOMAIN_PRESERVED, 0, KEEL_END_CRASH, "----c-", "---c--");
	expect_state(KEEL_DOMAIN_ENDING, 0, KEEL_END_POWEROFF, "-----d", "d-----");
	expect_state(KEEL_DOMAIN_ENDING, KEEL_DOMAIN_F_PAUSED, KEEL_END_CRASH, "-----d", "d-----");
	expect_state(KEEL_DOMAIN_RESTARTING, 0, KEEL_END_REBOOT, "-----d", "d-----");
}

static void list_lines(void **state)
{
	(void)state;
	char line[FORMAT_LINE_MAX];
	struct keel_domain_status d;

	assert_string_equal(format_list_header(),
			    "Name                                        ID   Mem VCPUs\tState\tTime(s)");

	d = domain(0, "manager", KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_DOM0);
	d.memory_bytes = 256 * MIB;
	d.cpu_ns = 12 * S + 340000000;
	format_list_line(line, sizeof(line), &d);
	assert_string_equal(line, "manager                                      0   256     1     r-----      12.3");

	d = domain(3, "web", KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_BLOCKED);
	d.memory_bytes = 64 * MIB;
	d.cpu_ns = S / 2;
	format_list_line(line, sizeof(line), &d);
	assert_string_equal(line, "web                                          3    64     1     -b----       0.5");

	d = domain(4, "db", KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_PAUSED | KEEL_DOMAIN_F_BLOCKED);
	format_list_line(line, sizeof(line), &d);
	assert_string_equal(line, "db                                           4    16     1     --p---       0.0");

	d = domain(5, "done", KEEL_DOMAIN_PRESERVED, KEEL_DOMAIN_F_HAS_STATUS);
	d.end_reason = KEEL_END_POWEROFF;
	format_list_line(line, sizeof(line), &d);
	assert_string_equal(line, "done                                         5    16     1     ---s--       0.0");

	d = domain(6, "oops", KEEL_DOMAIN_PRESERVED, 0);
	d.end_reason = KEEL_END_CRASH;
	d.cpu_ns = 3723 * S + 400000000;
	format_list_line(line, sizeof(line), &d);
	assert_string_equal(line, "oops                                         6    16     1     ----c-    3723.4");

	d = domain(UINT32_MAX, "a-name-of-thirty-one-characters", KEEL_DOMAIN_ENDING, 0);
	d.memory_bytes = 1048576 * MIB;
	format_list_line(line, sizeof(line), &d);
	assert_string_equal(line,
			    "a-name-of-thirty-one-characters          4294967295 1048576     1     -----d       0.0");

	/* a name Keel did not terminate is cut at its field's end */
	d = domain(7, "x", KEEL_DOMAIN_RESTARTING, 0);
	memset(d.name, 'z', sizeof(d.name));
	format_list_line(line, sizeof(line), &d);
	assert_string_equal(line, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz              7    16     1     -----d       0.0");
}

static void sched_lines(void **state)
{
	(void)state;
	char line[FORMAT_LINE_MAX];
	struct keel_domain_status d = domain(3, "web", KEEL_DOMAIN_RUNNING, 0);

	assert_string_equal(format_sched_header(), "Name                                ID Weight  Cap");
	d.weight = 512;
	d.cap = 50;
	format_sched_line(line, sizeof(line), &d);
	assert_string_equal(line, "web                                  3    512   50");
	d = domain(0, "manager", KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_DOM0);
	d.weight = KEEL_WEIGHT_MAX;
	d.cap = KEEL_CAP_MAX;
	format_sched_line(line, sizeof(line), &d);
	assert_string_equal(line, "manager                              0  65535  100");
}

static void info_lines(void **state)
{
	(void)state;
	struct keel_host_info h = {
		.cpu_vendor = "AuthenticAMD",
		.cpu_model = "  AMD EPYC 7543 32-Core Processor  ",
		.family = 0x19, .model = 0x1, .stepping = 0x1,
		.features = KEEL_HOST_F_SVM | KEEL_HOST_F_PAGES_1G | KEEL_HOST_F_XSAVE,
		.memory_bytes = 2048 * MIB, .free_bytes = 1900 * MIB + 12345,
		.tsc_hz = 2794748000, .cpus = 1, .domains = 3,
		.keel_version = 0 << 16 | 2, .abi_version = 4,
	};
	char text[2048];

	format_info(text, sizeof(text), &h);
	assert_string_equal(text,
			    "host                   : keel\n"
			    "release                : 0.2\n"
			    "cpu_vendor             : AuthenticAMD\n"
			    "cpu_model              : AMD EPYC 7543 32-Core Processor\n"
			    "cpu_family             : 0x19\n"
			    "cpu_model_number       : 0x1\n"
			    "cpu_stepping           : 0x1\n"
			    "virt_caps              : svm 1g-pages xsave\n"
			    "nr_cpus                : 1\n"
			    "total_memory           : 2048\n"
			    "free_memory            : 1900\n"
			    "tsc_mhz                : 2794.748\n"
			    "domains                : 3\n"
			    "abi_version            : 4\n");

	/* Intel, no 1 GiB pages, no brand string; a vendor field without its NUL */
	memcpy(h.cpu_vendor, "GenuineIntelGenu", sizeof(h.cpu_vendor));
	h.cpu_model[0] = '\0';
	h.features = KEEL_HOST_F_VMX;
	h.family = 6;
	h.model = 0x55;
	h.stepping = 4;
	h.keel_version = 1 << 16 | 12;
	format_info(text, sizeof(text), &h);
	assert_non_null(strstr(text, "release                : 1.12\n"));
	assert_non_null(strstr(text, "cpu_vendor             : GenuineIntelGenu\n"));
	assert_non_null(strstr(text, "cpu_model              : \n"));
	assert_non_null(strstr(text, "cpu_family             : 0x6\ncpu_model_number       : 0x55\n"
				     "cpu_stepping           : 0x4\n"));
	assert_non_null(strstr(text, "virt_caps              : vmx\n"));

	/* a buffer too small gets what fits, terminated */
	format_info(text, 40, &h);
	assert_string_equal(text, "host                   : keel\nrelease  ");
}

static void keel_errors(void **state)
{
	(void)state;
	static const struct {
		int64_t result;
		const char *text;
	} want[] = {
		{ -KEEL_EPERM, "EPERM: not permitted by Keel's access policy" },
		{ -KEEL_ESRCH, "ESRCH: no such domain" },
		{ -KEEL_EFAULT, "EFAULT: a buffer lies outside dom0's memory" },
		{ -KEEL_EBUSY, "EBUSY: the domain has ended" },
		{ -KEEL_EINVAL, "EINVAL: invalid argument" },
		{ -KEEL_ENOMEM, "ENOMEM: Keel has no memory for it" },
		{ -KEEL_ENOSYS, "ENOSYS: Keel does not offer this call" },
		{ -5, "error -5, unknown to keelctl" },
	};
	char text[FORMAT_LINE_MAX];

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		format_keel_error(text, sizeof(text), want[i].result);
		assert_string_equal(text, want[i].text);
	}
}

static void top_lines(void **state)
{
	(void)state;
	struct keel_host_info h = { .memory_bytes = 2048 * MIB, .free_bytes = 1536 * MIB, .tsc_hz = 2994372000,
				    .cpus = 1, .keel_version = 2 };
	struct keel_domain_status doms[] = {
		domain(0, "manager", KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_DOM0),
		domain(1, "a-long-name-here", KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_BLOCKED),
		domain(2, "p", KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_PAUSED),
		domain(3, "c", KEEL_DOMAIN_PRESERVED, 0),
		domain(4, "s", KEEL_DOMAIN_PRESERVED, 0),
		domain(5, "d", KEEL_DOMAIN_ENDING, 0),
	};
	struct keel_domain_status prev = doms[1];
	char text[1024];

	doms[3].end_reason = KEEL_END_CRASH;
	format_top_summary(text, sizeof(text), "12:34:56", &h, doms, 6);
	assert_string_equal(text,
			    "keelctl top - 12:34:56   Keel 0.2\n"
			    "6 domains: 1 running, 1 blocked, 1 paused, 1 crashed, 1 dying, 1 shutdown\n"
			    "Mem: 2097152k total, 524288k used, 1572864k free    CPUs: 1 @ 2994MHz\n");
	assert_string_equal(format_top_header(), "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) VCPUS  EXITS/s");

	/* 0.5 s of CPU and 3000 exits over 2 s */
	prev.cpu_ns = 11 * S + S / 2;
	prev.exits[KEEL_EXIT_HLT] = 1000;
	prev.exits[KEEL_EXIT_IO] = 500;
	doms[1].memory_bytes = 64 * MIB;
	doms[1].cpu_ns = 12 * S;
	doms[1].exits[KEEL_EXIT_HLT] = 3000;
	doms[1].exits[KEEL_EXIT_IO] = 1500;
	doms[1].exits[KEEL_EXIT_INTERRUPT] = 1000;
	format_top_line(text, sizeof(text), &doms[1], &prev, 2 * S);
	assert_string_equal(text, "a-long-nam --b---         12   25.0      65536     1     2000");
	/* at the first refresh, no rates */
	format_top_line(text, sizeof(text), &doms[1], NULL, 0);
	assert_string_equal(text, "a-long-nam --b---         12    0.0      65536     1        0");
	/* counters that went back (not expected) give no rate */
	format_top_line(text, sizeof(text), &prev, &doms[1], S);
	assert_string_equal(text, "a-long-nam --b---         11    0.0      16384     1        0");
	format_top_line(text, sizeof(text), &doms[0], &doms[0], S);
	assert_string_equal(text, "   manager -----r          0    0.0      16384     1        0");
}

static void decimal_numbers(void **state)
{
	(void)state;
	uint32_t n = 7;

	assert_true(parse_decimal_u32("1", 1, 65535, &n));
	assert_int_equal(n, 1);
	assert_true(parse_decimal_u32("65535", 1, 65535, &n));
	assert_int_equal(n, 65535);
	assert_true(parse_decimal_u32("0", 0, 100, &n));
	assert_int_equal(n, 0);
	assert_true(parse_decimal_u32("0100", 0, 100, &n));
	assert_int_equal(n, 100);
	assert_true(parse_decimal_u32("4294967295", 0, UINT32_MAX, &n));
	assert_int_equal(n, UINT32_MAX);
	n = 7;
	assert_false(parse_decimal_u32("0", 1, 65535, &n));
	assert_false(parse_decimal_u32("65536", 1, 65535, &n));
	assert_false(parse_decimal_u32("101", 0, 100, &n));
	assert_false(parse_decimal_u32("4294967296", 0, UINT32_MAX, &n));
	assert_false(parse_decimal_u32("99999999999999999999999", 0, UINT32_MAX, &n));
	assert_false(parse_decimal_u32("", 0, 100, &n));
	assert_false(parse_decimal_u32("-1", 0, 100, &n));
	assert_false(parse_decimal_u32("+1", 0, 100, &n));
	assert_false(parse_decimal_u32(" 1", 0, 100, &n));
	assert_false(parse_decimal_u32("1 ", 0, 100, &n));
	assert_false(parse_decimal_u32("0x10", 0, 100, &n));
	assert_false(parse_decimal_u32("12a", 0, 100, &n));
	assert_int_equal(n, 7);
}

static void domain_arguments(void **state)
{
	(void)state;
	struct keel_domain_status doms[] = {
		domain(0, "manager", KEEL_DOMAIN_RUNNING, KEEL_DOMAIN_F_DOM0),
		domain(3, "web", KEEL_DOMAIN_RUNNING, 0),
		domain(12, "7", KEEL_DOMAIN_RUNNING, 0), /* a name of digits only: reached by id, as in xl */
		domain(UINT32_MAX, "last_one-2", KEEL_DOMAIN_RUNNING, 0),
	};
	uint32_t id = 99;

	assert_int_equal(domain_arg_parse("0", &id), DOMAIN_ARG_ID);
	assert_int_equal(id, 0);
	assert_int_equal(domain_arg_parse("007", &id), DOMAIN_ARG_ID);
	assert_int_equal(id, 7);
	assert_int_equal(domain_arg_parse("4294967295", &id), DOMAIN_ARG_ID);
	assert_int_equal(id, UINT32_MAX);
	assert_int_equal(domain_arg_parse("web", &id), DOMAIN_ARG_NAME);
	assert_int_equal(domain_arg_parse("2web", &id), DOMAIN_ARG_NAME);
	assert_int_equal(domain_arg_parse("last_one-2", &id), DOMAIN_ARG_NAME);
	assert_int_equal(domain_arg_parse("a-name-of-thirty-one-characters", &id), DOMAIN_ARG_NAME);
	assert_int_equal(domain_arg_parse("a-name-of-thirty-two-characters!", &id), DOMAIN_ARG_INVALID);
	assert_int_equal(domain_arg_parse("a-name-of-thirty-two-characterss", &id), DOMAIN_ARG_INVALID);
	assert_int_equal(domain_arg_parse("4294967296", &id), DOMAIN_ARG_INVALID);
	assert_int_equal(domain_arg_parse("", &id), DOMAIN_ARG_INVALID);
	assert_int_equal(domain_arg_parse("Web", &id), DOMAIN_ARG_INVALID);
	assert_int_equal(domain_arg_parse("dom 1", &id), DOMAIN_ARG_INVALID);
	assert_int_equal(domain_arg_parse("-1", &id), DOMAIN_ARG_NAME);

	assert_ptr_equal(domain_find(doms, 4, "0"), &doms[0]);
	assert_ptr_equal(domain_find(doms, 4, "manager"), &doms[0]);
	assert_ptr_equal(domain_find(doms, 4, "3"), &doms[1]);
	assert_ptr_equal(domain_find(doms, 4, "web"), &doms[1]);
	assert_ptr_equal(domain_find(doms, 4, "12"), &doms[2]);
	assert_null(domain_find(doms, 4, "7"));
	assert_ptr_equal(domain_find(doms, 4, "4294967295"), &doms[3]);
	assert_ptr_equal(domain_find(doms, 4, "last_one-2"), &doms[3]);
	assert_null(domain_find(doms, 4, "1"));
	assert_null(domain_find(doms, 4, "we"));
	assert_null(domain_find(doms, 4, "webs"));
	assert_null(domain_find(doms, 4, "Web"));
	assert_null(domain_find(doms, 4, ""));
	assert_null(domain_find(doms, 0, "web"));
}

/* Reads text from a heap copy of exactly its length, so that AddressSanitizer catches a
 * read past its end; checks the names found. */
static void expect_files(const char *text, const char *const *want, unsigned nwant)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	struct config_files files;

	assert_non_null(copy);
	memcpy(copy, text, len);
	config_files_find(copy, len, &files);
	free(copy);
	if (files.count != nwant) {
		for (unsigned i = 0; i < files.count; i++)
			print_error("  found '%s'\n", files.names[i]);
		fail_msg("%u files found, expected %u", files.count, nwant);
	}
	for (unsigned i = 0; i < nwant; i++)
		assert_string_equal(files.names[i], want[i]);
}

/* Keel's own parser reads the configuration: the kernel, the ramdisk, then each module's
 * file, each once; a configuration with a problem names none (Keel reports it). */
static void config_file_names(void **state)
{
	(void)state;
	static const char *const full[] = { "hello-mb2.elf", "initrd.img", "motd.txt", "second.img", "bare.bin" };
	static const char *const one[] = { "spin.elf" };
	static const char *const two[] = { "spin.elf", "data.bin" };

	expect_files("# a worker\n"
		     "[domain]\n"
		     "name = \"hello\"\n"
		     "kernel = \"hello-mb2.elf\"         # a Multiboot2 kernel\n"
		     "cmdline = \"console=uart kernel=fake.elf\"\n"
		     "ramdisk = 'initrd.img'\n"
		     "module = [ \"motd.txt message of the day\",\n"
		     "           # a comment inside the list\n"
		     "\t\t'second.img  root=/dev/ram', bare.bin,\n"
		     "         ]\n"
		     "memory = 16\n",
		     full, 5);
	/* bare words, CRLF line ends, the list closed on its own line, a file named twice */
	expect_files("[domain]\r\nname=w\r\nkernel=spin.elf\r\nmodule=[\r\n\"spin.elf again\",\r\ndata.bin\r\n]\r\n", two, 2);
	expect_files("[domain]\nname = w\nkernel = \"spin.elf\" # kernel = \"other.elf\"\n", one, 1);
	/* problems: no [domain], a path, a global setting, a second section */
	expect_files("kernel = spin.elf\n", NULL, 0);
	expect_files("[domain]\nname = w\nkernel = \"../spin.elf\"\n", NULL, 0);
	expect_files("loglevel = info\n[domain]\nname = w\nkernel = spin.elf\n", NULL, 0);
	expect_files("[domain]\nname = w\nkernel = spin.elf\n[domain]\nname = v\nkernel = data.bin\n", NULL, 0);
	expect_files("", NULL, 0);
}

static void config_file_paths(void **state)
{
	(void)state;
	char path[32];

	assert_true(config_file_path(path, sizeof(path), "w1.cfg", "spin.elf"));
	assert_string_equal(path, "spin.elf");
	assert_true(config_file_path(path, sizeof(path), "cfg/w1.cfg", "spin.elf"));
	assert_string_equal(path, "cfg/spin.elf");
	assert_true(config_file_path(path, sizeof(path), "/etc/keel/w1.cfg", "spin.elf"));
	assert_string_equal(path, "/etc/keel/spin.elf");
	assert_true(config_file_path(path, sizeof(path), "/w1.cfg", "spin.elf"));
	assert_string_equal(path, "/spin.elf");
	assert_true(config_file_path(path, sizeof(path), "../x/w1.cfg", "a"));
	assert_string_equal(path, "../x/a");
	assert_false(config_file_path(path, sizeof(path), "/a/very/long/directory/name/w1.cfg", "spin.elf"));
	assert_false(config_file_path(path, 9, "x", "spin.elf1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_letters),
		cmocka_unit_test(list_lines),
		cmocka_unit_test(sched_lines),
		cmocka_unit_test(info_lines),
		cmocka_unit_test(keel_errors),
		cmocka_unit_test(top_lines),
		cmocka_unit_test(decimal_numbers),
		cmocka_unit_test(domain_arguments),
		cmocka_unit_test(config_file_names),
		cmocka_unit_test(config_file_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
