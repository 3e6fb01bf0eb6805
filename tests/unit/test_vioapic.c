#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/vioapic.h"

/* Offsets and bits spelled out here rather than shared with the model. */
enum {
	IOREGSEL = 0x00,
	IOWIN = 0x10,
	EOIR = 0x40,
	REG_ID = 0x00,
	REG_VERSION = 0x01,
	REG_ARB = 0x02,
};

#define MASKED 0x10000u
#define LEVEL 0x8000u
#define REMOTE_IRR 0x4000u
#define ACTIVE_LOW 0x2000u
#define LOGICAL 0x800u
#define MODE(m) ((uint32_t)(m) << 8)
#define DEST(d) ((uint32_t)(d) << 24)

/* The messages the I/O APIC sent, one by one. */
struct message {
	uint8_t vector, mode, destination;
	bool logical, level;
};

struct apics {
	struct message sent[32];
	size_t count;
	size_t checked; /* how many expect() has looked at */
};

static void record(void *ctx, uint8_t vector, uint8_t delivery_mode, bool logical, uint8_t destination, bool level)
{
	struct apics *a = ctx;
	assert_true(a->count < sizeof(a->sent) / sizeof(a->sent[0]));
	a->sent[a->count++] = (struct message){ vector, delivery_mode, destination, logical, level };
}

/* The next message is this one. */
static void expect(struct apics *a, uint8_t vector, uint8_t mode, bool logical, uint8_t destination, bool level)
{
	assert_true(a->checked < a->count);
	const struct message *m = &a->sent[a->checked++];
	assert_int_equal(m->vector, vector);
	assert_int_equal(m->mode, mode);
	assert_int_equal(m->logical, logical);
	assert_int_equal(m->destination, destination);
	assert_int_equal(m->level, level);
}

/* No message beyond those checked. */
static void expect_none(const struct apics *a)
{
	assert_int_equal(a->count, a->checked);
}

static void start(struct vioapic *io, struct apics *a, uint8_t id)
{
	*a = (struct apics){ 0 };
	const struct vioapic_env env = { .dev = { .ctx = a }, .deliver = record };
	vioapic_init(io, id, &env);
}

static uint32_t rd32(struct vioapic *io, uint64_t offset)
{
	uint64_t value = vioapic_read(io, offset, 4);
	assert_true(value <= 0xffffffffu);
	return (uint32_t)value;
}

static void wr32(struct vioapic *io, uint64_t offset, uint32_t value)
{
	vioapic_write(io, offset, 4, value);
}

static uint32_t reg_read(struct vioapic *io, uint8_t reg)
{
	wr32(io, IOREGSEL, reg);
	return rd32(io, IOWIN);
}

static void reg_write(struct vioapic *io, uint8_t reg, uint32_t value)
{
	wr32(io, IOREGSEL, reg);
	wr32(io, IOWIN, value);
}

/* As Linux does: the high dword (destination), then the low one. */
static void set_entry(struct vioapic *io, unsigned pin, uint32_t low, uint32_t high)
{
	reg_write(io, (uint8_t)(0x11 + 2 * pin), high);
	reg_write(io, (uint8_t)(0x10 + 2 * pin), low);
}

static uint32_t entry_low(struct vioapic *io, unsigned pin)
{
	return reg_read(io, (uint8_t)(0x10 + 2 * pin));
}

static uint32_t entry_high(struct vioapic *io, unsigned pin)
{
	return reg_read(io, (uint8_t)(0x11 + 2 * pin));
}

static void pulse(struct vioapic *io, unsigned pin)
{
	vioapic_set_irq(io, pin, true);
	vioapic_set_irq(io, pin, false);
}

static void reset_state(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 2);
	assert_int_equal(rd32(&io, IOREGSEL), 0);
	assert_int_equal(reg_read(&io, REG_ID), 0x02000000);
	assert_int_equal(reg_read(&io, REG_VERSION), 0x00170020);
	assert_int_equal(reg_read(&io, REG_ARB), 0x02000000);
	for (unsigned pin = 0; pin < 24; pin++) {
		assert_int_equal(entry_low(&io, pin), MASKED);
		assert_int_equal(entry_high(&io, pin), 0);
	}
	/* masked: pins send nothing */
	for (unsigned pin = 0; pin < 24; pin++)
		pulse(&io, pin);
	expect_none(&a);
	/* the ID keeps 4 bits */
	start(&io, &a, 0x1f);
	assert_int_equal(reg_read(&io, REG_ID), 0x0f000000);
}

