/* The exceptions Keel expects at known instructions, and what it does then: the only
 * exceptions in Keel that are not fatal. Each entry names an instruction address, the
 * vectors expected there (one bit each) and where Keel goes on. Entries are emitted next to
 * the instruction, into the .keel_extable section (C: EXTABLE_ENTRY in inline assembly;
 * assembly: arch/x86/extable.inc), and looked up only when an exception has happened. */
#ifndef KEEL_ARCH_X86_EXTABLE_H
#define KEEL_ARCH_X86_EXTABLE_H

#include <stdint.h>

/* The kinds of entry (numbers, as assembly emits them too). EXTABLE_REFUSED: the CPU
 * refused the instruction at rip (a fault); Keel goes on at resume, where the code that
 * tried names the refusal or does without. EXTABLE_GUEST_DEBUG_TRAP: a debug trap that a
 * guest left pending reached Keel right after its VM exit, at rip (resume = rip), as some
 * emulators deliver it there instead of in the guest. It is the guest's, not Keel's:
 * counted and dropped, and the guest gets its #DB from the vendor's emulation of the trap
 * (docs/architecture.md). */
#define EXTABLE_REFUSED 1
#define EXTABLE_GUEST_DEBUG_TRAP 2

struct extable_entry {
	uint64_t rip;
	uint64_t resume;
	uint32_t vectors; /* 1 << vector for each expected exception */
	uint32_t kind;    /* EXTABLE_* */
};

/* The entry for an exception of this vector at rip, or NULL: every other exception in Keel
 * is fatal. */
const struct extable_entry *extable_find(uint64_t rip, unsigned vector);

/* An entry for inline assembly: at and resume are assembler labels or operands; vectors
 * and kind are expanded to numbers. */
#define EXTABLE_STRING_(x) #x
#define EXTABLE_STRING(x) EXTABLE_STRING_(x)
#define EXTABLE_ENTRY(at, resume, vectors, kind)                                      \
	".pushsection .keel_extable, \"a\"\n\t.balign 8\n\t.quad " at ", " resume "\n\t" \
	".long " EXTABLE_STRING(vectors) ", " EXTABLE_STRING(kind) "\n\t.popsection\n\t"

#endif
