/* The scheduler. Each physical CPU has a run queue of the vCPUs placed on it (only the boot
 * CPU for now; a later issue spreads vCPUs over every CPU). Shares follow weights as in
 * Xen's credit2: a vCPU's virtual time advances by its run time times 256 / weight, and of
 * the vCPUs that want the CPU the one with the least virtual time gets it, for one time
 * slice or until it blocks, yields or ends. A vCPU wants the CPU to run its guest, or for
 * work Keel does on its domain's behalf (sending its console lines, ending it, building it
 * again: domain_work), which is charged to it like guest time and done in pieces that end
 * with its slice. A cap limits a vCPU to cap% of each CAP_PERIOD_NS: what it used beyond
 * that is carried into the next period, and one that has used its share waits. A vCPU
 * waking from a block, or whose domain's work comes due, starts no further back than the
 * least virtual time of the queue, so waiting earns no burst. A domain with a CPU time limit
 * (cpu_limit_ms) crashes when its vCPU has run that long in its current life. A paused
 * domain's vCPU leaves the run queue until it is unpaused, so the pick never looks at it.
 *
 * The local APIC timer is armed, whenever the scheduler picks, for the earliest of: the end
 * of the slice, the deadline of a blocked vCPU, the end of the period a capped vCPU waits
 * for, the moment the picked vCPU would reach its CPU time limit. Its interrupt ends the
 * guest's run (an exit), so a guest that never exits is preempted all the same. While
 * nothing can run, the CPU halts with interrupts on until then. Each pass polls Keel's
 * serial line for the domain that takes its input, and looks again within
 * SERIAL_INPUT_POLL_NS (vmm/serial_input.h). After an exit the vCPU runs
 * on unless it blocked, yielded or ended, completed a console line, or that time has come
 * (one TSC read and a comparison), so a common exit costs no search and no arithmetic; its
 * run time is accounted, in nanoseconds, when it stops running. So is the time it was
 * runnable but waited (another vCPU ran, or its cap held it back), when it gets the CPU:
 * its steal time, which a guest that asks sees (vmm/kvmclock.h). */
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_activity.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "vmm/domain.h"
#include "vmm/events.h"
#include "vmm/exit.h"
#include "vmm/kvmclock.h"
#include "vmm/sched.h"
#include "vmm/serial_input.h"
#include "vmm/vtimer.h"
#include "vmm/watchdog.h"

#define CAP_PERIOD_NS 100000000ull /* 100 ms */
#define RUNQUEUE_MAX DOMAIN_MAX    /* one vCPU per domain */

struct runqueue {
	struct vcpu *vcpu[RUNQUEUE_MAX];
	unsigned count;
	uint64_t min_vtime;     /* the virtual time of the vCPU picked last */
	uint64_t period_end_ns; /* when the current cap period ends */
	uint64_t idle_ns;
	uint64_t start_ns, end_ns; /* when sched_run began and ended */
	struct sched_cpu *cpu;     /* its CPU's: when to pick again */
};

struct sched_cpu sched_cpus[1];                              /* per physical CPU */
static struct runqueue runqueues[1] = { { .cpu = &sched_cpus[0] } }; /* per physical CPU */
static uint64_t timeslice_ns;
static bool vendor_ends_runs; /* hvm->ends_runs_itself(): the APIC timer is for idling only */

static struct runqueue *queue_of(const struct vcpu *v)
{
	(void)v; /* every vCPU is on the boot CPU for now */
	return &runqueues[0];
}

void sched_init(unsigned timeslice_ms)
{
	timeslice_ns = timeslice_ms * 1000000ull;
	vendor_ends_runs = hvm->ends_runs_itself();
}

void sched_add(struct vcpu *v)
{
	struct runqueue *rq = queue_of(v);
	const struct domain_config *cfg = &v->dom->config;
	if (rq->count == RUNQUEUE_MAX)
		return; /* cannot happen: as many places as domains */
	v->sched = (struct vcpu_sched){
		.vtime = rq->min_vtime,
		.limit_ns = cfg->cpu_limit_ms * 1000000ull,
		.ready_ns = tsc_now_ns(),
		.queued = true,
	};
	sched_set_share(v, cfg->weight, cfg->cap);
	rq->vcpu[rq->count++] = v;
}

