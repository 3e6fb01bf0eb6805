/* Keel's hypercall ABI, shared with guests. Version 4; docs/hypercalls.md explains it.
 *
 * A guest issues VMMCALL (AMD) or VMCALL (Intel) with
 *   RAX = hypercall number, RDI, RSI, RDX, R10, R8 = arguments.
 * On return RAX holds the result: >= 0 on success, a negative KEEL_E* code on failure.
 * Other registers are preserved. Pointers are guest-physical addresses, and a buffer must
 * lie wholly inside the caller's RAM. Outside 64-bit mode only the low 32 bits of each
 * register count. The instruction is 3 bytes long; Keel advances RIP past it.
 *
 * Only #define lines with plain numbers are read by the real-mode test guests' build
 * (it turns them into nasm constants), so keep constants in that form. */
#ifndef KEEL_HYPERCALL_H
#define KEEL_HYPERCALL_H

#define KEEL_HYPERCALL_ABI_VERSION 4

/* CPUID leaves Keel answers (bit 31 of CPUID.1:ECX says a hypervisor is present). */
#define KEEL_CPUID_SIGNATURE_LEAF 0x40000000 /* EAX = highest Keel leaf, EBX/ECX/EDX = "KeelKeelKeel" */
#define KEEL_CPUID_VERSION_LEAF 0x40000001   /* EAX = Keel version (major << 16 | minor), EBX = ABI version */
#define KEEL_CPUID_SIGNATURE 0x6c65654b      /* "Keel" read as a little-endian dword */

/* Hypercall numbers. */
#define KEEL_HC_CONSOLE_WRITE 1 /* (buffer, length <= KEEL_CONSOLE_WRITE_MAX) -> length */
#define KEEL_HC_YIELD 2         /* () -> 0: let the other domains run first */
#define KEEL_HC_BLOCK 3         /* (deadline_ns, 0 = none) -> 0 when woken, by it or an event */
#define KEEL_HC_SHUTDOWN 4      /* (reason, exit status) -> does not return; -EINVAL */
#define KEEL_HC_DOMAIN_INFO 5   /* (buffer, size >= sizeof(struct keel_domain_info)) -> bytes written */
#define KEEL_HC_TIME 6          /* (buffer, size >= sizeof(struct keel_time)) -> bytes written */
#define KEEL_HC_SET_TIMER 7     /* (deadline_ns, 0 = cancel) -> 0: the caller's one-shot timer event */
#define KEEL_HC_VCPU_EXITS 8    /* () -> the exits the calling vCPU has taken, this call's own included */
/* Domain control (version 4): dom0's, and a domain's the configuration grants rights to
 * (docs/policy.md); any other caller gets -EPERM. A domain is named by its id. */
#define KEEL_HC_DOMAIN_LIST 9     /* (buffer, size, first id) -> entries written: struct keel_domain_status */
#define KEEL_HC_DOMAIN_PAUSE 10   /* (id) -> 0: its vCPU runs no more until unpaused */
#define KEEL_HC_DOMAIN_UNPAUSE 11 /* (id) -> 0 */
#define KEEL_HC_DOMAIN_DESTROY 12 /* (id) -> 0: it ends at once and is destroyed, whatever its policies */
#define KEEL_HC_DOMAIN_SCHED 13   /* (id, weight 1..65535, cap 0..100 percent) -> 0 */
#define KEEL_HC_HOST_INFO 14      /* (buffer, size >= sizeof(struct keel_host_info)) -> bytes written */
#define KEEL_HC_DOMAIN_SHUTDOWN 15 /* (id, KEEL_SHUTDOWN_POWEROFF: its ACPI power button | _REBOOT: a reset) -> 0 */
#define KEEL_HC_CONSOLE_READ 16   /* (id, buffer, size, &position) -> bytes copied from its console's history */
#define KEEL_HC_CONSOLE_INPUT 17  /* (id, buffer, length <= KEEL_CONSOLE_WRITE_MAX) -> bytes its COM1 took */
#define KEEL_HC_KEEL_LOG 18       /* (buffer, size, &position) -> bytes copied from Keel's log */
#define KEEL_HC_DOMAIN_CREATE 19  /* (struct keel_domain_create *, size) -> the new domain's id */
/* The caller's own boot modules (its ramdisk, then its modules), which a kernel that takes
 * only a ramdisk (Linux) cannot otherwise see: how dom0 gets the files it creates from. */
#define KEEL_HC_MODULE_INFO 20    /* (index, buffer, size >= sizeof(struct keel_module_info)) -> bytes written */
#define KEEL_HC_MODULE_READ 21    /* (index, buffer, size, offset) -> bytes copied, 0 at its end */

#define KEEL_CONSOLE_WRITE_MAX 4096

/* shutdown reasons; the domain's on_poweroff, on_reboot or on_crash policy decides what follows */
#define KEEL_SHUTDOWN_POWEROFF 0
#define KEEL_SHUTDOWN_REBOOT 1
#define KEEL_SHUTDOWN_CRASH 2
#define KEEL_EXIT_STATUS_MAX 0xffffffff /* exit statuses are 32-bit */