static void id_version_arbitration(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	reg_write(&io, REG_ID, 0xffffffff);
	assert_int_equal(reg_read(&io, REG_ID), 0x0f000000);
	assert_int_equal(reg_read(&io, REG_ARB), 0x0f000000);
	reg_write(&io, REG_ID, 0x05000000);
	assert_int_equal(reg_read(&io, REG_ID), 0x05000000);
	assert_int_equal(reg_read(&io, REG_ARB), 0x05000000);
	/* version and arbitration are read-only */
	reg_write(&io, REG_VERSION, 0);
	reg_write(&io, REG_ARB, 0x0a000000);
	assert_int_equal(reg_read(&io, REG_VERSION), 0x00170020);
	assert_int_equal(reg_read(&io, REG_ARB), 0x05000000);
	assert_int_equal(reg_read(&io, REG_ID), 0x05000000);
}

static void redirection_entry_bits(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	/* all ones: delivery status (12), remote IRR (14) and 31-17 stay 0; in the high
	 * dword only the destination is kept */
	set_entry(&io, 7, 0xffffffff, 0xffffffff);
	assert_int_equal(entry_low(&io, 7), 0x0001afff);
	assert_int_equal(entry_high(&io, 7), 0xff000000);
	set_entry(&io, 7, 0x00005000, 0x00ffffff);
	assert_int_equal(entry_low(&io, 7), 0x00000000);
	assert_int_equal(entry_high(&io, 7), 0x00000000);
	/* each entry its own pair of registers */
	for (unsigned pin = 0; pin < 24; pin++)
		set_entry(&io, pin, MASKED | (0x20 + pin), DEST(pin * 3));
	for (unsigned pin = 0; pin < 24; pin++) {
		assert_int_equal(entry_low(&io, pin), MASKED | (0x20 + pin));
		assert_int_equal(entry_high(&io, pin), DEST(pin * 3));
	}
	expect_none(&a);
}

static void ioregsel_keeps_8_bits(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 0, MASKED | 0x31, DEST(0x44));
	wr32(&io, IOREGSEL, 0xabcdef11);
	assert_int_equal(rd32(&io, IOREGSEL), 0x11);
	assert_int_equal(rd32(&io, IOWIN), DEST(0x44));
	wr32(&io, IOREGSEL, 0x00000110);
	assert_int_equal(rd32(&io, IOREGSEL), 0x10);
	assert_int_equal(rd32(&io, IOWIN), MASKED | 0x31);
}

/* A snapshot of every register there is. */
struct registers {
	uint32_t id, version, arb, low[24], high[24];
};

static void snapshot(struct vioapic *io, struct registers *r)
{
	r->id = reg_read(io, REG_ID);
	r->version = reg_read(io, REG_VERSION);
	r->arb = reg_read(io, REG_ARB);
	for (unsigned pin = 0; pin < 24; pin++) {
		r->low[pin] = entry_low(io, pin);
		r->high[pin] = entry_high(io, pin);
	}
}

static void nonexistent_registers(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 3);
	for (unsigned pin = 0; pin < 24; pin++)
		set_entry(&io, pin, MASKED | LEVEL | (0x40 + pin), DEST(pin));
	struct registers before, after;
	snapshot(&io, &before);
	static const uint8_t missing[] = { 0x03, 0x04, 0x0f, 0x40, 0x41, 0x80, 0xfe, 0xff };
	for (size_t i = 0; i < sizeof(missing); i++) {
		assert_int_equal(reg_read(&io, missing[i]), 0);
		reg_write(&io, missing[i], 0xffffffff);
		assert_int_equal(reg_read(&io, missing[i]), 0);
	}
	snapshot(&io, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	expect_none(&a);
}

