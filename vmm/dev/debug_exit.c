#include "vmm/dev/debug_exit.h"
#include "vmm/domain.h"

/* Reading it floats high: nothing drives the bus. */
static uint64_t debug_exit_read(void *dev, uint64_t offset, unsigned size)
{
	(void)dev;
	(void)offset;
	(void)size;
	return ~0ull;
}

/* A write ends the domain: a poweroff with the value as its exit status. */
static void debug_exit_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct domain *d = dev;
	(void)offset;
	(void)size;
	domain_end(d, END_POWEROFF, true, (uint32_t)value, "written to its debug-exit port 0x%x", d->config.debug_exit);
}

static const struct io_ops debug_exit_ops = { debug_exit_read, debug_exit_write };

int debug_exit_attach(struct domain *d, uint16_t port)
{
	return io_register_ports(d, port, 1, &debug_exit_ops, d);
}
