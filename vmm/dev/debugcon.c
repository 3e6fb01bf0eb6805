#include "vmm/dev/debugcon.h"
#include "vmm/domain.h"

/* Reading the port gives 0xe9 back, the usual way to detect it. */
static uint64_t debugcon_read(void *dev, uint64_t offset, unsigned size)
{
	(void)dev;
	(void)offset;
	(void)size;
	return DEBUGCON_PORT;
}

/* Each byte written is console text; a wider OUT gives its bytes in order. */
static void debugcon_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	char bytes[4];
	(void)offset;
	for (unsigned i = 0; i < size && i < sizeof(bytes); i++)
		bytes[i] = (char)(value >> (8 * i));
	console_put(dev, CONSOLE_DEBUG_PORT, bytes, size < sizeof(bytes) ? size : sizeof(bytes));
}

static const struct io_ops debugcon_ops = { debugcon_read, debugcon_write };

int debugcon_attach(struct domain *d)
{
	return io_register_ports(d, DEBUGCON_PORT, 1, &debugcon_ops, d);
}
