/* The pvpanic device (see pvpanic.h). */
#include "vmm/dev/pc.h"
#include "vmm/dev/pvpanic.h"
#include "vmm/domain.h"

/* The events it takes: a read of more than a byte sees the bus float above it. */
static uint64_t pvpanic_read(void *dev, uint64_t offset, unsigned size)
{
	(void)dev;
	(void)offset;
	(void)size;
	return ~0xffull | PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
}

static void pvpanic_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	(void)offset;
	(void)size;
	if (value & PVPANIC_PANICKED)
		domain_end(dev, END_CRASH, false, 0, "its kernel panicked: pvpanic event 0x%x written to port 0x%x",
			   (unsigned)(value & 0xff), PC_PVPANIC);
}

static const struct io_ops pvpanic_ops = { pvpanic_read, pvpanic_write };

int pvpanic_attach(struct domain *d)
{
	return io_register_ports(d, PC_PVPANIC, 1, &pvpanic_ops, d);
}
