/* The runtime of Keel's C test guests (guests/test/README.md): boot stubs for Keel's
 * elf64 protocol (include/keel/start_info.h), Multiboot 1, Multiboot2 and PVH, which all end
 * in 64-bit mode with the low 4 GiB identity-mapped, so a pointer is a guest-physical
 * address; the boot information in one normalized form; a polled 16550 UART, the debug
 * port and Keel's hypercalls. Each guest defines guest_main(). */
#ifndef KEEL_GUEST_H
#define KEEL_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpu.h" /* the instruction wrappers: port I/O, CPUID, MSRs, CRs, TSC */
#include "include/keel/hypercall.h"

/* ---- What the boot stubs record at entry (layout shared with entry.inc) ---- */

enum guest_protocol {
	GUEST_PROTO_ELF64 = 1,
	GUEST_PROTO_MULTIBOOT1 = 2,
	GUEST_PROTO_MULTIBOOT2 = 3,
	GUEST_PROTO_PVH = 4,
};

/* Segment registers, in the order of sel[], lar[], lsl[] and the masks. */
enum guest_seg { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SEG_COUNT };

/* guest_entry_state.flags */
#define GUEST_ENTRY_SEGMENTS_PROBED (1u << 0) /* lar/lsl/base_match are valid (Multiboot) */
#define GUEST_ENTRY_HAS_ENTRY_TAG (1u << 1)   /* the image has a Multiboot2 entry address tag */
#define GUEST_ENTRY_VIA_ENTRY_TAG (1u << 2)   /* ... and was entered there, not at e_entry */

/* Registers as the loader left them. The 32-bit stubs (Multiboot, PVH) record 32-bit
 * values, zero-extended; rdi is only meaningful for elf64, rax only for Multiboot, rbx for
 * Multiboot and PVH. */
struct guest_entry_state {
	uint64_t rax, rbx, rdi, rsp;
	uint64_t cr0, cr4, rflags;
	uint32_t protocol; /* enum guest_protocol */
	uint32_t flags;    /* GUEST_ENTRY_* */
	uint16_t sel[SEG_COUNT];
	uint16_t reserved[2];
	uint32_t lar[SEG_COUNT];  /* LAR: access rights, descriptor bits 23:8 of the high dword */
	uint32_t lsl[SEG_COUNT];  /* LSL: the byte-granular limit */
	uint8_t lar_valid;        /* bit per segment: LAR set ZF (SDM Vol. 2A "LAR") */
	uint8_t lsl_valid;        /* bit per segment: LSL set ZF */
	uint8_t base_match;       /* bit per segment: a known dword read through it matched */
	uint8_t reserved2[5];
};

extern struct guest_entry_state guest_entry_state;

/* Linker symbols (guests/lib/guest.ld): the image's range in memory. */
extern char guest_image_start[], guest_image_end[];

/* Descriptor bits as LAR returns them (SDM Vol. 3A §3.4.5, "Segment Descriptors"). */
#define LAR_TYPE(ar) (((ar) >> 8) & 0xf)
#define LAR_S (1u << 12)  /* code or data, not system */
#define LAR_P (1u << 15)  /* present */
#define LAR_L (1u << 21)  /* 64-bit code */
#define LAR_DB (1u << 22) /* 32-bit default operand size (code) / big (data) */
#define LAR_G (1u << 23)  /* limit in 4 KiB units */
#define SEG_TYPE_CODE 0x8 /* type bit 3: code */
#define SEG_TYPE_RW 0x2   /* type bit 1: readable (code) / writable (data) */
#define SEG_TYPE_CE 0x4   /* type bit 2: conforming (code) / expand-down (data) */

/* ---- The normalized boot information ---- */

#define GUEST_MAX_MODULES 16
#define GUEST_MAX_MEMORY 16
#define GUEST_MAX_PROBLEMS 8
#define GUEST_PROBLEM_LEN 128
#define GUEST_STRING_MAX 4096 /* longest string the parsers accept, NUL excluded */

struct guest_module {
	uint64_t start, size;
	const char *cmdline; /* never NULL */
};

struct guest_memory_range {
	uint64_t base, length;
	uint32_t type; /* e820 numbering: 1 RAM, 2 reserved, as KEEL_MEMORY_* and Multiboot */
};

