/* A model of an I/O APIC with 24 input pins, as the Intel 82093AA and the I/O APIC of
 * ICH chipsets: the redirection table turns a pin's interrupt into a message to local
 * APICs (env->deliver), which Keel routes. Pure code: no allocation, no globals.
 *
 * It is version 0x20, the ICH's, with the EOI register at offset 0x40 (a write of a vector
 * clears the remote IRR of the entries with that vector): Linux, seeing version 0x20 or
 * later, ends level-triggered interrupts through it rather than by rewriting the entry.
 *
 * Registers: the model is mapped on a 4 KiB page (offsets from its start). Direct ones:
 * IOREGSEL at 0x00 (bits 7-0), IOWIN at 0x10, EOI at 0x40 (write-only). A read of any
 * size gives the bytes of the 32-bit registers it covers (IOWIN: the register IOREGSEL
 * selects; EOI and the rest of the page: 0). IOWIN takes only 32-bit writes at 0x10
 * (82093AA §3.0: it must be accessed as a dword); IOREGSEL and EOI take the low byte of
 * any write starting at their offset (a byte write loads IOREGSEL, §3.0); other writes
 * are ignored. Indirect ones, through IOWIN: 0x00 ID (bits 27-24), 0x01 version (0x20,
 * bits 23-16: 23, the highest entry), 0x02 arbitration ID (reads as the ID), 0x10-0x3f
 * the redirection table, entry n's low dword at 0x10 + 2n, its high one next; other
 * selections read 0 and ignore writes (the datasheet leaves them undefined).
 *
 * A redirection entry (82093AA §3.2.4): vector (7-0), delivery mode (10-8), destination
 * mode (11, 1 = logical), delivery status (12, read-only), polarity (13, 1 = active low),
 * remote IRR (14, read-only), trigger mode (15, 1 = level), mask (16), destination
 * (63-56). The other bits read 0. At reset every entry is masked, all else 0.
 *
 * Model choices:
 * - Messages are accepted at once: delivery status always reads 0, and a level-triggered
 *   message sets remote IRR as it is sent.
 * - Only fixed and lowest-priority messages are level-triggered; SMI, NMI, INIT and
 *   ExtINT are sent as edges whatever the trigger mode bit says (the datasheet requires
 *   edge for them). The reserved delivery modes 011 and 110 send nothing.
 * - Level-triggered: a message goes while the pin is asserted, unmasked and remote IRR
 *   clear, so again after the EOI if the pin is still asserted, and when an asserted pin
 *   is unmasked or its entry rewritten to allow it. Edge-triggered: the pin becoming
 *   asserted sends one message; while masked it is lost (§3.2.4: edges on a masked pin
 *   are "not delivered or held pending"). Changing the polarity makes no edge.
 * - Rewriting an entry as edge-triggered clears its remote IRR (what operating systems
 *   do to clear it on I/O APICs without the EOI register).
 *
 * Not modelled: the extended destination ID some hypervisors put in bits 55-48 (only
 * bits 63-56 are kept; Keel offers no such feature to guests), the pin assertion
 * register, the APIC bus and its arbitration. */
#ifndef KEEL_VMM_DEV_VIOAPIC_H
#define KEEL_VMM_DEV_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/device.h"
#include "vmm/dev/pc.h"

#define VIOAPIC_MMIO_SIZE 0x1000
#define VIOAPIC_VERSION 0x20

/* Delivery modes, as in a redirection entry's bits 10-8 and in deliver(). */
#define VIOAPIC_FIXED 0
#define VIOAPIC_LOWEST_PRIORITY 1
#define VIOAPIC_SMI 2
#define VIOAPIC_NMI 4
#define VIOAPIC_INIT 5
#define VIOAPIC_EXTINT 7

struct vioapic_env {
	struct device_env dev; /* dev.ctx for deliver; now_ns, set_deadline, set_irq unused */
	/* A message to the local APIC(s) destination names (a physical APIC ID, or a logical
	 * destination when logical): the vector, the delivery mode (VIOAPIC_*), and whether
	 * it is level-triggered (then the local APIC is to report its EOI: vioapic_eoi). */
	void (*deliver)(void *ctx, uint8_t vector, uint8_t delivery_mode, bool logical, uint8_t destination,
			bool level);
};

struct vioapic {
	uint64_t redir[PC_IOAPIC_PINS]; /* the redirection table */
	uint32_t lines;                 /* each pin's input level (before the polarity) */
	uint8_t id;                     /* 4 bits */
	uint8_t ioregsel;
	struct vioapic_env env;
};

/* Reset: every entry masked, all pins low, IOREGSEL 0, the ID id (its low 4 bits). env
 * is copied; env->deliver must be set. Sends nothing. All pins start low: a platform with
 * active-low lines (PCI INTx) sets them high after this. */
void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_env *env);

/* MMIO in the I/O APIC's page, in the shape of struct io_ops; dev is a struct vioapic. */
uint64_t vioapic_read(void *io, uint64_t offset, unsigned size);
void vioapic_write(void *io, uint64_t offset, unsigned size, uint64_t value);

/* The input line of pin (0-23) is now at level: high (true) or low, before the entry's
 * polarity applies. A pin out of range is ignored. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level);

/* A local APIC's EOI of a level-triggered vector (as from the EOI register): clears the
 * remote IRR of the entries with that vector, and sends again for those whose pin is
 * still asserted. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
