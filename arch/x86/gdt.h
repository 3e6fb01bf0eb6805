/* The core's own GDT (flat 64-bit code and data, one TSS) and IDT (CPU exceptions and the
 * interrupts of arch/x86/interrupts.h). */
#ifndef KEEL_ARCH_X86_GDT_H
#define KEEL_ARCH_X86_GDT_H

#include <stdint.h>

#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x18

void gdt_init(void); /* loads the GDT, reloads every segment register, loads TR */
void idt_init(void); /* installs the exception handlers 0-31 and the interrupt handlers */
uint64_t gdt_tss_base(void); /* where the TSS lives, for VMX's host state */

#endif
