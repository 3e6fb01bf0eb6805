#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/domain.h"
#include "vmm/io.h"

int io_init(struct domain *d)
{
	struct io_ports *io = &d->io;
	port_map_init(&io->owner);
	io->nranges = 0;
	if (!io->state_pa && !(io->state_pa = page_alloc_zeroed()))
		return -ENOMEM;
	io->state = phys_to_virt(io->state_pa);
	memset(io->state, 0, PAGE_SIZE); /* a restart's devices start afresh */
	io->state_used = 0;
	return 0;
}

void io_free(struct domain *d)
{
	struct io_ports *io = &d->io;
	if (io->state_pa)
		page_free(io->state_pa, 1);
	io->state_pa = 0;
	io->state = NULL;
}

void *io_device_state(struct domain *d, uint64_t size)
{
	struct io_ports *io = &d->io;
	uint64_t at = (io->state_used + 15) & ~15ull; /* aligned for any field */
	if (!io->state || size > PAGE_SIZE - at)
		return NULL;
	io->state_used = at + size;
	return io->state + at;
}

int io_register_ports(struct domain *d, uint16_t first, uint16_t count, port_handler_fn handler, void *dev)
{
	struct io_ports *io = &d->io;
	if (!handler)
		return -EINVAL;
	if (io->nranges == IO_MAX_RANGES)
		return -ENOSPC;
	int err = port_map_claim(&io->owner, first, count, (uint8_t)(io->nranges + 1));
	if (err)
		return err;
	io->ranges[io->nranges++] = (struct io_range){ first, count, handler, dev };
	return 0;
}

/* The bits of EAX an access of each size moves (none: not a size an I/O instruction has). */
static const uint32_t size_mask[8] = { [1] = 0xff, [2] = 0xffff, [4] = 0xffffffff };

void handle_io(struct vcpu *v, const struct vm_exit *exit)
{
	struct domain *d = v->dom;
	uint16_t port = exit->io.port;
	uint8_t size = exit->io.size;
	uint32_t mask = size_mask[size & 7];
	if (exit->io.string || !mask) {
		domain_crash(d, "string port I/O (INS/OUTS) on port 0x%x is not emulated", port);
		return;
	}
	v->regs.rip += exit->instr_len; /* whatever the device does, the instruction completes */
	uint8_t owner = port_map_owner(&d->io.owner, port);
	const struct io_range *r = owner ? &d->io.ranges[owner - 1] : NULL;
	uint64_t *rax = &v->regs.gpr[REG_RAX];
	if (!exit->io.in) {
		if (r)
			r->handler(d, r->dev, port, size, false, (uint32_t)*rax & mask);
		return;
	}
	uint32_t value = r ? r->handler(d, r->dev, port, size, true, mask) & mask : mask; /* none: all ones */
	/* IN writes AL/AX/EAX; a 32-bit IN clears the upper half of RAX like any 32-bit write. */
	*rax = size == 4 ? value : (*rax & ~(uint64_t)mask) | value;
}
