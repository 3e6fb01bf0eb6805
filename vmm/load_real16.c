/* Real-mode flat binaries (type = "real16"), loaded like a boot sector: at 0000:7C00 and
 * started there in real mode, with the stack just below. They get no boot information. */
#include "vmm/guest_boot.h"

#define REAL16_LOAD_GPA 0x7c00

int load_real16(struct load_ctx *c)
{
	const struct loader_file *k = &c->in->kernel;
	uint64_t limit = GUEST_LOW_RAM_END; /* RAM below 640 KiB: every layout has it */

	if (k->size == 0 || k->size > limit - REAL16_LOAD_GPA)
		return load_fail(c, "kernel '%s': a real16 image must be 1 to %llu bytes (it loads at 0x%x, below "
				 "0x%llx), this one is %llu", k->name, (unsigned long long)(limit - REAL16_LOAD_GPA),
				 REAL16_LOAD_GPA, (unsigned long long)limit, (unsigned long long)k->size);
	struct elf_segment seg = { .gpa = REAL16_LOAD_GPA, .vaddr = REAL16_LOAD_GPA, .file_size = k->size,
				   .mem_size = k->size };
	int err = load_segments(c, &seg, 1);
	if (err)
		return err;
	c->out->format = "flat binary";
	c->out->boot = (struct vcpu_boot_state){ .mode = VCPU_BOOT_REAL16 };
	c->out->regs.rip = REAL16_LOAD_GPA; /* CS = 0 */
	c->out->boot.rsp = REAL16_LOAD_GPA;
	return 0;
}
