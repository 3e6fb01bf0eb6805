/* Starting the core, from whichever loader brought it. */
#ifndef KEEL_ARCH_X86_SETUP_H
#define KEEL_ARCH_X86_SETUP_H

#include "boot/boot_info.h"

/* Takes the machine over and runs Keel; never returns. */
void core_start(const struct boot_info *from_loader) __attribute__((noreturn));
/* The serial console and logging, and Keel's banner: the first thing each entry does in C,
 * once Keel's own GDT and IDT are loaded (entry.asm, multiboot2_entry.asm). Again, from the
 * report of an exception that comes before it, it does nothing if it has run. */
void console_start(void);
/* Entry from the UEFI loader (arch/x86/entry.asm). */
void core_start_uefi(const struct boot_info *from_loader) __attribute__((noreturn));
/* Entry from a Multiboot2 loader (arch/x86/multiboot2_entry.asm). */
void multiboot2_start(uint32_t mbi) __attribute__((noreturn));

#endif
