/* keelctl's command-line plumbing (cli.h). */
#include "guests/dom0/keelctl/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guests/dom0/keelctl/format.h"
#include "guests/dom0/keelctl/keelctl.h"

void usage_fail(const char *command, const char *fmt, ...)
{
	const struct command *c = command_find(command);
	va_list ap;

	fputs("keelctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; usage: keelctl %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
	exit(EXIT_WRONG_INPUT);
}

void keel_fail(const char *command, int64_t result)
{
	char text[FORMAT_LINE_MAX];

	format_keel_error(text, sizeof(text), result);
	fprintf(stderr, "keelctl: %s: %s\n", command, text);
	exit(1);
}

void system_fail(const char *command, const char *what)
{
	fprintf(stderr, "keelctl: %s: %s: %s\n", command, what, strerror(errno));
	exit(1);
}

void cli_expect_args(const char *command, int argc, char **argv, int min, int max, const char *missing)
{
	if (argc - 1 < min)
		usage_fail(command, "%s", missing);
	if (argc - 1 > max)
		usage_fail(command, "unexpected argument '%s'", argv[max + 1]);
}

int cli_option(const char *command, int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	char optstring[32];
	int opt;

	snprintf(optstring, sizeof(optstring), "+:%s", shortopts);
	opterr = 0;
	opt = getopt_long(argc, argv, optstring, longopts, NULL);
	if (opt == ':')
		usage_fail(command, "option '%s' needs an argument", argv[optind - 1]);
	if (opt == '?') {
		if (optopt)
			usage_fail(command, "unknown option '-%c'", optopt);
		usage_fail(command, "unknown option '%s'", argv[optind - 1]);
	}
	return opt;
}

void cli_expect_no_more(const char *command, int argc, char **argv)
{
	if (optind < argc)
		usage_fail(command, "unexpected argument '%s'", argv[optind]);
}
