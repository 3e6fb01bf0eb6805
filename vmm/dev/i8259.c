/* The pair of 8259A PICs and the ELCR (see i8259.h). Command words, bits and reset
 * actions follow the Intel 8259A datasheet: "Initialization Command Words", "Operation
 * Command Words", "End of Interrupt", "Automatic Rotation", "Special Mask Mode", "Poll
 * Command", "Special Fully Nested Mode" and "Interrupt Sequence", cited below by section.
 * The ELCR follows the PIIX4 and ICH datasheets (ELCR1 and ELCR2). */
#include "vmm/dev/i8259.h"

#define CASCADE_IR 2  /* the slave's output on the master */
#define SPURIOUS_IR 7 /* what a chip gives when nothing requests at the acknowledge */
#define NO_IR (-1)

#define ICW1 0x10        /* A0 = 0, D4 = 1 */
#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW2_BASE 0xf8   /* T7-T3 in 8086 mode */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define OCW3 0x08        /* A0 = 0, D4 = 0, D3 = 1 (D3 = 0: OCW2) */
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40
#define POLL_INTERRUPT 0x80

/* OCW2 bits 7-5: R, SL, EOI. */
enum ocw2_command {
	OCW2_ROTATE_AEOI_CLEAR = 0,
	OCW2_EOI = 1,
	OCW2_NOP = 2,
	OCW2_SPECIFIC_EOI = 3,
	OCW2_ROTATE_AEOI_SET = 4,
	OCW2_ROTATE_EOI = 5,
	OCW2_SET_PRIORITY = 6,
	OCW2_ROTATE_SPECIFIC_EOI = 7,
};

/* The ELCR bits that can be set: IRQs 0, 1, 2 (master) and 8, 13 (slave) are always
 * edge-triggered, their bits read 0. */
#define ELCR_MASTER_WRITABLE 0xf8
#define ELCR_SLAVE_WRITABLE 0xde

enum port_range { RANGE_MASTER, RANGE_SLAVE, RANGE_ELCR };

static uint8_t bit(int ir)
{
	return (uint8_t)(1u << ir);
}

/* 0 is the highest priority, 7 the lowest: the IR after the lowest one is the highest
 * ("Automatic Rotation"). */
static unsigned priority(const struct i8259_chip *c, int ir)
{
	return ((unsigned)ir - c->lowest - 1) & 7;
}

/* The IR of highest priority among those set in bits, or NO_IR. */
static int highest(const struct i8259_chip *c, uint8_t bits)
{
	for (unsigned p = 0; p < 8; p++) {
		int ir = (int)((c->lowest + 1 + p) & 7);
		if (bits & bit(ir))
			return ir;
	}
	return NO_IR;
}

static uint8_t irr(const struct i8259_chip *c)
{
	return c->edge_irr | (c->lines & c->elcr);
}

/* The in-service levels that hold off others: in special mask mode, not the masked ones
 * ("Special Mask Mode"). A non-specific EOI clears the highest of these ("End of
 * Interrupt": IS bits masked by an IMR bit are not cleared in special mask mode). */
static uint8_t isr_in_force(const struct i8259_chip *c)
{
	return c->special_mask ? c->isr & ~c->imr : c->isr;
}

/* The IR the chip asks the CPU to serve (its INT output is high while there is one), or
 * NO_IR: the unmasked request of highest priority, if that priority is above every level
 * in service. In special fully nested mode the master also lets IR2 through while IR2 is
 * in service, for a higher-priority request on the slave ("Special Fully Nested Mode"). */
static int request(const struct i8259_chip *c, bool master)
{
	if (c->next_icw)
		return NO_IR;
	int ir = highest(c, irr(c) & ~c->imr);
	if (ir == NO_IR)
		return NO_IR;
	int serving = highest(c, isr_in_force(c));
	if (serving == NO_IR || priority(c, ir) < priority(c, serving))
		return ir;
	if (master && c->sfnm && ir == CASCADE_IR && serving == CASCADE_IR)
		return ir;
	return NO_IR;
}

static bool cascade_on_ir2(const struct i8259_chip *master)
{
	return !master->single && (master->icw3 & bit(CASCADE_IR));
}

/* An IR input is now at level; on an edge-triggered input a rising edge latches a
 * request in IRR. */
static void set_input(struct i8259_chip *c, int ir, bool level)
{
	uint8_t b = bit(ir);
	if (level && !(c->lines & b) && !(c->elcr & b))
		c->edge_irr |= b;
	if (level)
		c->lines |= b;
	else
		c->lines &= (uint8_t)~b;
}

/* The slave's output reaches the master's IR2; the master's output goes to the platform
 * when it changes. Called after anything that may change a request. */
static void update(struct i8259 *pic)
{
	set_input(&pic->master, CASCADE_IR, request(&pic->slave, false) != NO_IR);
	bool intr = request(&pic->master, true) != NO_IR;
	if (intr == pic->intr)
		return;
	pic->intr = intr;
	if (pic->env.set_irq)
		pic->env.set_irq(pic->env.ctx, 0, intr);
}

