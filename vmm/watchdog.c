#include "arch/x86/cpu.h"
#include "arch/x86/interrupts.h"
#include "arch/x86/paging.h"
#include "drivers/acpi.h"
#include "drivers/ioapic.h"
#include "drivers/lapic.h"
#include "drivers/pit.h"
#include "drivers/tsc.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "vmm/watchdog.h"

#define PIT_IRQ 0

uint64_t watchdog_limit_ns, watchdog_checked_in_ns;
static unsigned pin;           /* the I/O APIC input of the PIT */

static void watchdog_nmi(void)
{
	if (watchdog_limit_ns && tsc_now_ns() - watchdog_checked_in_ns > watchdog_limit_ns)
		panic("watchdog: Keel made no progress for %llu s", (unsigned long long)(watchdog_limit_ns / 1000000000ull));
}

void watchdog_start(unsigned seconds, uint64_t rsdp)
{
	if (!seconds)
		return;
	char err[ACPI_ERROR_MAX];
	struct acpi_ioapic_input in;
	if (acpi_find_isa_irq(rsdp, paging_map_firmware, NULL, PIT_IRQ, &in, err, sizeof(err))) {
		log_warn("watchdog: not started: the PIT's interrupt cannot be found (%s)", err);
		return;
	}
	if (in.level) {
		log_warn("watchdog: not started: the PIT's interrupt is level-triggered, and an NMI must be edge-triggered");
		return;
	}
	unsigned inputs = ioapic_take_over(in.ioapic_pa);
	if (in.pin >= inputs || lapic_id() > 0xff) {
		log_warn("watchdog: not started: the I/O APIC at 0x%llx %s", (unsigned long long)in.ioapic_pa,
			 !inputs ? "is not where Keel can map it" : in.pin >= inputs ? "lacks the PIT's input"
								     : "cannot reach this CPU's local APIC id");
		return;
	}
	/* The PIT's IRQ 0 reaches the CPU only as the NMI: the legacy PIC masks every IRQ
	 * (arch/x86/setup.c). */
	watchdog_limit_ns = seconds * 1000000000ull;
	pin = in.pin;
	watchdog_check_in(tsc_now_ns());
	host_nmi_hook = watchdog_nmi;
	ioapic_route_nmi(in.pin, (uint8_t)lapic_id(), in.active_low);
	pit_channel0_periodic((uint16_t)(PIT_HZ / WATCHDOG_HZ));
	log_info("watchdog: an NMI %u times a second (the PIT through input %u of the I/O APIC at 0x%llx); "
		 "Keel stops if it makes no progress for %u s", WATCHDOG_HZ, in.pin, (unsigned long long)in.ioapic_pa,
		 seconds);
}

void watchdog_stop(void)
{
	if (!watchdog_limit_ns)
		return;
	ioapic_mask(pin);
	watchdog_limit_ns = 0;
}
