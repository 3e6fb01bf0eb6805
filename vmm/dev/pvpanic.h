/* The pvpanic device, QEMU's paravirtual panic notifier (QEMU's docs/specs/pvpanic.rst),
 * at one port that the DSDT gives as device QEMU0001 (vmm/dev/acpi_tables.c). Reading the
 * port gives the events the device takes; a guest's driver (Linux's pvpanic-mmio) writes
 * an event there. "Panicked" ends the domain as a crash, so on_crash decides what follows
 * rather than the reboot a kernel's panic=N would make of it; "crash loaded" (a kdump
 * kernel takes over) needs nothing: that kernel runs on. */
#ifndef KEEL_VMM_DEV_PVPANIC_H
#define KEEL_VMM_DEV_PVPANIC_H

#define PVPANIC_PANICKED 0x01
#define PVPANIC_CRASH_LOADED 0x02

struct domain;

/* Returns 0 or the error of registering the port. */
int pvpanic_attach(struct domain *d);

#endif
