/* The ACPI table parser (drivers/acpi.c) on any physical memory. The input is the memory
 * from physical address 0; the RSDP is where its first four bytes say. Each of the three
 * lookups walks the RSDP, the RSDT or XSDT and the FADT or MADT. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "drivers/acpi.h"

struct memory {
	const uint8_t *data;
	size_t size;
};

static const void *map(void *ctx, uint64_t pa, uint64_t len)
{
	const struct memory *m = ctx;
	if (pa > m->size || len > m->size - pa)
		return NULL;
	return m->data + pa;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	struct memory m = { data, size };
	uint32_t rsdp;
	memcpy(&rsdp, data, sizeof(rsdp));
	char err[ACPI_ERROR_MAX];
	struct acpi_control_ports ports;
	if (acpi_find_control_ports(rsdp, map, &m, &ports, err, sizeof(err)) == 0) {
		if (ports.count > ACPI_MAX_CONTROL_PORTS)
			__builtin_trap();
		for (unsigned i = 0; i < ports.count; i++)
			if (!ports.range[i].count || ports.range[i].first + ports.range[i].count > 0x10000)
				__builtin_trap();
	}
	struct acpi_pm_timer timer;
	if (acpi_find_pm_timer(rsdp, map, &m, &timer, err, sizeof(err)) == 0 && timer.bits != 24 && timer.bits != 32)
		__builtin_trap();
	struct acpi_ioapic_input input;
	(void)acpi_find_isa_irq(rsdp, map, &m, 0, &input, err, sizeof(err));
	return 0;
}
