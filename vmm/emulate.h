/* Instructions Keel runs for a guest, whose exits give the address or the port but, on
 * the CPUs and emulators Keel runs on (no decode assists), not the instruction: a load or
 * store to guest-physical space that nothing backs (the VGA window, the 32-bit MMIO hole
 * with the domain's device models, what lies beyond its RAM), and string port I/O (INS,
 * OUTS). Keel fetches the instruction through the guest's own page tables, decodes it and
 * runs it (vmm/guest_walk.c, x86_decode.c, x86_emulate.c), its memory operand reaching the
 * guest's RAM where something backs it and the I/O bus (vmm/io.h) where nothing does, its
 * ports the I/O bus. */
#ifndef KEEL_VMM_EMULATE_H
#define KEEL_VMM_EMULATE_H

#include <stdbool.h>
#include "vmm/x86_decode.h"

struct vcpu;
struct vm_exit;

/* A nested-paging fault. */
void handle_npf(struct vcpu *v, const struct vm_exit *exit);
/* A port I/O exit of INS or OUTS (vmm/io.c). */
void emulate_string_io(struct vcpu *v, const struct vm_exit *exit);
/* The MOV to a control register at the guest's RIP, for an exit that does not say which
 * register it reads (vmm/insn.c): true and *out, else false with the fault the fetch
 * raised given to the guest, or the domain ended. */
bool emulate_fetch_mov_to_cr(struct vcpu *v, struct x86_mov_cr *out);

#endif
