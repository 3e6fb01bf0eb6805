/* The local APIC timer (vmm/dev/vlapic_timer.c) on the fake clock: one-shot and periodic
 * counts, the divider, masking, mode changes, and TSC-deadline mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/vlapic_fixture.h"

static void timer_one_shot(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, LVT_TIMER, 0x40); /* divide by 2 at reset */
	assert_int_equal(w.fake.deadline_calls, 0);
	wr(&l, TIMER_INITIAL, 100);
	assert_int_equal(w.fake.deadline, 1200);
	assert_int_equal(w.fake.deadline_calls, 1);
	assert_int_equal(rd(&l, TIMER_CURRENT), 100);
	w.fake.now = 1001;
	assert_int_equal(rd(&l, TIMER_CURRENT), 100);
	w.fake.now = 1002;
	assert_int_equal(rd(&l, TIMER_CURRENT), 99);
	w.fake.now = 1100;
	assert_int_equal(rd(&l, TIMER_CURRENT), 50);
	w.fake.now = 1199;
	assert_int_equal(rd(&l, TIMER_CURRENT), 1);
	w.fake.now = 1200;
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_false(irr_has(&l, 0x40));
	w.fake.now = 1234; /* late */
	vlapic_timer(&l);
	assert_true(irr_has(&l, 0x40));
	assert_false(tmr_has(&l, 0x40));
	assert_true(w.fake.irq);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(w.fake.deadline_calls, 2);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_int_equal(rd(&l, TIMER_INITIAL), 100);
	service(&l, 0x40);
	vlapic_timer(&l); /* once */
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_int_equal(w.fake.deadline_calls, 2);
	/* a call before the deadline does nothing */
	wr(&l, TIMER_INITIAL, 10);
	assert_int_equal(w.fake.deadline, 1254);
	w.fake.now = 1250;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_int_equal(rd(&l, TIMER_CURRENT), 2);
	/* rewriting the initial count restarts from now */
	wr(&l, TIMER_INITIAL, 30);
	assert_int_equal(w.fake.deadline, 1310);
	assert_int_equal(rd(&l, TIMER_CURRENT), 30);
}

static void timer_periodic_without_drift(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	w.fake.now = 0;
	wr(&l, TIMER_DIVIDE, 0xb); /* divide by 1 */
	wr(&l, LVT_TIMER, 0x20041);
	wr(&l, TIMER_INITIAL, 1000);
	assert_int_equal(w.fake.deadline, 1000);
	w.fake.now = 1000;
	assert_int_equal(rd(&l, TIMER_CURRENT), 1000); /* reloaded */
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 2000);
	service(&l, 0x41);
	w.fake.now = 1500;
	assert_int_equal(rd(&l, TIMER_CURRENT), 500);
	w.fake.now = 2300; /* late: the next deadline keeps the schedule */
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 3000);
	assert_int_equal(rd(&l, TIMER_CURRENT), 700);
	service(&l, 0x41);
	/* several periods late: one interrupt, the next future deadline */
	w.fake.now = 7500;
	assert_int_equal(rd(&l, TIMER_CURRENT), 500); /* counting on while Keel is late */
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 8000);
	service(&l, 0x41);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	w.fake.now = 8000; /* exactly on time */
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 9000);
	service(&l, 0x41);
	unsigned calls = w.fake.deadline_calls;
	/* initial count 0 stops it */
	wr(&l, TIMER_INITIAL, 0);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(w.fake.deadline_calls, calls + 1);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	w.fake.now = 9000;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	wr(&l, TIMER_INITIAL, 0); /* already stopped: nothing to tell */
	assert_int_equal(w.fake.deadline_calls, calls + 1);
}

static void timer_divide_settings(void **state)
{
	(void)state;
	static const struct { uint32_t config, divider; } settings[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	for (unsigned i = 0; i < 8; i++) {
		struct world w;
		struct vlapic l;
		start(&l, &w);
		wr(&l, TIMER_DIVIDE, settings[i].config | 0xfffffff4);
		assert_int_equal(rd(&l, TIMER_DIVIDE), settings[i].config);
		wr(&l, TIMER_INITIAL, 10);
		assert_int_equal(w.fake.deadline, 1000 + 10 * settings[i].divider);
		w.fake.now = 1000 + settings[i].divider;
		assert_int_equal(rd(&l, TIMER_CURRENT), 9);
	}
	/* the longest period: 2^32 - 1 ticks divided by 128 */
	struct world w;
	struct vlapic l;
	start(&l, &w);
	wr(&l, TIMER_DIVIDE, 0xa);
	wr(&l, TIMER_INITIAL, 0xffffffff);
	assert_int_equal(w.fake.deadline, 1000 + 0xffffffffull * 128);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0xffffffff);
}

static void timer_divide_change_keeps_the_count(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	w.fake.now = 0;
	wr(&l, TIMER_INITIAL, 100); /* by 2: deadline 200 */
	w.fake.now = 100;
	assert_int_equal(rd(&l, TIMER_CURRENT), 50);
	wr(&l, TIMER_DIVIDE, 0x2); /* by 8: 50 ticks left take 400 ns */
	assert_int_equal(w.fake.deadline, 500);
	assert_int_equal(rd(&l, TIMER_CURRENT), 50);
	w.fake.now = 180;
	assert_int_equal(rd(&l, TIMER_CURRENT), 40);
	wr(&l, TIMER_DIVIDE, 0x2); /* the same: nothing moves */
	assert_int_equal(w.fake.deadline, 500);
}

