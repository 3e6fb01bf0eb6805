/* What a device model is given to reach the platform around it: Keel's clock, a timer and
 * its interrupt output, through callbacks handed over at init. So the models stay pure
 * code (no globals, no allocation, no I/O bus), built for the hypervisor and for host unit
 * tests alike, which give them a clock of their own. A model's registers are reached
 * through functions of the shape of struct io_ops (vmm/io.h): read(dev, offset, size) and
 * write(dev, offset, size, value). */
#ifndef KEEL_VMM_DEV_DEVICE_H
#define KEEL_VMM_DEV_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#define DEVICE_NO_DEADLINE UINT64_MAX

struct device_env {
	void *ctx; /* handed to each callback */
	/* Keel's clock: nanoseconds, monotonic, the same for every vCPU of a domain; it goes
	 * on while the domain's vCPUs do not run. */
	uint64_t (*now_ns)(void *ctx);
	/* The model's timer: its <model>_timer function is to be called once now_ns has
	 * reached deadline_ns (DEVICE_NO_DEADLINE: never); a call replaces the one before. The
	 * call may come late (the vCPU was not running): the model catches up from now_ns. */
	void (*set_deadline)(void *ctx, uint64_t deadline_ns);
	/* The model's interrupt output number line (0 for a model with one) is now at level.
	 * An edge is a call with true, then one with false. */
	void (*set_irq)(void *ctx, unsigned line, bool level);
};

#endif
