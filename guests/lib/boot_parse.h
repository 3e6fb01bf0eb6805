/* Inside the runtime: turning each protocol's boot information into struct guest_boot.
 * The loader's structures are read in place (the low 4 GiB are identity-mapped), and
 * only where they are known to be memory: see boot_readable(). */
#ifndef KEEL_GUEST_BOOT_PARSE_H
#define KEEL_GUEST_BOOT_PARSE_H

#include <stdint.h>

#include "guests/lib/guest.h"

void guest_boot_parse(struct guest_boot *b, const struct guest_entry_state *e);

void boot_parse_elf64(struct guest_boot *b);
void boot_parse_multiboot1(struct guest_boot *b);
void boot_parse_multiboot2(struct guest_boot *b);
void boot_parse_pvh(struct guest_boot *b);

/* Records a structural problem (the first GUEST_MAX_PROBLEMS are kept). */
void boot_problem(struct guest_boot *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* May [gpa, gpa + len) be read? Before a memory map is known: low memory (below
 * 640 KiB) and, given mem_upper, the RAM from 1 MiB on; afterwards its RAM ranges.
 * GPA 0 never is (it would be a null pointer). */
bool boot_readable(const struct guest_boot *b, uint64_t gpa, uint64_t len);
/* May a Multiboot loader's information structure lie at [gpa, gpa + len)? Before the kernel
 * knows its memory, it may be anywhere below 4 GiB that is not GPA 0 (Multiboot 0.6.96 §3.3,
 * Multiboot2 §3.6): Keel puts it above the modules when the kernel loads into low memory. */
bool boot_info_placed(uint64_t gpa, uint64_t len);

/* A NUL-terminated string at gpa of at most GUEST_STRING_MAX bytes, or "" (and a
 * problem naming what) if it is not one. */
const char *boot_string(struct guest_boot *b, uint64_t gpa, const char *what);

/* Append to the memory map or the module list; beyond the arrays a problem. */
void boot_add_memory(struct guest_boot *b, uint64_t base, uint64_t length, uint32_t type);
void boot_add_module(struct guest_boot *b, uint64_t start, uint64_t size, const char *cmdline);

static inline const void *gpa_ptr(uint64_t gpa)
{
	return (const void *)(uintptr_t)gpa;
}

static inline uint32_t read32(uint64_t gpa)
{
	uint32_t v;
	__builtin_memcpy(&v, gpa_ptr(gpa), sizeof(v));
	return v;
}

static inline uint64_t read64(uint64_t gpa)
{
	uint64_t v;
	__builtin_memcpy(&v, gpa_ptr(gpa), sizeof(v));
	return v;
}

#endif
