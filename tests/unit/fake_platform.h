/* The world around a device model in a host unit test (vmm/dev/device.h's struct
 * device_env): a clock the test moves, the last deadline the model set, and its interrupt
 * output, checked to change at each call. A test's own world starts with a struct
 * fake_platform, so that the same pointer serves as the callbacks' context. */
#ifndef KEEL_TESTS_UNIT_FAKE_PLATFORM_H
#define KEEL_TESTS_UNIT_FAKE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/dev/device.h"

struct fake_platform {
	uint64_t now;
	uint64_t deadline;
	unsigned deadline_calls;
	bool irq;
	unsigned irq_calls;
	bool levels[64]; /* the first levels given, in order */
};

static inline uint64_t fake_now(void *ctx)
{
	return ((struct fake_platform *)ctx)->now;
}

static inline void fake_set_deadline(void *ctx, uint64_t deadline_ns)
{
	struct fake_platform *p = ctx;
	p->deadline = deadline_ns;
	p->deadline_calls++;
}

static inline void fake_set_irq(void *ctx, unsigned line, bool level)
{
	struct fake_platform *p = ctx;
	assert_int_equal(line, 0);
	assert_true(p->irq != level); /* only changes are reported */
	if (p->irq_calls < sizeof(p->levels) / sizeof(p->levels[0]))
		p->levels[p->irq_calls] = level;
	p->irq = level;
	p->irq_calls++;
}

#endif
