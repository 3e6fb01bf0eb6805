/* A model of the PC's two Intel 8259A programmable interrupt controllers (PICs) and of the
 * edge/level control registers (ELCR) that PIIX and ICH chipsets put beside them. The
 * slave's INT output drives the master's IR2; the master's INT output is the pair's
 * output, reported through env->set_irq(ctx, 0, level). Pure code: no allocation, no
 * globals, no port bus.
 *
 * Ports: three ranges of two ports each, reached through three pairs of functions of the
 * io_ops shape: i8259_master_* (0x20-0x21), i8259_slave_* (0xa0-0xa1) and i8259_elcr_*
 * (0x4d0-0x4d1), offset 0 or 1 within the range, dev a struct i8259. They are byte-wide
 * ISA registers: a 2-, 4- or 8-byte access reaches one port a byte, in ascending order;
 * bytes past the range read 0xff and their writes are dropped.
 *
 * Modelled (Intel 8259A datasheet): the initialization sequence ICW1-ICW4 with the single
 * and cascade modes, OCW1 (the mask), OCW2 (specific and non-specific EOI, rotation on
 * EOI and in automatic EOI mode, set priority), OCW3 (reading IRR or ISR, the poll
 * command, special mask mode), automatic EOI, special fully nested mode on the master,
 * spurious interrupts (IR7 of the chip that has nothing to give). Each input's trigger is
 * its ELCR bit (1 = level); IRQs 0, 1, 2, 8 and 13 are always edge-triggered.
 *
 * Model choices:
 * - An edge-triggered request stays latched in IRR until acknowledged or cleared by ICW1,
 *   even when its input falls first: a device model signals an edge as a pulse (set_irq
 *   true, then false), where the datasheet wants the input held high until the first
 *   INTA. The input must still fall before it can request again. A level-triggered
 *   request follows its input: one that falls before the acknowledge gives a spurious
 *   IR7 (IR15 on the slave, with IR2 then in the master's ISR).
 * - The master's IR2 latches on a rising edge of the slave's output and is cleared by the
 *   acknowledge; after an acknowledge through the cascade, a slave that still requests
 *   (in automatic EOI mode) raises IR2 anew.
 * - ICW1 also clears ISR and the OCW2 "rotate in automatic EOI" flag (the datasheet lists
 *   what ICW1 resets and is silent on them); a chip between ICW1 and its last ICW
 *   requests no interrupt.
 * - In special mask mode an in-service level whose mask bit is set no longer blocks lower
 *   levels, and a non-specific EOI ignores it; in-service levels left unmasked still do.
 *
 * Not modelled:
 * - MCS-80/85 mode (ICW4 bit 0 clear, or no ICW4): the acknowledge gives the vector as in
 *   8086 mode; ICW1's call address interval and A7-A5 are ignored;
 * - ICW1's LTIM bit: stored nowhere, the ELCR decides each input's trigger as on PIIX/ICH;
 * - buffered mode (ICW4 bits 2-3): ignored;
 * - ICW3 beyond the PC wiring: the master's bit 2 (with SNGL clear) makes IR2 a cascade
 *   input, its other bits are ignored; the slave answers whatever ID it was given;
 * - ISA IRQ 2 (i8259_set_irq ignores it: the master's IR2 is the slave's output);
 * - time: everything happens at once, there are no INTA pulses. */
#ifndef KEEL_VMM_DEV_I8259_H
#define KEEL_VMM_DEV_I8259_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/device.h"

#define I8259_PORTS 2 /* in each of the three ranges */
#define I8259_IRQS 16 /* ISA IRQs 0-7 on the master, 8-15 on the slave */

/* One 8259A. */
struct i8259_chip {
	uint8_t lines;       /* the IR inputs' levels; the master's bit 2 is the slave's output */
	uint8_t edge_irr;    /* IRR of the edge-triggered inputs: requests latched on rising edges */
	uint8_t elcr;        /* 1 = level-triggered */
	uint8_t isr;
	uint8_t imr;
	uint8_t vector_base; /* ICW2 bits 7-3 */
	uint8_t icw3;        /* the master: inputs with a slave; the slave: its ID */
	uint8_t lowest;      /* the IR of lowest priority: 7 for fixed priority */
	uint8_t next_icw;    /* 2, 3 or 4 during initialization: the ICW awaited; else 0 */
	bool single;         /* ICW1 SNGL: no ICW3, no cascade */
	bool ic4;            /* ICW1 IC4: ICW4 follows */
	bool aeoi;           /* ICW4 automatic EOI */
	bool sfnm;           /* ICW4 special fully nested mode */
	bool rotate_aeoi;    /* OCW2: rotate in automatic EOI mode */
	bool special_mask;   /* OCW3 special mask mode */
	bool read_isr;       /* OCW3: reading A0 = 0 gives ISR, not IRR */
	bool poll;           /* OCW3 poll: the next read is the poll answer */
};

struct i8259 {
	struct i8259_chip master, slave;
	bool intr;           /* the master's INT output */
	struct device_env env;
};

/* Power-on state as a PC BIOS leaves the pair, since Keel starts guests without one:
 * initialized by ICW1-ICW4 (cascade on IR2, 8086 mode, normal EOI), vector bases 0x08 and
 * 0x70, every input masked but the master's IR2, ELCR all edge, no requests. env is
 * copied; env->set_irq may be NULL; now_ns and set_deadline are not used. Makes no call:
 * INT starts low. */
void i8259_init(struct i8259 *pic, const struct device_env *env);

/* ISA IRQ irq's input line (0-15) is now at level. IRQ 2 and irq > 15 are ignored. */
void i8259_set_irq(struct i8259 *pic, unsigned irq, bool level);

/* The CPU's interrupt acknowledge: the vector (ICW2 base + IR, through the slave for the
 * master's IR2), the request moved from IRR to ISR (not in automatic EOI mode). With no
 * request left to give, the spurious vector base + 7, no ISR bit set. */
int i8259_ack(struct i8259 *pic);

/* Whether the master's INT output is asserted. */
bool i8259_intr(const struct i8259 *pic);

/* The ports: offset 0 is A0 = 0 (ICW1, OCW2, OCW3; reads IRR or ISR), offset 1 is A0 = 1
 * (ICW2-ICW4, OCW1; reads IMR); after an OCW3 poll command, the next read of either is
 * the poll answer: 0x80 | IR with the request acknowledged, or 0 with none. */
uint64_t i8259_master_read(void *pic, uint64_t offset, unsigned size);
void i8259_master_write(void *pic, uint64_t offset, unsigned size, uint64_t value);
uint64_t i8259_slave_read(void *pic, uint64_t offset, unsigned size);
void i8259_slave_write(void *pic, uint64_t offset, unsigned size, uint64_t value);
/* Offset 0: IRQs 0-7, offset 1: IRQs 8-15, a bit each, 1 = level-triggered. */
uint64_t i8259_elcr_read(void *pic, uint64_t offset, unsigned size);
void i8259_elcr_write(void *pic, uint64_t offset, unsigned size, uint64_t value);

#endif
