/* Puts a guest image into a new domain's memory and says how its vCPU starts. */
#ifndef KEEL_VMM_LOADER_H
#define KEEL_VMM_LOADER_H

#include <stddef.h>
#include "arch/x86/hvm.h"
#include "vmm/config.h"
#include "vmm/p2m.h"

/* Guest-physical layout of a long64 guest's boot structures, below its image. */
#define LOADER_GDT_GPA 0x1000
#define LOADER_PML4_GPA 0x2000
#define LOADER_PDPT_GPA 0x3000
#define LOADER_PD_GPA 0x4000      /* four page directories: the low 4 GiB */
#define LOADER_RESERVED_END 0x10000 /* images load at or above this */
#define REAL16_LOAD_GPA 0x7c00
#define REAL16_LIMIT 0xa0000       /* end of conventional memory */

/* Loads image (size bytes) for the given mode, fills boot and the vCPU's first registers.
 * Returns 0 or -EINVAL with a reason naming what is wrong with the image in err. */
int loader_load(struct p2m *p2m, enum guest_mode mode, const void *image, size_t size,
		struct vcpu_boot_state *boot, struct guest_regs *regs, char *err, size_t errlen);

#endif