static void timer_masked(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, TIMER_DIVIDE, 0xb);
	wr(&l, LVT_TIMER, 0x10050); /* one-shot, masked */
	wr(&l, TIMER_INITIAL, 100);
	w.fake.now = 1100;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	wr(&l, LVT_TIMER, 0x30050); /* periodic, masked: still reloads */
	wr(&l, TIMER_INITIAL, 100);
	assert_int_equal(w.fake.deadline, 1200);
	w.fake.now = 1200;
	vlapic_timer(&l);
	assert_int_equal(w.fake.deadline, 1300);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	assert_false(w.fake.irq);
	wr(&l, LVT_TIMER, 0x20050); /* unmasked: the next one interrupts */
	w.fake.now = 1300;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), 0x50);
}

static void timer_mode_change_disarms(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	wr(&l, LVT_TIMER, 0x40);
	wr(&l, TIMER_INITIAL, 100);
	assert_int_equal(w.fake.deadline, 1200);
	wr(&l, LVT_TIMER, 0x41); /* same mode: keeps running */
	assert_int_equal(w.fake.deadline, 1200);
	wr(&l, LVT_TIMER, 0x20041); /* one-shot -> periodic */
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_int_equal(rd(&l, TIMER_INITIAL), 100);
	w.fake.now = 1300;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	/* a due expiry is delivered before the write that changes the mode */
	wr(&l, TIMER_INITIAL, 100);
	assert_int_equal(w.fake.deadline, 1500);
	w.fake.now = 1600;
	wr(&l, LVT_TIMER, 0x41);
	assert_int_equal(vlapic_pending_vector(&l), 0x41);
	assert_int_equal(w.fake.deadline, NEVER);
}

static void tsc_deadline_mode(void **state)
{
	(void)state;
	struct world w;
	struct vlapic l;
	start(&l, &w);
	sw_enable(&l);
	/* outside the mode: reads 0, writes ignored */
	vlapic_set_tsc_deadline(&l, 5000);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	assert_int_equal(w.fake.deadline_calls, 0);
	wr(&l, LVT_TIMER, 0x40050);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	vlapic_set_tsc_deadline(&l, 20000); /* 10000 ns */
	assert_int_equal(vlapic_tsc_deadline(&l), 20000);
	assert_int_equal(w.fake.deadline, 10000);
	/* the initial count is ignored, the current count reads 0 */
	wr(&l, TIMER_INITIAL, 77);
	assert_int_equal(rd(&l, TIMER_INITIAL), 0);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
	assert_int_equal(w.fake.deadline, 10000);
	w.fake.now = 9999;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	w.fake.now = 10000;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), 0x50);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	assert_int_equal(w.fake.deadline, NEVER);
	service(&l, 0x50);
	vlapic_timer(&l); /* once */
	assert_int_equal(vlapic_pending_vector(&l), -1);
	/* moved, then disarmed with 0 */
	vlapic_set_tsc_deadline(&l, 40000);
	assert_int_equal(w.fake.deadline, 20000);
	vlapic_set_tsc_deadline(&l, 30000);
	assert_int_equal(w.fake.deadline, 15000);
	vlapic_set_tsc_deadline(&l, 0);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	/* a deadline already past fires at once */
	vlapic_set_tsc_deadline(&l, 100);
	assert_int_equal(vlapic_pending_vector(&l), 0x50);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	assert_int_equal(w.fake.deadline, NEVER);
	service(&l, 0x50);
	/* a deadline never reached reads back and never fires */
	vlapic_set_tsc_deadline(&l, UINT64_MAX);
	assert_int_equal(vlapic_tsc_deadline(&l), UINT64_MAX);
	assert_int_equal(w.fake.deadline, NEVER);
	/* leaving the mode disarms; coming back, the MSR is 0 */
	vlapic_set_tsc_deadline(&l, 60000);
	assert_int_equal(w.fake.deadline, 30000);
	wr(&l, LVT_TIMER, 0x50);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	wr(&l, LVT_TIMER, 0x40050);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	w.fake.now = 40000;
	vlapic_timer(&l);
	assert_int_equal(vlapic_pending_vector(&l), -1);
	/* entering the mode stops a running count */
	wr(&l, LVT_TIMER, 0x50);
	wr(&l, TIMER_INITIAL, 10);
	assert_int_equal(w.fake.deadline, 40020);
	wr(&l, LVT_TIMER, 0x40050);
	assert_int_equal(w.fake.deadline, NEVER);
	assert_int_equal(rd(&l, TIMER_CURRENT), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timer_one_shot),
		cmocka_unit_test(timer_periodic_without_drift),
		cmocka_unit_test(timer_divide_settings),
		cmocka_unit_test(timer_divide_change_keeps_the_count),
		cmocka_unit_test(timer_masked),
		cmocka_unit_test(timer_mode_change_disarms),
		cmocka_unit_test(tsc_deadline_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
