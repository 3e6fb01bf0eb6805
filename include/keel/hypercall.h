/* Keel's hypercall ABI, shared with guests. Version 1.
 *
 * A guest issues VMMCALL (AMD) or VMCALL (Intel) with
 *   RAX = hypercall number, RDI, RSI, RDX, R10, R8 = arguments.
 * On return RAX holds the result: >= 0 on success, a negative KEEL_E* code on failure.
 * Other registers are preserved. Pointers are guest-physical addresses.
 * The instruction is 3 bytes long; Keel advances RIP past it. See docs/hypercalls.md. */
#ifndef KEEL_HYPERCALL_H
#define KEEL_HYPERCALL_H

#define KEEL_HYPERCALL_ABI_VERSION 1

/* CPUID leaves Keel answers (bit 31 of CPUID.1:ECX says a hypervisor is present). */
#define KEEL_CPUID_SIGNATURE_LEAF 0x40000000 /* EAX = highest Keel leaf, EBX/ECX/EDX = "KeelKeelKeel" */
#define KEEL_CPUID_VERSION_LEAF   0x40000001 /* EAX = Keel version (major << 16 | minor), EBX = hypercall ABI version */
#define KEEL_CPUID_SIGNATURE_EBX  0x6c65654b /* "Keel" */
#define KEEL_CPUID_SIGNATURE_ECX  0x6c65654b
#define KEEL_CPUID_SIGNATURE_EDX  0x6c65654b

/* Hypercall numbers. */
#define KEEL_HC_CONSOLE_WRITE 1 /* RDI = buffer GPA, RSI = length (at most KEEL_CONSOLE_WRITE_MAX);
                                   returns the number of bytes written */

#define KEEL_CONSOLE_WRITE_MAX 4096

/* Error codes (returned negated in RAX), numbered like Linux errno. */
#define KEEL_EFAULT 14 /* a buffer lies outside the caller's memory */
#define KEEL_EINVAL 22 /* an argument is out of range */
#define KEEL_ENOSYS 38 /* no such hypercall */
#define KEEL_EPERM   1 /* the caller may not make this hypercall */

#endif
