/* The fixture of the PIT tests: i8254_fixture.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/i8254_fixture.h"

void expect_irq(struct world *w, size_t count, const bool *levels)
{
	assert_int_equal(w->fake.irq_calls, count);
	for (size_t i = 0; i < count; i++)
		assert_int_equal(w->fake.levels[i], levels[i]);
	w->fake.irq_calls = 0;
}

void start(struct i8254 *pit, struct world *w)
{
	*w = (struct world){ .fake = { .now = T0, .deadline = NEVER } };
	const struct device_env env = { .ctx = w, .now_ns = fake_now,
					.set_deadline = fake_set_deadline, .set_irq = fake_set_irq };
	i8254_init(pit, &env);
}

/* The first ns at which `ticks` ticks of 1,193,182 Hz have passed since 0. */
uint64_t tick_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * 1000000000u + 1193181) / 1193182);
}

/* The clock at tick `ticks` of a count loaded at `load` (ns). */
void at_tick(struct world *w, uint64_t load, uint64_t ticks)
{
	w->fake.now = load + tick_ns(ticks);
}

/* The last ns before tick `ticks`. */
void before_tick(struct world *w, uint64_t load, uint64_t ticks)
{
	w->fake.now = load + tick_ns(ticks) - 1;
}

void outb(struct i8254 *pit, unsigned port, uint8_t value)
{
	if (port >= PC_PIT && port < PC_PIT + I8254_PORTS)
		i8254_write(pit, port - PC_PIT, 1, value);
	else if (port == PC_PORT_61)
		i8254_port61_write(pit, 0, 1, value);
	else
		fail();
}

uint8_t inb(struct i8254 *pit, unsigned port)
{
	uint64_t value = ~0ull;
	if (port >= PC_PIT && port < PC_PIT + I8254_PORTS)
		value = i8254_read(pit, port - PC_PIT, 1);
	else if (port == PC_PORT_61)
		value = i8254_port61_read(pit, 0, 1);
	else
		fail();
	assert_true(value <= 0xff);
	return (uint8_t)value;
}

/* A count in an LSB-then-MSB channel: written, and read unlatched. */
void out_count(struct i8254 *pit, unsigned port, uint16_t count)
{
	outb(pit, port, (uint8_t)count);
	outb(pit, port, (uint8_t)(count >> 8));
}

uint16_t in_count(struct i8254 *pit, unsigned port)
{
	uint8_t lsb = inb(pit, port);
	return (uint16_t)(lsb | inb(pit, port) << 8);
}

/* The count through the counter latch command. */
uint16_t latched_count(struct i8254 *pit, unsigned channel)
{
	outb(pit, COMMAND, (uint8_t)(channel << 6));
	return in_count(pit, CH0 + channel);
}

uint8_t status(struct i8254 *pit, unsigned channel)
{
	outb(pit, COMMAND, READ_BACK | RB_NO_COUNT | (2u << channel));
	return inb(pit, CH0 + channel);
}

bool out2(struct i8254 *pit)
{
	return inb(pit, PORT61) & P61_OUT2;
}

void expect_deadline(struct world *w, uint64_t deadline, unsigned calls)
{
	assert_int_equal(w->fake.deadline, deadline);
	assert_int_equal(w->fake.deadline_calls, calls);
}
