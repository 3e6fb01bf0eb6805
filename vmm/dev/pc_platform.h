/* A domain's virtual PC: its local APIC, the two 8259A PICs, the I/O APIC, the PIT (with
 * port 0x61), the CMOS RTC and the ACPI PM registers (PM timer, PM1 blocks, the reset
 * register and the 8042's reset), wired as a PC wires them (docs/architecture.md,
 * "Interrupts into a guest"). ISA interrupts reach both PICs and the I/O APIC (IRQ 0 at
 * its pin 2; the SCI, IRQ 9, level-triggered and active low there); the PICs' INTR is the
 * local APIC's LINT0; the I/O APIC's messages go to the local APIC, whose EOIs of
 * level-triggered vectors come back to it; each model's timer is one of the vCPU's
 * (vmm/vtimer.h). The models' state lives in the domain's device page (io_device_state). */
#ifndef KEEL_VMM_DEV_PC_PLATFORM_H
#define KEEL_VMM_DEV_PC_PLATFORM_H

#include <stdbool.h>
#include "vmm/dev/acpi_pm.h"
#include "vmm/dev/i8254.h"
#include "vmm/dev/i8259.h"
#include "vmm/dev/mc146818.h"
#include "vmm/dev/vioapic.h"
#include "vmm/dev/vlapic.h"

struct domain;
struct vcpu;
struct vtimer;
struct pc_platform;

/* What a timer device's callbacks reach: its timer and its ISA interrupt. */
struct pc_link {
	struct pc_platform *pc;
	struct vtimer *timer;
	unsigned irq;
};

struct pc_platform {
	struct vcpu *bsp;    /* the vCPU the platform's interrupts and timers go to */
	struct vlapic lapic; /* the BSP's (one vCPU per domain for now) */
	struct i8259 pic;
	struct vioapic ioapic;
	struct i8254 pit;
	struct mc146818 rtc;
	struct acpi_pm pm;
	struct vtimer *lapic_timer;
	struct pc_link pit_link, rtc_link, pm_link;
};

/* Builds the platform of d, whose vCPU has its domain set, and registers its ports and
 * MMIO ranges; d->pc and the vCPU's lapic point to it. 0, or a negative error. */
int pc_attach(struct domain *d);
/* ISA interrupt irq (0-15) is now at level: both PICs and the I/O APIC see it. */
void pc_set_isa_irq(struct pc_platform *pc, unsigned irq, bool level);

#endif