struct guest_boot {
	enum guest_protocol kind;
	const char *protocol; /* "elf64", "multiboot1", "multiboot2", "pvh" */
	const struct guest_entry_state *entry;
	uint64_t info_gpa;    /* RDI (elf64) or EBX (Multiboot, PVH) */
	bool info_readable;   /* it lies in low memory, where the parsers read it */
	uint32_t start_magic, start_version; /* elf64, PVH: from their start info */
	const char *cmdline;  /* never NULL: "" when absent or unreadable */
	bool has_cmdline;     /* the loader provided one */
	unsigned module_count;
	struct guest_module modules[GUEST_MAX_MODULES];
	unsigned memory_count;
	struct guest_memory_range memory[GUEST_MAX_MEMORY];
	const char *boot_loader_name; /* NULL when not provided (always for elf64) */
	uint64_t rsdp_gpa;            /* the ACPI RSDP given: elf64's and PVH's start info, or
	                                 Multiboot2's copy in its ACPI tag; 0 when not given */
	bool has_meminfo;             /* Multiboot only */
	uint32_t mem_lower, mem_upper; /* KiB */
	/* Structural problems found while parsing; problem_count may exceed what is kept. */
	unsigned problem_count;
	char problems[GUEST_MAX_PROBLEMS][GUEST_PROBLEM_LEN];
};

/* True if [gpa, gpa + len) lies inside one RAM range of the boot memory map. */
bool guest_ram_contains(const struct guest_boot *boot, uint64_t gpa, uint64_t len);

/* Each guest defines it; the result is written to the debug-exit port. */
int guest_main(const struct guest_boot *boot);

/* ---- Output ---- */

#define UART_BASE 0x3f8
#define UART_THR 0 /* DLL while LCR.DLAB */
#define UART_IER 1 /* DLM while LCR.DLAB */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_MCR_DTR_RTS 0x03
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define DEBUG_PORT 0xe9
#define DEBUG_EXIT_PORT 0xf4 /* a domain's debug-exit device by default */

void uart_init(void);
void uart_putc(char c);
void uart_write(const char *s, size_t len);
/* Formats with lib/printf.h and writes to the UART; lines longer than 1023 bytes are cut. */
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest_vprintf(const char *fmt, va_list ap);
/* The whole string in one console_write hypercall (at most KEEL_CONSOLE_WRITE_MAX bytes). */
long guest_console_puts(const char *s);
/* The string to port 0xE9, one OUT per byte. */
void guest_debug_puts(const char *s);

/* ---- Hypercalls (include/keel/hypercall.h) ---- */

/* Picks VMCALL or VMMCALL from CPUID leaf 0; the runtime calls it before guest_main. */
void guest_hypercall_init(void);
bool guest_cpu_is_intel(void);
long guest_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);
long hc_console_write(const void *buf, uint64_t len);
long hc_yield(void);
long hc_block(uint64_t deadline_ns);
long hc_shutdown(uint64_t reason, uint64_t status); /* returns only on error */
long hc_domain_info(struct keel_domain_info *info);
long hc_time(struct keel_time *t);
long hc_set_timer(uint64_t deadline_ns);
long hc_vcpu_exits(void);
/* Domain control: dom0's, or a domain's with rights (docs/policy.md). */
long hc_domain_list(struct keel_domain_status *out, unsigned count, uint64_t first_id);
long hc_domain_pause(uint64_t id);
long hc_domain_unpause(uint64_t id);
long hc_domain_destroy(uint64_t id);
long hc_domain_sched(uint64_t id, uint64_t weight, uint64_t cap);
long hc_host_info(struct keel_host_info *info);
long hc_domain_shutdown(uint64_t id, uint64_t reason);
long hc_console_read(uint64_t id, void *buf, uint64_t size, uint64_t *position);
long hc_console_input(uint64_t id, const void *buf, uint64_t len);
long hc_keel_log(void *buf, uint64_t size, uint64_t *position);
/* Keel's clock, in nanoseconds since it started (the time hypercall). */
uint64_t guest_now_ns(void);

/* ---- Ending ---- */

/* A 4-byte OUT of status to the debug-exit port, then cli; hlt for good. */
_Noreturn void guest_exit(uint32_t status);
_Noreturn void guest_halt(void);

/* ---- Exceptions (traps.c) ---- */

/* What guests/lib/traps.asm hands guest_trap(): the vector, the error code (0 where the
 * CPU pushes none), then the CPU's own frame. */
struct guest_trap_frame {
	uint64_t vector, error_code, rip, cs, rflags, rsp, ss;
};

/* Loads an IDT catching exceptions 0-31 and interrupts 32-255. */
void guest_traps_init(void);
/* The next exception is expected: it is recorded and the faulting instruction, skip bytes
 * long, is stepped over. Any other exception ends the guest with a message (status 255). */
