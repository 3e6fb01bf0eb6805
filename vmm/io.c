#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/domain.h"
#include "vmm/emulate.h"
#include "vmm/io.h"

int io_init(struct domain *d)
{
	struct io_bus *io = &d->io;
	port_map_init(&io->owner);
	io->nports = io->nmmio = 0;
	if (!io->state_pa && !(io->state_pa = page_alloc_zeroed()))
		return -ENOMEM;
	io->state = phys_to_virt(io->state_pa);
	memset(io->state, 0, PAGE_SIZE); /* a restart's devices start afresh */
	io->state_used = 0;
	return 0;
}

void io_free(struct domain *d)
{
	struct io_bus *io = &d->io;
	if (io->state_pa)
		page_free(io->state_pa, 1);
	io->state_pa = 0;
	io->state = NULL;
}

void *io_device_state(struct domain *d, uint64_t size)
{
	struct io_bus *io = &d->io;
	uint64_t at = (io->state_used + 15) & ~15ull; /* aligned for any field */
	if (!io->state || size > PAGE_SIZE - at)
		return NULL;
	io->state_used = at + size;
	return io->state + at;
}

int io_register_ports(struct domain *d, uint16_t first, uint16_t count, const struct io_ops *ops, void *dev)
{
	struct io_bus *io = &d->io;
	if (!ops || !ops->read || !ops->write)
		return -EINVAL;
	if (io->nports == IO_MAX_RANGES)
		return -ENOSPC;
	int err = port_map_claim(&io->owner, first, count, (uint8_t)(io->nports + 1));
	if (err)
		return err;
	io->ports[io->nports++] = (struct io_range){ first, count, ops, dev };
	return 0;
}

int io_register_mmio(struct domain *d, uint64_t gpa, uint64_t size, const struct io_ops *ops, void *dev)
{
	struct io_bus *io = &d->io;
	if (!ops || !ops->read || !ops->write || !size || gpa + size < gpa)
		return -EINVAL;
	if (io->nmmio == IO_MAX_MMIO)
		return -ENOSPC;
	for (unsigned i = 0; i < io->nmmio; i++)
		if (gpa < io->mmio[i].base + io->mmio[i].size && io->mmio[i].base < gpa + size)
			return -EEXIST;
	io->mmio[io->nmmio++] = (struct io_range){ gpa, size, ops, dev };
	return 0;
}

/* The MMIO range that holds all of [gpa, gpa + size), or NULL. A domain has a handful
 * (its local APIC, its IO-APIC): a look at each. */
static const struct io_range *mmio_range(const struct io_bus *io, uint64_t gpa, unsigned size)
{
	for (unsigned i = 0; i < io->nmmio; i++) {
		const struct io_range *r = &io->mmio[i];
		if (gpa - r->base < r->size && size <= r->base + r->size - gpa)
			return r;
	}
	return NULL;
}

/* The bits an access of size bytes moves: 0 for a size no CPU access has. */
static uint64_t mask_of(unsigned size)
{
	static const uint64_t masks[9] = { [1] = 0xff, [2] = 0xffff, [4] = 0xffffffff, [8] = ~0ull };
	return size < sizeof(masks) / sizeof(masks[0]) ? masks[size] : 0;
}

bool io_mmio_read(struct domain *d, uint64_t gpa, unsigned size, uint64_t *value)
{
	uint64_t mask = mask_of(size);
	const struct io_range *r = mmio_range(&d->io, gpa, size);
	*value = (r ? r->ops->read(r->dev, gpa - r->base, size) : ~0ull) & mask;
	return r;
}

bool io_mmio_write(struct domain *d, uint64_t gpa, unsigned size, uint64_t value)
{
	uint64_t mask = mask_of(size);
	const struct io_range *r = mmio_range(&d->io, gpa, size);
	if (r)
		r->ops->write(r->dev, gpa - r->base, size, value & mask);
	return r;
}

/* A port access of size bytes, mask its bits: the device's answer, or all ones where no
 * device owns the port; a write to such a port goes nowhere. */
static inline uint64_t port_read(const struct domain *d, uint16_t port, unsigned size, uint64_t mask)
{
	unsigned owner = port_map_owner(&d->io.owner, port);
	if (!owner)
		return mask;
	const struct io_range *r = &d->io.ports[owner - 1];
	return r->ops->read(r->dev, port - r->base, size) & mask;
}

static inline void port_write(const struct domain *d, uint16_t port, unsigned size, uint64_t mask, uint64_t value)
{
	unsigned owner = port_map_owner(&d->io.owner, port);
	if (owner) {
		const struct io_range *r = &d->io.ports[owner - 1];
		r->ops->write(r->dev, port - r->base, size, value & mask);
	}
}

uint64_t io_port_read(struct domain *d, uint16_t port, unsigned size)
{
	return port_read(d, port, size, mask_of(size));
}

void io_port_write(struct domain *d, uint16_t port, unsigned size, uint64_t value)
{
	port_write(d, port, size, mask_of(size), value);
}

void handle_io(struct vcpu *v, const struct vm_exit *exit)
{
	if (exit->io.string) {
		emulate_string_io(v, exit);
		return;
	}
	uint8_t size = exit->io.size;
	uint64_t mask = (1ull << 8 * size) - 1; /* 1, 2 or 4 bytes */
	uint64_t *rax = &v->regs.gpr[REG_RAX];
	v->regs.rip += exit->instr_len; /* whatever the device does, the instruction completes */
	if (!exit->io.in) {
		port_write(v->dom, exit->io.port, size, mask, *rax);
		return;
	}
	uint64_t value = port_read(v->dom, exit->io.port, size, mask);
	/* IN writes AL/AX/EAX; a 32-bit IN clears the upper half of RAX like any 32-bit write. */
	*rax = size == 4 ? value : (*rax & ~mask) | value;
}
