/* The local APIC tests' fixture (test_vlapic_registers.c, test_vlapic_modes.c,
 * test_vlapic_interrupts.c, test_vlapic_ipi.c, test_vlapic_timer.c): a world that records
 * the EOI messages and IPIs the model sends, and access to its registers. */
#ifndef KEEL_TESTS_UNIT_VLAPIC_FIXTURE_H
#define KEEL_TESTS_UNIT_VLAPIC_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include "tests/unit/fake_platform.h"
#include "vmm/dev/vlapic.h"

/* xAPIC register offsets (SDM vol.3 Table 11-1), spelled out here rather than shared with
 * the model. */
enum {
	ID = 0x020, VERSION = 0x030, TPR = 0x080, APR = 0x090, PPR = 0x0a0, EOI = 0x0b0,
	RRD = 0x0c0, LDR = 0x0d0, DFR = 0x0e0, SVR = 0x0f0, ISR0 = 0x100, TMR0 = 0x180,
	IRR0 = 0x200, ESR = 0x280, CMCI = 0x2f0, ICR_LOW = 0x300, ICR_HIGH = 0x310,
	LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340, LVT_LINT0 = 0x350,
	LVT_LINT1 = 0x360, LVT_ERROR = 0x370, TIMER_INITIAL = 0x380, TIMER_CURRENT = 0x390,
	TIMER_DIVIDE = 0x3e0,
};

#define NEVER DEVICE_NO_DEADLINE
#define APIC_ID 3

/* What the model did to the world around it. */
struct world {
	struct fake_platform fake; /* first: the callbacks' context is the world */
	uint8_t eois[8];
	unsigned eoi_count;
	struct { uint32_t dest, icr_low; } ipis[8];
	unsigned ipi_count;
};

/* APIC ID 3, the BSP, x2APIC and TSC-deadline offered, MAXPHYADDR 39. */
extern const struct vlapic_config default_config;

/* A fresh world (the clock at 1000 ns; the guest's TSC at 2 GHz from 0) and l in it. */
void start_with(struct vlapic *l, struct world *w, const struct vlapic_config *config);
void start(struct vlapic *l, struct world *w); /* with default_config */
uint32_t rd(struct vlapic *l, unsigned offset);
void wr(struct vlapic *l, unsigned offset, uint32_t value);
uint32_t esr(struct vlapic *l); /* ESR as software reads it: write, then read (§11.5.3) */
void sw_enable(struct vlapic *l);
bool irr_has(struct vlapic *l, uint8_t v);
bool tmr_has(struct vlapic *l, uint8_t v);
bool isr_has(struct vlapic *l, uint8_t v);
void to_x2apic(struct vlapic *l);
uint64_t rdmsr(struct vlapic *l, uint32_t msr);
/* Takes and ends the interrupt the APIC offers, checking it is vector. */
void service(struct vlapic *l, int vector);

#endif