void sched_set_share(struct vcpu *v, unsigned weight, unsigned cap)
{
	v->sched.vtime_per_ns_16 = ((uint64_t)CONFIG_WEIGHT_DEFAULT << 16) / weight;
	v->sched.budget_ns = CAP_PERIOD_NS * cap / 100;
	queue_of(v)->cpu->pick_tsc = 0;
}

void sched_remove(struct vcpu *v)
{
	struct runqueue *rq = queue_of(v);
	for (unsigned i = 0; v->sched.queued && i < rq->count; i++) {
		if (rq->vcpu[i] == v) {
			rq->vcpu[i] = rq->vcpu[--rq->count];
			v->sched.queued = false;
		}
	}
}

uint64_t sched_idle_ns(void)
{
	return runqueues[0].idle_ns;
}

uint64_t sched_elapsed_ns(void)
{
	return runqueues[0].end_ns - runqueues[0].start_ns;
}

static bool used_its_cap(const struct vcpu *v)
{
	return v->sched.budget_ns && v->sched.period_ns >= v->sched.budget_ns;
}

static uint64_t slice_of(const struct vcpu *v)
{
	uint64_t left = v->sched.budget_ns ? v->sched.budget_ns - v->sched.period_ns : timeslice_ns;
	return left < timeslice_ns ? left : timeslice_ns;
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* A vCPU that waited starts no further back than the queue. */
static void catch_up(const struct runqueue *rq, struct vcpu *v)
{
	if (v->sched.vtime < rq->min_vtime)
		v->sched.vtime = rq->min_vtime;
}

void sched_block(struct vcpu *v, uint64_t deadline_ns)
{
	uint64_t now = tsc_now_ns();
	if (v->timer_ns && v->timer_ns <= now) {
		v->timer_ns = 0;
		return;
	}
	if (deadline_ns && deadline_ns <= now)
		return;
	v->state = VCPU_BLOCKED;
	v->wake_ns = earlier(deadline_ns, v->timer_ns);
	v->sched.ready_ns = 0;
	queue_of(v)->cpu->pick_tsc = 0;
}

void sched_wake(struct vcpu *v)
{
	if (v->state != VCPU_BLOCKED)
		return;
	v->state = VCPU_RUNNABLE;
	v->sched.ready_ns = tsc_now_ns();
	catch_up(queue_of(v), v);
	queue_of(v)->cpu->pick_tsc = 0;
}

void sched_deadline_changed(struct vcpu *v, uint64_t deadline_ns)
{
	struct sched_cpu *cpu = queue_of(v)->cpu;
	if (tsc_at_ns(deadline_ns) < cpu->pick_tsc)
		cpu->pick_tsc = 0;
}

void sched_pause(struct vcpu *v)
{
	sched_remove(v);
	v->sched.ready_ns = 0;
	queue_of(v)->cpu->pick_tsc = 0;
}

void sched_unpause(struct vcpu *v)
{
	struct runqueue *rq = queue_of(v);
	uint64_t now = tsc_now_ns();
	if (v->sched.queued || rq->count == RUNQUEUE_MAX)
		return; /* cannot happen: it was taken out, and its place kept */
	rq->vcpu[rq->count++] = v;
	v->sched.queued = true;
	if (v->state == VCPU_RUNNABLE)
		v->sched.ready_ns = now;
	else if (v->state == VCPU_BLOCKED && v->wake_ns && v->wake_ns < now)
		v->wake_ns = now; /* ready from now on, not while it was paused */
	catch_up(rq, v);
	rq->cpu->pick_tsc = 0;
}

void sched_end(struct vcpu *v)
{
	v->state = VCPU_DEAD;
	queue_of(v)->cpu->pick_tsc = 0;
}

void sched_end_run(struct vcpu *v)
{
	queue_of(v)->cpu->pick_tsc = 0;
}

void sched_yield_cpu(struct vcpu *v)
{
	v->sched.yielded = true;
	queue_of(v)->cpu->pick_tsc = 0;
}

void sched_restart(struct vcpu *v)
{
	v->state = VCPU_RUNNABLE;
	v->sched.run_ns = 0;
	v->sched.ready_ns = tsc_now_ns();
	v->sched.waited_ns = 0;
}

/* A new cap period. Time used beyond the budget in the last one, by a line sent whole or a
 * piece of work, is carried over, so that it still counts; budget left unused is not. */
static void new_period(struct vcpu_sched *s)
{
	s->period_ns = s->budget_ns && s->period_ns > s->budget_ns ? s->period_ns - s->budget_ns : 0;
}

/* A device timer of v's has come: v wants the CPU to fire it (take_turn), blocked or not. */
static bool timers_due(const struct vcpu *v, uint64_t now)
{
	return v->timer_due_ns && v->timer_due_ns <= now && v->state != VCPU_DEAD;
}

/* Wakes the vCPUs whose deadline has passed, starts a new cap period if one is over, and
 * returns the vCPU that wants the CPU with the least virtual time (one that yielded only if
 * no other does), or NULL. *next_ns: when to look again (0: not until the vCPU exits for a
 * reason of its own). */
static struct vcpu *pick(struct runqueue *rq, uint64_t now, uint64_t *next_ns)
{
	if (now >= rq->period_end_ns) {
		rq->period_end_ns = now + CAP_PERIOD_NS;
		for (unsigned i = 0; i < rq->count; i++)
			new_period(&rq->vcpu[i]->sched);
	}
	struct vcpu *best = NULL, *yielded = NULL;
	uint64_t next = 0;
	unsigned eligible = 0;
	for (unsigned i = 0; i < rq->count; i++) {
		struct vcpu *v = rq->vcpu[i];
		if (v->state == VCPU_BLOCKED && v->wake_ns && v->wake_ns <= now) {
			v->state = VCPU_RUNNABLE;
			v->sched.ready_ns = v->wake_ns; /* ready since its deadline */
			if (v->timer_ns && v->timer_ns <= now)
				v->timer_ns = 0; /* the event woke it */
			catch_up(rq, v);
		}
		if (v->state != VCPU_RUNNABLE) {
			/* Blocked or ended: it wants the CPU only for Keel's work for its domain. */
			uint64_t work_due_ns = 0;
			if (v->state == VCPU_BLOCKED)
				next = earlier(earlier(next, v->wake_ns), v->timer_due_ns);
			if (!timers_due(v, now) && !domain_has_work(v->dom, now, &work_due_ns)) {
				next = earlier(next, work_due_ns);
				continue;
			}
			catch_up(rq, v);
		}
		if (used_its_cap(v)) {
			next = earlier(next, rq->period_end_ns);
			continue;
		}
		eligible++;
		if (v->sched.yielded) {
			v->sched.yielded = false;
			if (!yielded || v->sched.vtime < yielded->sched.vtime)
				yielded = v;
		} else if (!best || v->sched.vtime < best->sched.vtime) {
			best = v;
		}
	}
	if (!best)
		best = yielded;
	if (best) {
		if (best->sched.vtime > rq->min_vtime)
			rq->min_vtime = best->sched.vtime;
		/* Alone, it runs on until a cap or a deadline: no slice ends to share the CPU. */
		if (eligible > 1 || best->sched.budget_ns)
			next = earlier(next, now + slice_of(best));
		if (watchdog_check_in_ns())
			next = earlier(next, now + watchdog_check_in_ns());
		if (best->sched.limit_ns && best->sched.run_ns < best->sched.limit_ns)
			next = earlier(next, now + best->sched.limit_ns - best->sched.run_ns);
	}
	*next_ns = next;
	return best;
}

/* Nothing can run: halts until next_ns, the timer's interrupt waking it (STI delays
 * interrupts by one instruction, so none is taken before HLT). False if next_ns is 0:
 * every vCPU has ended or waits for an event that cannot come. */
static bool idle_until(struct runqueue *rq, uint64_t now, uint64_t next_ns)
{
	if (!next_ns)
		return false;
	uint64_t t = now;
	while (t < next_ns) {
		lapic_timer_at(tsc_at_ns(next_ns)); /* again: a one-shot count may end early */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		t = tsc_now_ns();
		watchdog_check_in(t); /* an interrupt or NMI woke the CPU: it is idle, not stuck */
	}
	rq->idle_ns += t - now;
	return true;
}

static void account(struct vcpu *v, uint64_t ns)
{
	v->dom->cpu_ns += ns;
	v->sched.vtime += (ns * v->sched.vtime_per_ns_16) >> 16;
	v->sched.period_ns += ns;
	v->sched.run_ns += ns;
}

/* The picked vCPU's turn, until deadline_tsc (UINT64_MAX: until it stops of its own
 * accord): Keel's work for its domain first, then its guest if it could run when picked
 * (a vCPU the work has just started again waits for a pick that sees it: its deadline
 * depends on it) and time is left, then the console lines its guest completed. */
static void take_turn(struct runqueue *rq, struct vcpu *v, uint64_t now, uint64_t deadline_tsc)
{
	struct domain *d = v->dom;
	uint64_t due_ns;
	cpu_activity_set("running, or working for,", d->config.name, d->id);
	if (timers_due(v, now))
		vtimer_fire_due(v, now); /* in its time; an interrupt they raise may wake it */
	if (v->timer_due_ns) {
		/* Its next one on time, but not before its guest has run VTIMER_MIN_INTERVAL_NS: a
		 * timer due sooner than Keel's own way to the entry (on a slow CPU, an emulator)
		 * would end every run before the guest's first instruction. */
		uint64_t least = tsc_now_ns() + VTIMER_MIN_INTERVAL_NS;
		uint64_t due_tsc = tsc_at_ns(v->timer_due_ns > least ? v->timer_due_ns : least);
		if (due_tsc < deadline_tsc)
			deadline_tsc = due_tsc;
	}
	bool runnable = v->state == VCPU_RUNNABLE;
	if (domain_has_work(d, now, &due_ns)) {
		domain_work(d, deadline_tsc);
		if (!runnable || v->state != VCPU_RUNNABLE || rdtsc() >= deadline_tsc)
			return;
	} else if (!runnable) {
		return;
	}
	if (v->sched.ready_ns) { /* it waited for the CPU: steal time (docs/hypercalls.md) */
		v->sched.waited_ns += now - v->sched.ready_ns;
		v->sched.ready_ns = 0;
		kvmclock_steal_time_update(v);
	}
	uint64_t timer_tsc = deadline_tsc == UINT64_MAX ? 0 : deadline_tsc; /* 0: none */
	rq->cpu->pick_tsc = deadline_tsc;
	if (!vendor_ends_runs)
		lapic_timer_at(timer_tsc);
	const struct hvm_run run = { .regs = &v->regs, .deadline_tsc = timer_tsc, .v = v, .on_exit = handle_exit,
				     .before_entry = events_before_entry, .events_due = &v->events_due };
	hvm->vcpu_run(v->vendor, &run);
	if (console_pending(&d->console))
		console_drain(d, deadline_tsc);
}

void sched_run(void)
{
	struct runqueue *rq = &runqueues[0];
	rq->start_ns = tsc_now_ns();
	rq->period_end_ns = rq->start_ns + CAP_PERIOD_NS;
	for (;;) {
		uint64_t now = tsc_now_ns(), next_ns;
		watchdog_check_in(now);
		cpu_activity_set("scheduling", NULL, 0);
		uint64_t poll_ns = serial_input_poll(now); /* first: a byte may wake its vCPU */
		struct vcpu *v = pick(rq, now, &next_ns);
		next_ns = earlier(next_ns, poll_ns);
		if (!v) {
			if (!idle_until(rq, now, next_ns))
				break;
			continue;
		}
		take_turn(rq, v, now, next_ns ? tsc_at_ns(next_ns) : UINT64_MAX);
		uint64_t end = tsc_now_ns();
		account(v, end - now);
		if (v->state == VCPU_RUNNABLE && !v->sched.ready_ns)
			v->sched.ready_ns = end; /* its turn ended; it waits for the next */
		if (v->sched.limit_ns && v->sched.run_ns >= v->sched.limit_ns)
			domain_end(v->dom, END_CRASH, false, 0, "it used up its CPU time limit of %u ms: it ran %llu ms",
				   v->dom->config.cpu_limit_ms, (unsigned long long)(v->sched.run_ns / 1000000));
	}
	rq->end_ns = tsc_now_ns();
	lapic_timer_at(0);
}
