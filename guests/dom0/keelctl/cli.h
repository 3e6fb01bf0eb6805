/* keelctl's command-line plumbing: wrong input and Keel's refusals reported in one line,
 * with exit status 2 (wrong input) or 1 (refused or failed), and the checks of argument
 * counts and options every command makes. */
#ifndef KEELCTL_CLI_H
#define KEELCTL_CLI_H

#include <getopt.h>
#include <stdint.h>

#define EXIT_WRONG_INPUT 2

/* "keelctl: <what>; usage: keelctl <command's usage>" on stderr; exits with status 2. */
void usage_fail(const char *command, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* "keelctl: <command>: <Keel's error>" for a negative result; exits with status 1. */
void keel_fail(const char *command, int64_t result) __attribute__((noreturn));

/* "keelctl: <command>: <what>: <strerror(errno)>"; exits with status 1. */
void system_fail(const char *command, const char *what) __attribute__((noreturn));

/* argv[1..argc) are min to max arguments; else says what is wrong (missing: what the first
 * one missing is) and exits with status 2. */
void cli_expect_args(const char *command, int argc, char **argv, int min, int max, const char *missing);

/* getopt_long over argv (argv[0] the command's name), stopping at the first argument that
 * is not an option: the next option, or -1 when none is left (optind then indexes the
 * rest). An unknown option or one without its argument exits with status 2. */
int cli_option(const char *command, int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Exits with status 2 unless no argument follows the options. */
void cli_expect_no_more(const char *command, int argc, char **argv);

#endif
