/* An I/O APIC (Intel 82093AA data sheet; the MADT says where each is): it turns interrupt
 * inputs into messages to local APICs. Keel masks every input of the one it uses and
 * routes a single one, the PIT's, as an NMI (vmm/watchdog.c). */
#ifndef KEEL_DRIVERS_IOAPIC_H
#define KEEL_DRIVERS_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Maps the I/O APIC's registers at pa and masks all its inputs. Returns its number of
 * inputs, or 0 if pa is not where Keel can map device registers. */
unsigned ioapic_take_over(uint64_t pa);
/* Input pin (below what ioapic_take_over returned) becomes an NMI to the local APIC with
 * id apic_id, edge-triggered, with the input's polarity. */
void ioapic_route_nmi(unsigned pin, uint8_t apic_id, bool active_low);
void ioapic_mask(unsigned pin);

#endif
