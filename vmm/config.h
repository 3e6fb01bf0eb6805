/* keel.cfg: the boot configuration, in the spirit of Xen's xl.cfg. See docs/config.md.
 *
 *   # global settings first
 *   loglevel = "info"          # error | warn | info | debug
 *   exit_port = 0xf4           # optional: I/O port of a debug-exit device (QEMU's
 *                              # isa-debug-exit); Keel writes its exit status there at the end
 *   shutdown_port = 0x8900     # optional: Bochs' shutdown port; Keel writes "Shutdown" there
 *                              # at the end
 *   [domain]                   # each section describes one guest domain
 *   name = "hello64"           # required: 1-31 chars of [a-z0-9_-], unique
 *   kernel = "hello64.elf"     # required: the boot module (guest image) by file name
 *   mode = "long64"            # long64 (ELF64 image) | real16 (flat binary at 0000:7C00)
 *   memory = 4                 # MiB of guest RAM, 1..4096 (default 4)
 *   vcpus = 1                  # only 1 for now
 *   on_crash = "destroy"       # destroy | preserve
 *
 * Strings may be quoted with double quotes or bare words; numbers are decimal or 0x hex.
 * '#' starts a comment. */
#ifndef KEEL_VMM_CONFIG_H
#define KEEL_VMM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/log.h"

#define CONFIG_MAX_DOMAINS 16
#define CONFIG_NAME_MAX 32
#define CONFIG_KERNEL_MAX 64
#define CONFIG_MEMORY_MAX_MIB 4096

enum guest_mode { GUEST_MODE_LONG64 = 1, GUEST_MODE_REAL16 = 2 };
enum crash_action { ON_CRASH_DESTROY = 1, ON_CRASH_PRESERVE = 2 };

struct domain_config {
	char name[CONFIG_NAME_MAX];
	char kernel[CONFIG_KERNEL_MAX];
	enum guest_mode mode;
	uint64_t memory_mib;
	unsigned vcpus;
	enum crash_action on_crash;
	int line; /* line of its [domain] header */
};

struct keel_config {
	enum log_level loglevel; /* default LOG_INFO */
	uint16_t exit_port;     /* 0: none */
	uint16_t shutdown_port; /* 0: none */
	unsigned ndomains;
	struct domain_config domains[CONFIG_MAX_DOMAINS];
};

/* Called once per problem found; line is 1-based, msg has no trailing newline. */
typedef void (*config_report_fn)(void *ctx, int line, const char *msg);

/* Parses the text (len bytes, need not be NUL-terminated; NUL bytes are an error).
 * Every problem is reported with its line; a domain section with any error is dropped
 * while valid ones are kept, and a bad global setting keeps its default.
 * Returns the number of problems reported (0 when the file is clean). */
int config_parse(const char *text, size_t len, struct keel_config *out, config_report_fn report, void *ctx);

#endif
