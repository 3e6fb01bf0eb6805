/* keel.cfg: the boot configuration, with the keys of Xen's xl.cfg where they fit. The
 * reference for users is docs/config.md; in short:
 *
 *   loglevel = "info"            # global settings first
 *   exit_port = 0xf4             # emulators only: where Keel writes its exit status
 *   shutdown_port = 0x8900       # emulators only: where Keel writes "Shutdown"
 *   timeslice_ms = 10            # how long a vCPU runs before another may
 *   watchdog = 0                 # seconds without progress before Keel stops, 0 = off
 *   serial_input = "hello"       # the domain whose COM1 gets what Keel's serial line receives first
 *   dom0 = "manager"             # the management domain: Keel runs as long as it lives
 *
 *   [domain]                     # each section describes one domain
 *   name = "hello"
 *   kernel = "hello.elf"         # a boot module (file) by name; its format is detected
 *   type = "auto"                # auto | elf64 | multiboot1 | multiboot2 | real16
 *   cmdline = "verbose"
 *   ramdisk = "initrd.img"       # passed as the first module
 *   module = [ "motd.txt greeting", "data.bin" ]   # file, then its own command line
 *   memory = 16                  # MiB
 *   vcpus = 1
 *   weight = 256                 # share of the CPU relative to other domains
 *   cap = 0                      # at most this percent of one CPU, 0 = no cap
 *   on_poweroff = "destroy"      # destroy | restart | preserve
 *   on_reboot = "restart"
 *   on_crash = "destroy"
 *   debug_exit = 0xf4            # the domain's debug-exit port, 0 = none
 *   console_ring = 16            # KiB of console history
 *   rights = [ "pause web", "sched web" ]   # what it may do to other domains (docs/policy.md)
 *
 * Strings take double or single quotes (bare words work too), numbers are decimal or 0x
 * hex, lists are [ "a", "b" ] and may span lines, '#' starts a comment. */
#ifndef KEEL_VMM_CONFIG_H
#define KEEL_VMM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/log.h"

#define CONFIG_MAX_DOMAINS 32
#define CONFIG_NAME_MAX 32         /* bytes with the NUL */
#define CONFIG_FILE_MAX 64         /* a boot module's file name, with the NUL */
#define CONFIG_CMDLINE_MAX 1024    /* the domain's command line, with the NUL */
#define CONFIG_MODULE_CMDLINE_MAX 192
#define CONFIG_MAX_MODULES 16      /* module entries per domain (the ramdisk not counted) */
#define CONFIG_MAX_RIGHTS 8        /* domains a domain may be given rights over */
#define CONFIG_MEMORY_MAX_MIB 1048576 /* 1 TiB: the machine and the CPU's address width decide */
#define CONFIG_WEIGHT_DEFAULT 256
#define CONFIG_WEIGHT_MAX 65535
#define CONFIG_CONSOLE_RING_DEFAULT_KIB 16
#define CONFIG_CONSOLE_RING_MAX_KIB 1024
#define CONFIG_CPU_LIMIT_MAX_MS 86400000 /* a day */
#define CONFIG_DEBUG_EXIT_DEFAULT 0xf4
#define CONFIG_TIMESLICE_DEFAULT_MS 10
#define CONFIG_TIMESLICE_MAX_MS 1000
#define CONFIG_WATCHDOG_MAX_S 60

enum kernel_type {
	KERNEL_AUTO,       /* detect: Multiboot 2 or 1, a bzImage, PVH, else ELF64 */
	KERNEL_ELF64,      /* an ELF64 executable entered in long mode (include/keel/start_info.h) */
	KERNEL_MULTIBOOT1, /* a Multiboot (0.6.96) kernel */
	KERNEL_MULTIBOOT2, /* a Multiboot2 kernel */
	KERNEL_REAL16,     /* a flat binary entered in real mode at 0000:7C00 */
	KERNEL_PVH,        /* an ELF kernel with a PVH entry note, entered in 32-bit mode (include/pvh.h) */
	KERNEL_LINUX,      /* a Linux bzImage, entered at its 64-bit entry (include/linux_boot.h) */
};

