/* A guest's access to guest-physical space that nothing backs: the VGA window, the 32-bit
 * MMIO hole with the domain's device models, what lies beyond its RAM. The exit gives the
 * address but, on the CPUs and emulators Keel runs on (no decode assists), not the
 * instruction: Keel fetches it through the guest's own page tables, decodes it and runs it
 * (vmm/guest_walk.c, x86_decode.c, x86_emulate.c), its memory operand reaching the I/O bus
 * (vmm/io.h) where nothing backs it and the guest's RAM where something does. */
#ifndef KEEL_VMM_MMIO_H
#define KEEL_VMM_MMIO_H

struct vcpu;
struct vm_exit;

void handle_npf(struct vcpu *v, const struct vm_exit *exit);

#endif