static void mmio_access_sizes(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 1, MASKED | ACTIVE_LOW | 0x321, DEST(0x87)); /* 0x00012321 */
	wr32(&io, IOREGSEL, 0x12);
	/* reads: the bytes of the dwords covered */
	assert_int_equal(vioapic_read(&io, IOREGSEL, 1), 0x12);
	assert_int_equal(vioapic_read(&io, IOREGSEL, 2), 0x0012);
	assert_int_equal(vioapic_read(&io, IOREGSEL + 1, 1), 0x00);
	assert_int_equal(vioapic_read(&io, IOWIN, 1), 0x21);
	assert_int_equal(vioapic_read(&io, IOWIN + 1, 1), 0x23);
	assert_int_equal(vioapic_read(&io, IOWIN + 2, 2), 0x0001);
	assert_int_equal(vioapic_read(&io, IOWIN + 1, 4), 0x00000123); /* and 0x14: 0 */
	assert_int_equal(vioapic_read(&io, IOWIN - 2, 4), 0x23210000);
	assert_int_equal(vioapic_read(&io, IOWIN, 8), 0x0000000000012321ull);
	assert_int_equal(vioapic_read(&io, IOREGSEL, 8), 0x12);
	assert_int_equal(vioapic_read(&io, EOIR, 4), 0);
	assert_int_equal(vioapic_read(&io, 0x20, 4), 0);
	assert_int_equal(vioapic_read(&io, 0xffc, 4), 0);

	/* IOWIN takes only aligned dwords */
	vioapic_write(&io, IOWIN, 1, 0xff);
	vioapic_write(&io, IOWIN, 2, 0xffff);
	vioapic_write(&io, IOWIN, 8, ~0ull);
	vioapic_write(&io, IOWIN + 1, 4, 0xffffffff);
	vioapic_write(&io, IOWIN - 1, 4, 0xffffffff);
	assert_int_equal(entry_low(&io, 1), 0x00012321);
	/* IOREGSEL takes a byte, or the low byte of a wider write; not its upper bytes */
	vioapic_write(&io, IOREGSEL, 1, 0x13);
	assert_int_equal(rd32(&io, IOWIN), DEST(0x87));
	vioapic_write(&io, IOREGSEL, 2, 0x0112);
	assert_int_equal(rd32(&io, IOREGSEL), 0x12);
	vioapic_write(&io, IOREGSEL, 8, 0xffffffff00000013ull);
	assert_int_equal(rd32(&io, IOREGSEL), 0x13);
	vioapic_write(&io, IOREGSEL + 1, 1, 0x10);
	assert_int_equal(rd32(&io, IOREGSEL), 0x13);
	/* elsewhere, writes go nowhere */
	vioapic_write(&io, 0x20, 4, 0x10);
	vioapic_write(&io, 0x30, 4, 0x10);
	vioapic_write(&io, 0xffc, 4, 0x10);
	assert_int_equal(rd32(&io, IOREGSEL), 0x13);
	assert_int_equal(entry_low(&io, 1), 0x00012321);
	expect_none(&a);
}

static void delivery_modes_pass_through(void **state)
{
	(void)state;
	static const struct {
		uint8_t mode, vector, destination;
		bool logical;
	} cases[] = {
		{ 0, 0x31, 0x01, false }, /* fixed */
		{ 1, 0x42, 0x0f, true },  /* lowest priority */
		{ 2, 0x00, 0x02, false }, /* SMI */
		{ 4, 0x00, 0xff, false }, /* NMI */
		{ 5, 0x00, 0x03, true },  /* INIT */
		{ 7, 0x00, 0x00, false }, /* ExtINT */
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct apics a;
		struct vioapic io;
		start(&io, &a, 0);
		set_entry(&io, 9, MODE(cases[c].mode) | (cases[c].logical ? LOGICAL : 0) | cases[c].vector,
			  DEST(cases[c].destination));
		expect_none(&a);
		pulse(&io, 9);
		expect(&a, cases[c].vector, cases[c].mode, cases[c].logical, cases[c].destination, false);
		expect_none(&a);
		assert_int_equal(entry_low(&io, 9) & REMOTE_IRR, 0);
	}
	/* the vector field is passed as it is, whatever the mode */
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 9, MODE(4) | 0x99, DEST(1));
	pulse(&io, 9);
	expect(&a, 0x99, 4, false, 1, false);
}