/* The acknowledge of a request on one chip: IRR to ISR; in automatic EOI mode the ISR bit
 * is reset at the end of the acknowledge, rotating if so commanded ("Interrupt
 * Sequence", "Automatic Rotation"). */
static void acknowledge(struct i8259_chip *c, int ir)
{
	c->edge_irr &= (uint8_t)~bit(ir);
	if (!c->aeoi)
		c->isr |= bit(ir);
	else if (c->rotate_aeoi)
		c->lowest = (uint8_t)ir;
}

/* ICW1: the chip forgets its requests and modes and awaits ICW2 (and ICW3, ICW4 as
 * ICW1 says): the edge sense is reset, so an edge input must rise again; IMR is cleared;
 * IR7 is the lowest priority; special mask mode is off; reads give IRR; without IC4 the
 * ICW4 functions are cleared ("Initialization Command Words"). ISR and the poll and
 * rotate-in-AEOI commands are cleared too (see i8259.h). */
static void write_icw1(struct i8259_chip *c, uint8_t value)
{
	c->edge_irr = 0;
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->aeoi = false;
	c->sfnm = false;
	c->rotate_aeoi = false;
	c->single = value & ICW1_SNGL;
	c->ic4 = value & ICW1_IC4;
	c->next_icw = 2;
}

/* ICW2, ICW3, ICW4 in turn: ICW3 only in cascade mode, ICW4 only if ICW1 asked for it. */
static void write_icw(struct i8259_chip *c, uint8_t value)
{
	switch (c->next_icw) {
	case 2:
		c->vector_base = value & ICW2_BASE;
		c->next_icw = !c->single ? 3 : c->ic4 ? 4 : 0;
		break;
	case 3:
		c->icw3 = value;
		c->next_icw = c->ic4 ? 4 : 0;
		break;
	default:
		c->aeoi = value & ICW4_AEOI;
		c->sfnm = value & ICW4_SFNM;
		c->next_icw = 0;
		break;
	}
}

static void write_ocw2(struct i8259_chip *c, uint8_t value)
{
	int level = value & 7;
	int serving = highest(c, isr_in_force(c));

	switch ((enum ocw2_command)(value >> 5)) {
	case OCW2_EOI:
		if (serving != NO_IR)
			c->isr &= (uint8_t)~bit(serving);
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= (uint8_t)~bit(level);
		break;
	case OCW2_ROTATE_EOI:
		/* the level served becomes the lowest ("Automatic Rotation") */
		if (serving != NO_IR) {
			c->isr &= (uint8_t)~bit(serving);
			c->lowest = (uint8_t)serving;
		}
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= (uint8_t)~bit(level);
		c->lowest = (uint8_t)level;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = (uint8_t)level;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_aeoi = true;
		break;
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_aeoi = false;
		break;
	case OCW2_NOP:
		break;
	}
}

/* OCW3: SMM counts only with ESMM; a poll command overrides a read register command
 * given with it ("Poll Command"). */
static void write_ocw3(struct i8259_chip *c, uint8_t value)
{
	if (value & OCW3_ESMM)
		c->special_mask = value & OCW3_SMM;
	if (value & OCW3_POLL)
		c->poll = true;
	else if (value & OCW3_RR)
		c->read_isr = value & OCW3_RIS;
}

/* The read after a poll command acts as an acknowledge and tells the IR served, bit 7
 * set; with no request, 0 ("Poll Command"). */
static uint8_t read_poll(struct i8259 *pic, struct i8259_chip *c, bool master)
{
	c->poll = false;
	int ir = request(c, master);
	if (ir == NO_IR)
		return 0;
	acknowledge(c, ir);
	update(pic);
	return POLL_INTERRUPT | (uint8_t)ir;
}

static uint8_t read_chip(struct i8259 *pic, bool master, unsigned port)
{
	struct i8259_chip *c = master ? &pic->master : &pic->slave;
	if (c->poll)
		return read_poll(pic, c, master);
	if (port == 1)
		return c->imr;
	return c->read_isr ? c->isr : irr(c);
}

static void write_chip(struct i8259 *pic, bool master, unsigned port, uint8_t value)
{
	struct i8259_chip *c = master ? &pic->master : &pic->slave;
	if (port == 1 && c->next_icw)
		write_icw(c, value);
	else if (port == 1)
		c->imr = value; /* OCW1 */
	else if (value & ICW1)
		write_icw1(c, value);
	else if (value & OCW3)
		write_ocw3(c, value);
	else
		write_ocw2(c, value);
	update(pic);
}

/* A bit turned to level-triggered requests while its input is high and drops the edge
 * latched before; one turned to edge-triggered waits for a rising edge. */
static void write_elcr(struct i8259 *pic, unsigned port, uint8_t value)
{
	struct i8259_chip *c = port == 0 ? &pic->master : &pic->slave;
	c->elcr = value & (port == 0 ? ELCR_MASTER_WRITABLE : ELCR_SLAVE_WRITABLE);
	c->edge_irr &= (uint8_t)~c->elcr;
	update(pic);
}

