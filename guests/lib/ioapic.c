/* The I/O APIC of Keel's virtual PC at 0xfec00000: its registers through the index
 * (IOREGSEL, offset 0) and the window (IOWIN, 0x10), the redirection table's entry of pin n
 * at registers 0x10 + 2n (low dword) and 0x11 + 2n (high: the destination), as the 82093AA
 * datasheet (§3.0, §3.2.4) lays them out. */
#include "guests/lib/guest.h"

#define IOAPIC 0xfec00000ull
#define IOAPIC_WINDOW 0x10
#define IOAPIC_REDIRECTION(pin) (0x10 + 2 * (pin))
#define IOAPIC_MASKED (1u << 16)

static void ioapic_write(unsigned reg, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)IOAPIC = reg;
	*(volatile uint32_t *)(uintptr_t)(IOAPIC + IOAPIC_WINDOW) = value;
}

void guest_ioapic_route(unsigned pin, uint8_t vector, bool masked)
{
	ioapic_write(IOAPIC_REDIRECTION(pin) + 1, 0);
	ioapic_write(IOAPIC_REDIRECTION(pin), vector | (masked ? IOAPIC_MASKED : 0));
}
