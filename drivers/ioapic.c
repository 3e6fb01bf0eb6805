/* 82093AA data sheet §3.1: two memory-mapped registers, IOREGSEL at +0x00 selects, IOWIN at
 * +0x10 reads and writes the selected one; §3.2: register 0x01 is the version, its bits
 * 23:16 the highest redirection entry; entry n is registers 0x10 + 2n (low: vector, delivery
 * mode, polarity, trigger, mask) and 0x11 + 2n (high: bits 31:24 the destination). */
#include "arch/x86/paging.h"
#include "drivers/ioapic.h"

#define IOREGSEL 0
#define IOWIN (0x10 / 4)
#define IOAPICVER 0x01
#define REDIRECTION(n) (0x10 + 2 * (n))
#define DELIVERY_NMI (4u << 8)
#define POLARITY_LOW (1u << 13)
#define MASKED (1u << 16) /* trigger mode, bit 15, stays 0: edge, which an NMI must be */

static volatile uint32_t *regs;

static uint32_t ioapic_read(uint32_t reg)
{
	regs[IOREGSEL] = reg;
	return regs[IOWIN];
}

static void ioapic_write(uint32_t reg, uint32_t value)
{
	regs[IOREGSEL] = reg;
	regs[IOWIN] = value;
}

unsigned ioapic_take_over(uint64_t pa)
{
	uint8_t *page = paging_map_uncached(pa);
	if (!page)
		return 0;
	regs = (volatile uint32_t *)page;
	unsigned inputs = ((ioapic_read(IOAPICVER) >> 16) & 0xff) + 1;
	for (unsigned n = 0; n < inputs; n++)
		ioapic_write(REDIRECTION(n), MASKED);
	return inputs;
}

void ioapic_route_nmi(unsigned pin, uint8_t apic_id, bool active_low)
{
	ioapic_write(REDIRECTION(pin) + 1, (uint32_t)apic_id << 24);
	ioapic_write(REDIRECTION(pin), DELIVERY_NMI | (active_low ? POLARITY_LOW : 0)); /* unmasked */
}

void ioapic_mask(unsigned pin)
{
	ioapic_write(REDIRECTION(pin), MASKED);
}