static void level_only_for_fixed_and_lowest_priority(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	/* SMI, NMI, INIT, ExtINT with the level bit: sent as edges, no remote IRR */
	static const uint8_t edge_only[] = { 2, 4, 5, 7 };
	for (size_t i = 0; i < sizeof(edge_only); i++) {
		set_entry(&io, 3, LEVEL | MODE(edge_only[i]), DEST(1));
		vioapic_set_irq(&io, 3, true);
		expect(&a, 0, edge_only[i], false, 1, false);
		assert_int_equal(entry_low(&io, 3), LEVEL | MODE(edge_only[i]));
		vioapic_set_irq(&io, 3, true);
		expect_none(&a);
		vioapic_set_irq(&io, 3, false);
		expect_none(&a);
	}
	/* lowest priority can be level-triggered */
	set_entry(&io, 3, LEVEL | MODE(1) | LOGICAL | 0x51, DEST(0x0c));
	vioapic_set_irq(&io, 3, true);
	expect(&a, 0x51, 1, true, 0x0c, true);
	assert_int_equal(entry_low(&io, 3), LEVEL | REMOTE_IRR | MODE(1) | LOGICAL | 0x51);
	expect_none(&a);
}

static void reserved_modes_send_nothing(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 4, MODE(3) | 0x30, 0);
	set_entry(&io, 5, MODE(6) | 0x30, 0);
	set_entry(&io, 6, MODE(3) | LEVEL | 0x30, 0);
	pulse(&io, 4);
	pulse(&io, 5);
	vioapic_set_irq(&io, 6, true);
	expect_none(&a);
	assert_int_equal(entry_low(&io, 6) & REMOTE_IRR, 0);
}

static void edge_triggered(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 4, 0x34, DEST(0));
	vioapic_set_irq(&io, 4, true);
	expect(&a, 0x34, 0, false, 0, false);
	vioapic_set_irq(&io, 4, true); /* no edge */
	vioapic_set_irq(&io, 4, false);
	expect_none(&a);
	vioapic_set_irq(&io, 4, true);
	expect(&a, 0x34, 0, false, 0, false);
	assert_int_equal(entry_low(&io, 4), 0x34);
	/* an EOI of its vector changes nothing */
	vioapic_eoi(&io, 0x34);
	expect_none(&a);
	/* an edge entry reaches its destination as it stands at the edge */
	vioapic_set_irq(&io, 4, false);
	set_entry(&io, 4, LOGICAL | 0x35, DEST(0xa5));
	expect_none(&a);
	pulse(&io, 4);
	expect(&a, 0x35, 0, true, 0xa5, false);
	expect_none(&a);
}

static void polarity(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	/* active-low edge: the line falling is the edge */
	vioapic_set_irq(&io, 10, true);
	set_entry(&io, 10, ACTIVE_LOW | 0x3a, DEST(0));
	expect_none(&a);
	vioapic_set_irq(&io, 10, false);
	expect(&a, 0x3a, 0, false, 0, false);
	vioapic_set_irq(&io, 10, true);
	expect_none(&a);
	/* the polarity changed makes no edge */
	set_entry(&io, 10, 0x3a, DEST(0));
	expect_none(&a);

	/* active-low level: asserted while low */
	vioapic_set_irq(&io, 11, true);
	set_entry(&io, 11, ACTIVE_LOW | LEVEL | 0x3b, DEST(1));
	expect_none(&a);
	vioapic_set_irq(&io, 11, false);
	expect(&a, 0x3b, 0, false, 1, true);
	vioapic_set_irq(&io, 11, true);
	vioapic_eoi(&io, 0x3b);
	expect_none(&a);
	assert_int_equal(entry_low(&io, 11) & REMOTE_IRR, 0);
	/* a level entry rewritten so that its pin is asserted sends */
	set_entry(&io, 11, LEVEL | 0x3b, DEST(1));
	expect(&a, 0x3b, 0, false, 1, true);
	expect_none(&a);
}

