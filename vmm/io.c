#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/domain.h"
#include "vmm/io.h"

#define OWNER_PAGES (IO_PORTS / PAGE_SIZE)

int io_init(struct domain *d)
{
	struct io_ports *io = &d->io;
	*io = (struct io_ports){ .owner_pa = page_alloc_contig(OWNER_PAGES, PAGE_SIZE) };
	if (!io->owner_pa)
		return -ENOMEM;
	io->owner = phys_to_virt(io->owner_pa);
	memset(io->owner, 0, IO_PORTS);
	return 0;
}

void io_free(struct domain *d)
{
	if (d->io.owner_pa)
		page_free(d->io.owner_pa, OWNER_PAGES);
	d->io = (struct io_ports){ 0 };
}

int io_register_ports(struct domain *d, uint16_t first, uint16_t count, port_handler_fn handler, void *dev)
{
	struct io_ports *io = &d->io;
	if (count == 0 || (uint32_t)first + count > IO_PORTS || !handler || !io->owner)
		return -EINVAL;
	for (uint32_t p = first; p < (uint32_t)first + count; p++)
		if (io->owner[p])
			return -EEXIST;
	if (io->nranges == IO_MAX_RANGES)
		return -ENOSPC;
	io->ranges[io->nranges] = (struct io_range){ first, count, handler, dev };
	io->nranges++;
	memset(io->owner + first, (int)io->nranges, count);
	return 0;
}

void handle_io(struct vcpu *v, const struct vm_exit *exit)
{
	struct domain *d = v->dom;
	uint8_t size = exit->io.size;
	if (exit->io.string || (size != 1 && size != 2 && size != 4)) {
		domain_crash(d, "string port I/O (INS/OUTS) on port 0x%x is not emulated", exit->io.port);
		return;
	}
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	uint64_t *rax = &v->regs.gpr[REG_RAX];
	uint32_t value = exit->io.in ? mask : (uint32_t)*rax & mask; /* no device: reads float high */
	uint8_t owner = d->io.owner[exit->io.port];
	if (owner) {
		const struct io_range *r = &d->io.ranges[owner - 1];
		r->handler(d, r->dev, exit->io.port, size, exit->io.in, &value);
	}
	if (exit->io.in) {
		/* IN writes AL/AX/EAX; a 32-bit IN clears the upper half of RAX like any 32-bit write. */
		*rax = size == 4 ? (value & mask) : ((*rax & ~(uint64_t)mask) | (value & mask));
	}
	v->regs.rip += exit->instr_len;
}
