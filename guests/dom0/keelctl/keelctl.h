/* keelctl's commands: the table keelctl.c dispatches from, and each command's entry. */
#ifndef KEELCTL_H
#define KEELCTL_H

struct command {
	const char *name;
	const char *alias; /* NULL if none */
	const char *args;  /* what follows the name in its usage, "" for nothing */
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the command's name; returns the exit status */
};

/* The command called name (or by its alias), or NULL. */
const struct command *command_find(const char *name);

int cmd_help(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_sched_credit(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_files(int argc, char **argv);

#endif