static void level_remote_irr_lifecycle(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 16, LEVEL | 0x61, DEST(2));
	vioapic_set_irq(&io, 16, true);
	expect(&a, 0x61, 0, false, 2, true);
	assert_int_equal(entry_low(&io, 16), LEVEL | REMOTE_IRR | 0x61);
	/* while remote IRR is set nothing more is sent */
	vioapic_set_irq(&io, 16, true);
	vioapic_set_irq(&io, 16, false);
	vioapic_set_irq(&io, 16, true);
	expect_none(&a);
	/* an EOI of another vector changes nothing */
	vioapic_eoi(&io, 0x62);
	assert_int_equal(entry_low(&io, 16), LEVEL | REMOTE_IRR | 0x61);
	expect_none(&a);
	/* EOI with the pin still asserted: sent again */
	vioapic_eoi(&io, 0x61);
	expect(&a, 0x61, 0, false, 2, true);
	assert_int_equal(entry_low(&io, 16), LEVEL | REMOTE_IRR | 0x61);
	/* the pin deasserted, then EOI: remote IRR clear, nothing sent */
	vioapic_set_irq(&io, 16, false);
	expect_none(&a);
	vioapic_eoi(&io, 0x61);
	expect_none(&a);
	assert_int_equal(entry_low(&io, 16), LEVEL | 0x61);
	/* asserted again: sent */
	vioapic_set_irq(&io, 16, true);
	expect(&a, 0x61, 0, false, 2, true);
	expect_none(&a);
}

static void eoi_register(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 17, LEVEL | 0x71, DEST(3));
	vioapic_set_irq(&io, 17, true);
	expect(&a, 0x71, 0, false, 3, true);
	wr32(&io, EOIR, 0x72);
	expect_none(&a);
	assert_int_equal(entry_low(&io, 17) & REMOTE_IRR, REMOTE_IRR);
	/* only bits 7-0 are the vector */
	wr32(&io, EOIR, 0xffffff71);
	expect(&a, 0x71, 0, false, 3, true);
	vioapic_set_irq(&io, 17, false);
	vioapic_write(&io, EOIR, 1, 0x71);
	expect_none(&a);
	assert_int_equal(entry_low(&io, 17), LEVEL | 0x71);
	/* the EOI register reads 0 and writing it does not move IOREGSEL */
	wr32(&io, IOREGSEL, 0x22);
	wr32(&io, EOIR, 0x71);
	assert_int_equal(rd32(&io, EOIR), 0);
	assert_int_equal(rd32(&io, IOREGSEL), 0x22);
}

static void eoi_clears_every_entry_with_the_vector(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 18, LEVEL | 0x80, DEST(0));
	set_entry(&io, 19, LEVEL | 0x80, DEST(1));
	set_entry(&io, 20, LEVEL | 0x81, DEST(2));
	vioapic_set_irq(&io, 18, true);
	vioapic_set_irq(&io, 19, true);
	vioapic_set_irq(&io, 20, true);
	expect(&a, 0x80, 0, false, 0, true);
	expect(&a, 0x80, 0, false, 1, true);
	expect(&a, 0x81, 0, false, 2, true);
	vioapic_set_irq(&io, 18, false);
	vioapic_eoi(&io, 0x80);
	expect(&a, 0x80, 0, false, 1, true); /* pin 19 still asserted */
	expect_none(&a);
	assert_int_equal(entry_low(&io, 18) & REMOTE_IRR, 0);
	assert_int_equal(entry_low(&io, 19) & REMOTE_IRR, REMOTE_IRR);
	assert_int_equal(entry_low(&io, 20) & REMOTE_IRR, REMOTE_IRR);
}

static void masking_an_asserted_level_pin(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 12, MASKED | LEVEL | 0x52, DEST(4));
	vioapic_set_irq(&io, 12, true);
	expect_none(&a);
	/* unmasked while asserted: sent */
	set_entry(&io, 12, LEVEL | 0x52, DEST(4));
	expect(&a, 0x52, 0, false, 4, true);
	/* masked with remote IRR set: remote IRR stays until the EOI */
	set_entry(&io, 12, MASKED | LEVEL | 0x52, DEST(4));
	assert_int_equal(entry_low(&io, 12), MASKED | LEVEL | REMOTE_IRR | 0x52);
	vioapic_eoi(&io, 0x52);
	expect_none(&a);
	assert_int_equal(entry_low(&io, 12), MASKED | LEVEL | 0x52);
	/* unmasked, still asserted: sent again */
	set_entry(&io, 12, LEVEL | 0x52, DEST(4));
	expect(&a, 0x52, 0, false, 4, true);
	/* rewriting the entry as it is, remote IRR set: nothing more */
	set_entry(&io, 12, LEVEL | 0x52, DEST(4));
	expect_none(&a);
	/* a pin that went away while masked sends nothing when unmasked */
	vioapic_eoi(&io, 0x52);
	expect(&a, 0x52, 0, false, 4, true);
	set_entry(&io, 12, MASKED | LEVEL | 0x52, DEST(4));
	vioapic_set_irq(&io, 12, false);
	vioapic_eoi(&io, 0x52);
	set_entry(&io, 12, LEVEL | 0x52, DEST(4));
	expect_none(&a);
}