/* Error codes (returned negated in RAX), numbered like Linux errno. */
#define KEEL_EPERM 1   /* the caller may not make this hypercall: CPL > 0, or the access policy denies it */
#define KEEL_ENOENT 2  /* the caller has no boot module of this index */
#define KEEL_ESRCH 3   /* no domain has this id (to a caller the policy lets act on any domain) */
#define KEEL_EFAULT 14 /* a buffer lies outside the caller's memory */
#define KEEL_ENOMEM 12 /* Keel has no memory for what the call needs (domain_create's copies) */
#define KEEL_EBUSY 16  /* the domain is not in a state the operation applies to (it has ended) */
#define KEEL_EINVAL 22 /* an argument is out of range */
#define KEEL_ENOSYS 38 /* no such hypercall */

#define KEEL_DOMAIN_NAME_MAX 32 /* bytes, the NUL included */
#define KEEL_WEIGHT_MAX 65535
#define KEEL_CAP_MAX 100        /* percent of one CPU; 0 = no cap */

/* keel_domain_status.state */
#define KEEL_DOMAIN_RUNNING 0    /* its vCPU runs, waits for the CPU, or waits for an event */
#define KEEL_DOMAIN_ENDING 1     /* it has ended: Keel sends its last lines and applies its policy */
#define KEEL_DOMAIN_RESTARTING 2 /* being built again (on_* = restart) */
#define KEEL_DOMAIN_PRESERVED 3  /* ended and kept for inspection (on_* = preserve) */
/* keel_domain_status.flags */
#define KEEL_DOMAIN_F_DOM0 1       /* the management domain */
#define KEEL_DOMAIN_F_PAUSED 2     /* paused by domain_pause */
#define KEEL_DOMAIN_F_BLOCKED 4    /* its vCPU waits for an event (HLT, block) */
#define KEEL_DOMAIN_F_HAS_STATUS 8 /* it has ended with an exit status (end_status) */
/* keel_domain_status.end_reason: how its last life ended (state ENDING, RESTARTING, PRESERVED) */
#define KEEL_END_POWEROFF 0
#define KEEL_END_REBOOT 1
#define KEEL_END_CRASH 2
#define KEEL_END_STOPPED 3   /* Keel stopped it: dom0 had ended */
#define KEEL_END_DESTROYED 4 /* domain_destroy */
/* keel_domain_status.exits[]: a vCPU's exits by reason */
#define KEEL_EXIT_CPUID 0
#define KEEL_EXIT_HLT 1
#define KEEL_EXIT_IO 2          /* port I/O */
#define KEEL_EXIT_HYPERCALL 3
#define KEEL_EXIT_MSR 4
#define KEEL_EXIT_INSTRUCTION 5 /* another instruction Keel answers (CR access, XSETBV, ...) */
#define KEEL_EXIT_NPF 6         /* nested-paging fault: MMIO, or memory where nothing is */
#define KEEL_EXIT_SHUTDOWN 7    /* triple fault */
#define KEEL_EXIT_ENTRY_FAILED 8
#define KEEL_EXIT_INTERRUPT 9   /* a host interrupt, or the end of its time slice */
#define KEEL_EXIT_INTERRUPT_WINDOW 10
#define KEEL_EXIT_UNKNOWN 11
#define KEEL_EXIT_REASONS 16    /* the array's size; reasons not listed stay 0 */

/* domain_create */
#define KEEL_CREATE_FILES_MAX 18        /* a kernel, a ramdisk and 16 modules */
#define KEEL_CREATE_FILE_NAME_MAX 64    /* bytes, the NUL included */
#define KEEL_CREATE_FILE_MAX 0x40000000 /* bytes of one file: 1 GiB */
#define KEEL_CREATE_EXTENTS_MAX 262144  /* pieces of one file: 1 GiB of 4 KiB pages */
#define KEEL_CREATE_CONFIG_MAX 65536    /* bytes of configuration text */
#define KEEL_CREATE_WHY_MAX 256

/* keel_host_info.features */
#define KEEL_HOST_F_SVM 1       /* AMD SVM with nested paging (NPT) */
#define KEEL_HOST_F_VMX 2       /* Intel VT-x with EPT */
#define KEEL_HOST_F_PAGES_1G 4  /* nested paging maps guest memory with 1 GiB pages */
#define KEEL_HOST_F_XSAVE 8     /* guests' extended state switched with XSAVE */

#ifndef __ASSEMBLER__
#ifdef __KERNEL__
#include <linux/types.h> /* dom0's Linux driver (guests/dom0/driver/) */
#else
#include <stdint.h>
#endif