static uint8_t read_port(struct i8259 *pic, enum port_range range, unsigned port)
{
	switch (range) {
	case RANGE_MASTER:
		return read_chip(pic, true, port);
	case RANGE_SLAVE:
		return read_chip(pic, false, port);
	default:
		return port == 0 ? pic->master.elcr : pic->slave.elcr;
	}
}

static void write_port(struct i8259 *pic, enum port_range range, unsigned port, uint8_t value)
{
	switch (range) {
	case RANGE_MASTER:
		write_chip(pic, true, port, value);
		break;
	case RANGE_SLAVE:
		write_chip(pic, false, port, value);
		break;
	default:
		write_elcr(pic, port, value);
		break;
	}
}

static bool in_range(uint64_t offset, unsigned i)
{
	return offset < I8259_PORTS && offset + i < I8259_PORTS;
}

/* An access of size bytes: one port a byte, upward from offset, as a byte-wide ISA
 * device; bytes past the range float high. */
static uint64_t read_bytes(struct i8259 *pic, enum port_range range, uint64_t offset, unsigned size)
{
	uint64_t value = 0;
	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t byte = in_range(offset, i) ? read_port(pic, range, (unsigned)(offset + i)) : 0xff;
		value |= byte << (8 * i);
	}
	return value;
}

static void write_bytes(struct i8259 *pic, enum port_range range, uint64_t offset, unsigned size, uint64_t value)
{
	for (unsigned i = 0; i < size && i < 8; i++)
		if (in_range(offset, i))
			write_port(pic, range, (unsigned)(offset + i), (uint8_t)(value >> (8 * i)));
}

/* As a PC BIOS leaves the chips: ICW1 0x11 (cascade, ICW4), ICW2 0x08 / 0x70, ICW3 0x04
 * / 0x02, ICW4 0x01 (8086 mode), then all masked but the cascade. */
static void bios_programmed(struct i8259_chip *c, uint8_t vector_base, uint8_t icw3, uint8_t imr)
{
	*c = (struct i8259_chip){
		.vector_base = vector_base,
		.icw3 = icw3,
		.imr = imr,
		.lowest = 7,
		.ic4 = true,
	};
}

void i8259_init(struct i8259 *pic, const struct device_env *env)
{
	bios_programmed(&pic->master, 0x08, bit(CASCADE_IR), (uint8_t)~bit(CASCADE_IR));
	bios_programmed(&pic->slave, 0x70, CASCADE_IR, 0xff);
	pic->intr = false;
	pic->env = *env;
}

void i8259_set_irq(struct i8259 *pic, unsigned irq, bool level)
{
	if (irq >= I8259_IRQS || irq == CASCADE_IR)
		return;
	if (irq < 8)
		set_input(&pic->master, (int)irq, level);
	else
		set_input(&pic->slave, (int)irq - 8, level);
	update(pic);
}

/* The two INTA cycles: the master resolves; for a cascade input the slave gives the
 * vector ("Interrupt Sequence"). A chip with no request left gives IR7 and sets no ISR
 * bit; for a spurious IR15 the master's IR2 is in service all the same. */
int i8259_ack(struct i8259 *pic)
{
	struct i8259_chip *master = &pic->master, *slave = &pic->slave;
	int vector;
	int ir = request(master, true);

	if (ir == NO_IR) {
		vector = master->vector_base + SPURIOUS_IR;
	} else if (ir == CASCADE_IR && cascade_on_ir2(master)) {
		acknowledge(master, ir);
		int slave_ir = request(slave, false);
		if (slave_ir == NO_IR) {
			vector = slave->vector_base + SPURIOUS_IR;
		} else {
			acknowledge(slave, slave_ir);
			vector = slave->vector_base + slave_ir;
		}
		/* The acknowledge ends the slave's request on IR2: a slave still requesting
		 * raises it anew in update(). */
		master->lines &= (uint8_t)~bit(CASCADE_IR);
	} else {
		acknowledge(master, ir);
		vector = master->vector_base + ir;
	}
	update(pic);
	return vector;
}

bool i8259_intr(const struct i8259 *pic)
{
	return pic->intr;
}

uint64_t i8259_master_read(void *pic, uint64_t offset, unsigned size)
{
	return read_bytes(pic, RANGE_MASTER, offset, size);
}

void i8259_master_write(void *pic, uint64_t offset, unsigned size, uint64_t value)
{
	write_bytes(pic, RANGE_MASTER, offset, size, value);
}

uint64_t i8259_slave_read(void *pic, uint64_t offset, unsigned size)
{
	return read_bytes(pic, RANGE_SLAVE, offset, size);
}

void i8259_slave_write(void *pic, uint64_t offset, unsigned size, uint64_t value)
{
	write_bytes(pic, RANGE_SLAVE, offset, size, value);
}

uint64_t i8259_elcr_read(void *pic, uint64_t offset, unsigned size)
{
	return read_bytes(pic, RANGE_ELCR, offset, size);
}

void i8259_elcr_write(void *pic, uint64_t offset, unsigned size, uint64_t value)
{
	write_bytes(pic, RANGE_ELCR, offset, size, value);
}