static void masked_edges_are_lost(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 1, MASKED | 0x41, DEST(0));
	pulse(&io, 1);
	vioapic_set_irq(&io, 1, true);
	set_entry(&io, 1, 0x41, DEST(0));
	expect_none(&a);
	vioapic_set_irq(&io, 1, false);
	vioapic_set_irq(&io, 1, true);
	expect(&a, 0x41, 0, false, 0, false);
	expect_none(&a);
}

static void rewriting_as_edge_clears_remote_irr(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 21, LEVEL | 0x91, DEST(5));
	vioapic_set_irq(&io, 21, true);
	expect(&a, 0x91, 0, false, 5, true);
	set_entry(&io, 21, MASKED | 0x91, DEST(5));
	assert_int_equal(entry_low(&io, 21), MASKED | 0x91);
	/* back to level, unmasked, the pin still asserted: sent */
	set_entry(&io, 21, LEVEL | 0x91, DEST(5));
	expect(&a, 0x91, 0, false, 5, true);
	assert_int_equal(entry_low(&io, 21), LEVEL | REMOTE_IRR | 0x91);
	/* remote IRR cannot be written */
	set_entry(&io, 21, LEVEL | 0x91, DEST(5));
	set_entry(&io, 22, LEVEL | REMOTE_IRR | 0x92, DEST(5));
	assert_int_equal(entry_low(&io, 22), LEVEL | 0x92);
	expect_none(&a);
}

static void destination_high_dword(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	set_entry(&io, 2, LEVEL | 0x23, DEST(0x10));
	/* writing the destination sends nothing, even with the pin asserted */
	vioapic_set_irq(&io, 2, true);
	expect(&a, 0x23, 0, false, 0x10, true);
	reg_write(&io, 0x15, DEST(0x20) | 0x00ff0000); /* bits 55-48: not kept */
	assert_int_equal(entry_high(&io, 2), DEST(0x20));
	expect_none(&a);
	vioapic_eoi(&io, 0x23);
	expect(&a, 0x23, 0, false, 0x20, true);
	expect_none(&a);
}

static void pin_out_of_range_ignored(void **state)
{
	(void)state;
	struct apics a;
	struct vioapic io;
	start(&io, &a, 0);
	for (unsigned pin = 0; pin < 24; pin++)
		set_entry(&io, pin, 0x20 + pin, 0);
	struct registers before, after;
	snapshot(&io, &before);
	vioapic_set_irq(&io, 24, true);
	vioapic_set_irq(&io, 32, true);
	vioapic_set_irq(&io, ~0u, true);
	expect_none(&a);
	snapshot(&io, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	/* the last pin works */
	pulse(&io, 23);
	expect(&a, 0x37, 0, false, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_state),
		cmocka_unit_test(id_version_arbitration),
		cmocka_unit_test(redirection_entry_bits),
		cmocka_unit_test(ioregsel_keeps_8_bits),
		cmocka_unit_test(nonexistent_registers),
		cmocka_unit_test(mmio_access_sizes),
		cmocka_unit_test(delivery_modes_pass_through),
		cmocka_unit_test(level_only_for_fixed_and_lowest_priority),
		cmocka_unit_test(reserved_modes_send_nothing),
		cmocka_unit_test(edge_triggered),
		cmocka_unit_test(polarity),
		cmocka_unit_test(level_remote_irr_lifecycle),
		cmocka_unit_test(eoi_register),
		cmocka_unit_test(eoi_clears_every_entry_with_the_vector),
		cmocka_unit_test(masking_an_asserted_level_pin),
		cmocka_unit_test(masked_edges_are_lost),
		cmocka_unit_test(rewriting_as_edge_clears_remote_irr),
		cmocka_unit_test(destination_high_dword),
		cmocka_unit_test(pin_out_of_range_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