void guest_expect_trap(unsigned skip);
/* The vector of the expected exception, -1 if none came (then the expectation ends). */
int guest_trap_vector(uint32_t *error_code);
/* From now on exceptions or interrupts of this vector (0-255) at CPL 0 go to fn (NULL: as
 * any other again), which may change the frame; IRETQ resumes at f->rip. */
void guest_trap_handler(unsigned vector, void (*fn)(struct guest_trap_frame *f));
void guest_trap(struct guest_trap_frame *f);
/* Waits with interrupts on (STI; HLT), interrupts off again after, until the handlers have
 * counted *count up to n or timeout_ns of Keel's clock have passed (its timer event, set
 * for that, ends the HLT): whether n were counted. */
bool guest_wait_interrupts(const volatile unsigned *count, unsigned n, uint64_t timeout_ns);

/* ---- The virtual PC (ioapic.c) ---- */

#define LAPIC_EOI_REGISTER 0xfee000b0ull /* the local APIC's EOI, in its xAPIC page */

/* Routes I/O APIC pin to vector: edge-triggered, active high, fixed, to APIC ID 0; or
 * masks it. */
void guest_ioapic_route(unsigned pin, uint8_t vector, bool masked);

/* ---- User mode (user.c) ---- */

/* What guest_user_run returns when the function returned rather than raised an exception,
 * and guest_user_jump when the code used up its steps. */
#define GUEST_USER_RETURNED (-1L)
#define GUEST_USER_STEPPED (-2L)
/* Loads a GDT with CPL 3 segments and a TSS, opens the pages of [start, end) (2 MiB
 * aligned) to CPL 3 and closes the others, and loads the IDT again for the new code
 * segment. Once, after guest_traps_init. */
void guest_user_init(uint64_t start, uint64_t end);
/* Runs fn at CPL 3 until it returns (GUEST_USER_RETURNED; what it returned in *result)
 * or raises an exception (its vector). fn, and what it touches, must be open to CPL 3. */
long guest_user_run(long (*fn)(void), long *result);
/* Runs the code at rip at CPL 3 with interrupts on, on the stack rsp, single-stepping it
 * for at most steps instructions (0: not stepped): its first other exception's vector, or
 * GUEST_USER_STEPPED. */
long guest_user_jump(uint64_t rip, uint64_t rsp, unsigned steps);
_Noreturn void guest_user_leave(long value);
/* traps.c: an exception at CPL 3; returns only to resume the user code. */
void guest_user_trap(const struct guest_trap_frame *f);

/* ---- Memory above 4 GiB (high.c) ---- */

/* Maps the GiB of guest-physical memory that holds gpa (from 4 GiB up to 512 GiB) at the
 * same linear address, replacing what the last call mapped, and returns gpa as a pointer;
 * NULL below 4 GiB or beyond. */
void *guest_map_high(uint64_t gpa);

/* ---- Small helpers ---- */

/* IEEE 802.3 CRC-32 as zlib computes it (reflected, polynomial 0xEDB88320). */
uint32_t crc32(const void *data, size_t len);

/* Marsaglia's xorshift64 (shifts 13, 7, 17); a zero seed is replaced by 1. */
struct xorshift64 {
	uint64_t state;
};
void xorshift64_seed(struct xorshift64 *r, uint64_t seed);
uint64_t xorshift64_next(struct xorshift64 *r);

/* The command line is space-separated tokens; key=value tokens name values.
 * cmdline_value copies the value of the first `key=` token (cut to size - 1 bytes) and
 * returns its full length, or -1 if there is none. cmdline_word copies token `index`. */
long cmdline_value(const char *cmdline, const char *key, char *buf, size_t size);
long cmdline_word(const char *cmdline, unsigned index, char *buf, size_t size);
/* True if one of the tokens is word (at most 15 characters). */
bool cmdline_has_word(const char *cmdline, const char *word);
/* Decimal, or hex after 0x; false unless all of [s, s + len) is one number below 2^64. */
bool parse_u64(const char *s, size_t len, uint64_t *out);
bool cmdline_u64(const char *cmdline, const char *key, uint64_t *out);

/* Counting checks: FAILED lines and the summary, each prefixed with the program name. */
struct checks {
	const char *prog;
	unsigned total, failed;
};
/* Counts one check; if !ok prints "<prog>: FAILED: <fmt...>". Returns ok. */
bool check(struct checks *c, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "<prog>: <n> checks passed" or "<prog>: <k> of <n> checks failed"; returns k. */
int checks_summary(const struct checks *c);

/* Called by the boot stubs, in 64-bit mode on the runtime's stack. */
_Noreturn void guest_start(void);

#endif
