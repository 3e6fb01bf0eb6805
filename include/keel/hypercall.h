/* Keel's hypercall ABI, shared with guests. Version 3; docs/hypercalls.md explains it.
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

#define KEEL_HYPERCALL_ABI_VERSION 3

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

#define KEEL_CONSOLE_WRITE_MAX 4096

/* shutdown reasons; the domain's on_poweroff, on_reboot or on_crash policy decides what follows */
#define KEEL_SHUTDOWN_POWEROFF 0
#define KEEL_SHUTDOWN_REBOOT 1
#define KEEL_SHUTDOWN_CRASH 2
#define KEEL_EXIT_STATUS_MAX 0xffffffff /* exit statuses are 32-bit */

/* Error codes (returned negated in RAX), numbered like Linux errno. */
#define KEEL_EPERM 1   /* the caller may not make this hypercall (CPL > 0: every one) */
#define KEEL_EFAULT 14 /* a buffer lies outside the caller's memory */
#define KEEL_EINVAL 22 /* an argument is out of range */
#define KEEL_ENOSYS 38 /* no such hypercall */

#define KEEL_DOMAIN_NAME_MAX 32 /* bytes, the NUL included */

#ifndef __ASSEMBLER__
#include <stdint.h>

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

_Static_assert(sizeof(struct keel_domain_info) == 56, "struct keel_domain_info is part of the ABI");
_Static_assert(sizeof(struct keel_time) == 16, "struct keel_time is part of the ABI");
#endif

#endif
