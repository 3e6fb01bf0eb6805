#include "vmm/dev/debugcon.h"
#include "vmm/domain.h"

static uint32_t debugcon_access(struct domain *d, void *dev, uint16_t port, uint8_t size, bool in, uint32_t value)
{
	(void)dev;
	(void)port;
	if (in)
		return DEBUGCON_PORT;
	char bytes[4];
	for (unsigned i = 0; i < size; i++)
		bytes[i] = (char)(value >> (8 * i));
	console_put(d, CONSOLE_DEBUG_PORT, bytes, size);
	return 0;
}

int debugcon_attach(struct domain *d)
{
	return io_register_ports(d, DEBUGCON_PORT, 1, debugcon_access, NULL);
}
