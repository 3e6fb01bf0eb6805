/* keelctl: the toolstack of a Linux dom0, in the manner of Xen's xl: main, the command
 * table and the help. */
#include "guests/dom0/keelctl/keelctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guests/dom0/keelctl/cli.h"

static const struct command commands[] = {
	{ "list", "li", "[<dom>]", "list the domains (alias: li)", cmd_list },
	{ "create", NULL, "<config>", "create a domain from a configuration file", cmd_create },
	{ "destroy", NULL, "<dom>", "end a domain at once", cmd_destroy },
	{ "shutdown", NULL, "<dom>", "press a domain's power button", cmd_shutdown },
	{ "reboot", NULL, "<dom>", "reset a domain", cmd_reboot },
	{ "pause", NULL, "<dom>", "pause a domain", cmd_pause },
	{ "unpause", NULL, "<dom>", "unpause a paused domain", cmd_unpause },
	{ "sched-credit", NULL, "[-d <dom>] [-w <weight>] [-c <cap>]",
	  "show or set domains' weight (1-65535) and cap (0-100, 0: none)", cmd_sched_credit },
	{ "console", NULL, "<dom>", "attach to a domain's console (Ctrl-] leaves)", cmd_console },
	{ "top", NULL, "[-d <seconds>] [-i <iterations>]", "monitor the domains (a key ends it)", cmd_top },
	{ "dmesg", NULL, "", "show Keel's log", cmd_dmesg },
	{ "info", NULL, "", "show information about the host and Keel", cmd_info },
	{ "files", NULL, "<dir>", "copy the files Keel handed dom0 (its boot modules) into a directory", cmd_files },
	{ "help", NULL, "", "show this list", cmd_help },
};

const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];
		if (strcmp(c->name, name) == 0 || (c->alias && strcmp(c->alias, name) == 0))
			return c;
	}
	return NULL;
}

static void print_help(FILE *f)
{
	fprintf(f, "Usage: keelctl <command> [<arguments>]; <dom> is a domain's id or name\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char usage[80];

		snprintf(usage, sizeof(usage), "%s%s%s", commands[i].name, commands[i].args[0] ? " " : "",
			 commands[i].args);
		fprintf(f, "  %-50s %s\n", usage, commands[i].summary);
	}
}

int cmd_help(int argc, char **argv)
{
	cli_expect_args("help", argc, argv, 0, 0, NULL);
	print_help(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *c;
	int status;

	if (argc < 2) {
		print_help(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cmd_help(argc - 1, argv + 1);
	if (!(c = command_find(argv[1]))) {
		fprintf(stderr, "keelctl: unknown command '%s'; keelctl help lists the commands\n", argv[1]);
		return 2;
	}
	status = c->run(argc - 1, argv + 1);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "keelctl: %s: cannot write its output: %s\n", c->name, strerror(errno));
		return 1;
	}
	return status;
}