/* What a guest's access to guest-physical space that nothing backs does. */
enum unbacked_access {
	UNBACKED_ALL_ONES, /* reads all ones, writes go nowhere, as on a PC */
	UNBACKED_CRASH,    /* the domain crashes: a guest that should never touch such space */
};

/* What happens when a domain powers off, reboots or crashes. */
enum end_action {
	ACTION_DESTROY,  /* free it */
	ACTION_RESTART,  /* build it again from its images, in fresh memory */
	ACTION_PRESERVE, /* keep its memory and state for inspection; it does not run again */
};

struct module_config {
	char file[CONFIG_FILE_MAX];
	char cmdline[CONFIG_MODULE_CMDLINE_MAX];
};

/* Rights over one domain, named (docs/policy.md). */
struct right_config {
	char target[CONFIG_NAME_MAX];
	unsigned ops; /* 1 << enum policy_op (vmm/policy.h) for each right given */
	int line;     /* where the first was given */
};

struct domain_config {
	char name[CONFIG_NAME_MAX];
	char kernel[CONFIG_FILE_MAX];
	char ramdisk[CONFIG_FILE_MAX];    /* "" when none */
	char cmdline[CONFIG_CMDLINE_MAX];
	enum kernel_type type;
	uint64_t memory_mib;
	uint64_t mmio_hole_mib;           /* the 32-bit MMIO hole below 4 GiB (vmm/layout.h) */
	enum unbacked_access unbacked;
	unsigned vcpus;
	unsigned weight;
	unsigned cap;                     /* percent of one CPU, 0 = no cap */
	unsigned cpu_limit_ms;            /* CPU time a life of the domain may use, 0 = no limit */
	enum end_action on_poweroff, on_reboot, on_crash;
	uint16_t debug_exit;              /* 0: none */
	unsigned console_ring_kib;
	unsigned nmodules;
	struct module_config modules[CONFIG_MAX_MODULES];
	unsigned nrights;
	struct right_config rights[CONFIG_MAX_RIGHTS];
	int line;                         /* line of its [domain] header */
};

struct keel_config {
	enum log_level loglevel; /* default LOG_INFO */
	uint16_t exit_port;      /* 0: none */
	uint16_t shutdown_port;  /* 0: none */
	int exit_port_line, shutdown_port_line; /* where they were set, for later checks */
	unsigned timeslice_ms;   /* default CONFIG_TIMESLICE_DEFAULT_MS */
	unsigned watchdog_s;     /* 0: off (the default) */
	/* The domain whose COM1 receives what arrives on Keel's serial line ("": none). */
	char serial_input[CONFIG_NAME_MAX];
	int serial_input_line;
	/* The management domain ("": none): built first, as domain 0; it has the serial input
	 * unless serial_input names another; Keel runs as long as it lives (docs/dom0.md). */
	char dom0[CONFIG_NAME_MAX];
	int dom0_line;
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

/* Parses the configuration of one domain that dom0 creates (the domain_create hypercall):
 * one [domain] section, with the keys and rules of keel.cfg's; a global setting or a second
 * section is a problem. The domain names its rights give are not checked: they name domains
 * that run, which the caller checks. scratch holds the parse, its domains[0] the domain.
 * Returns the number of problems reported. */
int config_parse_domain(const char *text, size_t len, struct keel_config *scratch, config_report_fn report, void *ctx);

/* What a port is, if writing it may reset or power off a PC whatever its firmware says
 * (the ACPI-described ones are known only at run time), else NULL. */
const char *config_reset_port(uint16_t port);

const char *config_kernel_type_name(enum kernel_type type);
const char *config_action_name(enum end_action action);

#endif