/* What domain_info writes. */
struct keel_domain_info {
	uint32_t id;           /* the domain's number: "dom<id>" */
	uint32_t vcpus;
	uint64_t memory_bytes; /* the domain's memory; the boot memory map says where its RAM lies */
	uint32_t abi_version;  /* KEEL_HYPERCALL_ABI_VERSION */
	uint32_t restarts;     /* how often Keel has restarted this domain (on_* = restart) */
	char name[KEEL_DOMAIN_NAME_MAX]; /* NUL-terminated */
};

/* What time writes. */
struct keel_time {
	uint64_t now_ns; /* nanoseconds since Keel started; the block deadline uses this clock */
	uint64_t tsc_hz; /* the TSC's frequency as Keel measured it */
};

/* What domain_list writes per domain. */
struct keel_domain_status {
	uint32_t id;
	uint32_t state;        /* KEEL_DOMAIN_RUNNING .. KEEL_DOMAIN_PRESERVED */
	char name[KEEL_DOMAIN_NAME_MAX]; /* NUL-terminated */
	uint64_t memory_bytes; /* its RAM */
	uint32_t vcpus;
	uint32_t flags;        /* KEEL_DOMAIN_F_* */
	uint32_t weight;
	uint32_t cap;          /* percent of one CPU, 0: none */
	uint64_t cpu_ns;       /* CPU time it used, Keel's work for it included, over its restarts */
	uint32_t restarts;
	uint32_t end_reason;   /* KEEL_END_*, for a domain that has ended */
	uint32_t end_status;   /* its exit status, if KEEL_DOMAIN_F_HAS_STATUS */
	uint32_t denied;       /* hypercalls the access policy has denied it, this life */
	uint64_t exits[KEEL_EXIT_REASONS]; /* its vCPU's exits by KEEL_EXIT_* reason, over its restarts */
};

/* A piece of a file: len bytes at gpa in the caller's RAM. */
struct keel_extent {
	uint64_t gpa;
	uint64_t len;
};

/* A file domain_create may take: an image in the caller's RAM, in pieces that need not be
 * contiguous (a kernel's pages, as the privileged driver of dom0 holds them), named as its
 * configuration names it (kernel, ramdisk, module). */
struct keel_create_file {
	uint64_t extents_gpa; /* an array of struct keel_extent in the caller's RAM */
	uint64_t nextents;    /* 1 .. KEEL_CREATE_EXTENTS_MAX */
	uint64_t size;        /* the file's bytes: its extents' lengths summed, 1 .. KEEL_CREATE_FILE_MAX */
	char name[KEEL_CREATE_FILE_NAME_MAX]; /* NUL-terminated */
};

/* What domain_create reads: a configuration of one [domain] section, with keel.cfg's keys
 * (docs/config.md), and the files it names. */
struct keel_domain_create {
	uint64_t config_gpa;
	uint64_t config_size; /* 1 .. KEEL_CREATE_CONFIG_MAX */
	uint32_t nfiles;      /* 0 .. KEEL_CREATE_FILES_MAX */
	uint32_t reserved;    /* 0 */
	struct keel_create_file files[KEEL_CREATE_FILES_MAX];
	char why[KEEL_CREATE_WHY_MAX]; /* Keel writes here, NUL-terminated, why a create failed */
};

/* What module_info writes. */
struct keel_module_info {
	uint64_t size;
	uint32_t index;
	uint32_t ramdisk;  /* 1: the domain's ramdisk (keel.cfg's ramdisk), 0: one of its modules */
	char name[KEEL_CREATE_FILE_NAME_MAX]; /* its file name, NUL-terminated */
	char cmdline[192];                     /* its command line, NUL-terminated */
};

/* What host_info writes. */
struct keel_host_info {
	char cpu_vendor[16];    /* CPUID's vendor string, NUL-terminated */
	char cpu_model[48];     /* CPUID's brand string, NUL-terminated; "" if the CPU has none */
	uint32_t family, model, stepping;
	uint32_t features;      /* KEEL_HOST_F_* */
	uint64_t memory_bytes;  /* the memory Keel manages for domains and itself */
	uint64_t free_bytes;    /* of it, free now */
	uint64_t tsc_hz;
	uint32_t cpus;          /* physical CPUs Keel runs guests on */
	uint32_t domains;       /* domains that exist now (not destroyed) */
	uint32_t keel_version;  /* major << 16 | minor, as CPUID 0x40000001 EAX */
	uint32_t abi_version;   /* KEEL_HYPERCALL_ABI_VERSION */
};

_Static_assert(sizeof(struct keel_module_info) == 272, "struct keel_module_info is part of the ABI");
_Static_assert(sizeof(struct keel_domain_create) == 1864, "struct keel_domain_create is part of the ABI");
_Static_assert(sizeof(struct keel_domain_status) == 216, "struct keel_domain_status is part of the ABI");
_Static_assert(sizeof(struct keel_host_info) == 120, "struct keel_host_info is part of the ABI");
_Static_assert(sizeof(struct keel_domain_info) == 56, "struct keel_domain_info is part of the ABI");
_Static_assert(sizeof(struct keel_time) == 16, "struct keel_time is part of the ABI");
#endif

#endif
