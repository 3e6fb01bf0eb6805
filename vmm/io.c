#include "lib/errno.h"
#include "vmm/domain.h"
#include "vmm/io.h"

int io_register_ports(struct domain *d, uint16_t first, uint16_t count, port_handler_fn handler)
{
	struct io_ports *io = &d->io;
	if (count == 0 || (uint32_t)first + count > 0x10000 || !handler)
		return -EINVAL;
	for (unsigned i = 0; i < io->nranges; i++) {
		const struct io_range *r = &io->ranges[i];
		if (first < r->first + r->count && r->first < first + count)
			return -EEXIST;
	}
	if (io->nranges == IO_MAX_RANGES)
		return -ENOSPC;
	io->ranges[io->nranges++] = (struct io_range){ first, count, handler };
	return 0;
}

static const struct io_range *find_range(const struct io_ports *io, uint16_t port)
{
	for (unsigned i = 0; i < io->nranges; i++)
		if (port >= io->ranges[i].first && port - io->ranges[i].first < io->ranges[i].count)
			return &io->ranges[i];
	return NULL;
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
	const struct io_range *r = find_range(&d->io, exit->io.port);
	if (r)
		r->handler(d, exit->io.port, size, exit->io.in, &value);
	if (exit->io.in) {
		/* IN writes AL/AX/EAX; a 32-bit IN clears the upper half of RAX like any 32-bit write. */
		*rax = size == 4 ? (value & mask) : ((*rax & ~(uint64_t)mask) | (value & mask));
	}
	v->regs.rip += exit->instr_len;
}
