/* Domain control (docs/hypercalls.md, "Domain control"): the hypercalls through which dom0,
 * and a domain the configuration grants rights to, see and steer the other domains and learn
 * about the machine. vmm/hypercall.c has put each call to the access policy first; here the
 * arguments are checked as for every hypercall, and the call acts through vmm/domain.h. */
#include "arch/x86/cpu_features.h"
#include "arch/x86/hvm.h"
#include "arch/x86/page_alloc.h"
#include "drivers/tsc.h"
#include "include/keel/hypercall.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/dev/serial_port.h"
#include "vmm/guest_log.h"
#include "vmm/hypercall.h"
#include "vmm/policy.h"
#include "vmm/version.h"

/* The ABI numbers Keel's own enums stand for, so that they are copied as they are. */
_Static_assert(EXIT_CPUID == KEEL_EXIT_CPUID && EXIT_HLT == KEEL_EXIT_HLT && EXIT_IO == KEEL_EXIT_IO &&
		       EXIT_HYPERCALL == KEEL_EXIT_HYPERCALL && EXIT_MSR == KEEL_EXIT_MSR &&
		       EXIT_INSTRUCTION == KEEL_EXIT_INSTRUCTION && EXIT_NPF == KEEL_EXIT_NPF &&
		       EXIT_SHUTDOWN == KEEL_EXIT_SHUTDOWN && EXIT_ENTRY_FAILED == KEEL_EXIT_ENTRY_FAILED &&
		       EXIT_INTERRUPT == KEEL_EXIT_INTERRUPT && EXIT_INTERRUPT_WINDOW == KEEL_EXIT_INTERRUPT_WINDOW &&
		       EXIT_UNKNOWN == KEEL_EXIT_UNKNOWN && EXIT_REASON_COUNT <= KEEL_EXIT_REASONS,
	       "exit reasons are numbered as in the ABI");
_Static_assert(END_POWEROFF == KEEL_END_POWEROFF && END_REBOOT == KEEL_END_REBOOT && END_CRASH == KEEL_END_CRASH &&
		       END_STOPPED == KEEL_END_STOPPED && END_DESTROYED == KEEL_END_DESTROYED,
	       "end reasons are numbered as in the ABI");

static uint32_t state_of(const struct domain *d)
{
	switch (d->state) {
	case DOMAIN_ENDING:
		return KEEL_DOMAIN_ENDING;
	case DOMAIN_RESTARTING:
		return KEEL_DOMAIN_RESTARTING;
	case DOMAIN_PRESERVED:
		return KEEL_DOMAIN_PRESERVED;
	default:
		return KEEL_DOMAIN_RUNNING;
	}
}

static void status_of(const struct domain *d, struct keel_domain_status *st)
{
	*st = (struct keel_domain_status){
		.id = d->id,
		.state = state_of(d),
		.memory_bytes = d->layout.ram_bytes,
		.vcpus = d->config.vcpus,
		.weight = d->config.weight,
		.cap = d->config.cap,
		.cpu_ns = d->cpu_ns,
		.restarts = d->restarts,
		.denied = (uint32_t)guest_log_denials(d),
	};
	memcpy(st->name, d->config.name, sizeof(st->name));
	st->flags = (d->id == DOM0_ID ? KEEL_DOMAIN_F_DOM0 : 0) | (d->paused ? KEEL_DOMAIN_F_PAUSED : 0);
	if (d->state == DOMAIN_RUNNING && d->vcpu.state == VCPU_BLOCKED)
		st->flags |= KEEL_DOMAIN_F_BLOCKED;
	if (d->state != DOMAIN_RUNNING) {
		st->end_reason = d->end.reason;
		st->end_status = d->end.status;
		st->flags |= d->end.has_status ? KEEL_DOMAIN_F_HAS_STATUS : 0;
	}
	for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
		st->exits[r] = d->vcpu.exits[r];
}

/* Of the domains the caller may see, the one with the least id from `from` on, or NULL. */
static const struct domain *next_visible(const struct domain *caller, uint64_t from)
{
	const struct domain *next = NULL;
	for (unsigned i = 0; i < domain_count(); i++) {
		const struct domain *d = domain_at(i);
		if (d->state != DOMAIN_ENDED && d->id >= from && (!next || d->id < next->id) &&
		    policy_allows(caller, POLICY_INFO, d))
			next = d;
	}
	return next;
}

/* domain_list(buffer, size, first id): a struct keel_domain_status for each domain the
 * caller may see, in the order of their ids from `first id` on, as many as the buffer holds. */
int64_t hc_domain_list(struct hypercall hc, struct domain *target)
{
	(void)target;
	const struct domain *caller = hc.v->dom;
	uint64_t gpa = hypercall_arg(hc, 0), size = hypercall_arg(hc, 1), from = hypercall_arg(hc, 2);
	struct keel_domain_status st;
	if (size < sizeof(st))
		return -EINVAL;
	if (!hypercall_in_ram(caller, gpa, size))
		return -EFAULT;
	uint64_t n = 0, max = size / sizeof(st);
	for (const struct domain *d = next_visible(caller, from); d && n < max; d = next_visible(caller, d->id + 1)) {
		status_of(d, &st);
		if (p2m_copy_to_guest(&caller->p2m, gpa + n * sizeof(st), &st, sizeof(st)))
			return -EFAULT;
		n++;
	}
	return (int64_t)n;
}

/* domain_pause(id): not the caller itself, which could not unpause itself. */
int64_t hc_domain_pause(struct hypercall hc, struct domain *target)
{
	if (target == hc.v->dom)
		return -EINVAL;
	if (target->state != DOMAIN_RUNNING)
		return -EBUSY;
	domain_pause(target);
	return 0;
}

int64_t hc_domain_unpause(struct hypercall hc, struct domain *target)
{
	(void)hc;
	if (target->state != DOMAIN_RUNNING)
		return -EBUSY;
	domain_unpause(target);
	return 0;
}

/* domain_destroy(id): not the caller itself, which has shutdown for its own end. */
int64_t hc_domain_destroy(struct hypercall hc, struct domain *target)
{
	const struct domain *caller = hc.v->dom;
	char by[48];
	if (target == caller)
		return -EINVAL;
	ksnprintf(by, sizeof(by), "dom%u %s", caller->id, caller->config.name);
	domain_destroy(target, by);
	return 0;
}

/* domain_sched(id, weight, cap). */
int64_t hc_domain_sched(struct hypercall hc, struct domain *target)
{
	uint64_t weight = hypercall_arg(hc, 1), cap = hypercall_arg(hc, 2);
	if (weight < 1 || weight > KEEL_WEIGHT_MAX || cap > KEEL_CAP_MAX)
		return -EINVAL;
	domain_set_share(target, (unsigned)weight, (unsigned)cap);
	return 0;
}

/* host_info(buffer, size). */
int64_t hc_host_info(struct hypercall hc, struct domain *target)
{
	(void)target;
	const struct domain *caller = hc.v->dom;
	uint64_t gpa = hypercall_arg(hc, 0), size = hypercall_arg(hc, 1);
	struct keel_host_info info = {
		.family = cpu.family,
		.model = cpu.model,
		.stepping = cpu.stepping,
		.features = (cpu.vendor == CPU_VENDOR_AMD ? KEEL_HOST_F_SVM : KEEL_HOST_F_VMX) |
			    (hvm->npt_format->large_1g ? KEEL_HOST_F_PAGES_1G : 0) | (cpu.xsave ? KEEL_HOST_F_XSAVE : 0),
		.memory_bytes = page_alloc_total_pages() * PAGE_SIZE,
		.free_bytes = page_alloc_free_pages() * PAGE_SIZE,
		.tsc_hz = tsc_hz(),
		.cpus = 1,
		.keel_version = KEEL_VERSION_MAJOR << 16 | KEEL_VERSION_MINOR,
		.abi_version = KEEL_HYPERCALL_ABI_VERSION,
	};
	if (size < sizeof(info))
		return -EINVAL;
	if (!hypercall_in_ram(caller, gpa, size))
		return -EFAULT;
	for (unsigned i = 0; i < domain_count(); i++)
		info.domains += domain_at(i)->state != DOMAIN_ENDED;
	memcpy(info.cpu_vendor, cpu.vendor_string, sizeof(cpu.vendor_string));
	memcpy(info.cpu_model, cpu.brand, sizeof(info.cpu_model) - 1);
	if (p2m_copy_to_guest(&caller->p2m, gpa, &info, sizeof(info)))
		return -EFAULT;
	return sizeof(info);
}

/* domain_shutdown(id, reason): poweroff presses its ACPI power button, a request its guest
 * may act on (as xl shutdown does for a guest without paravirtual drivers) or ignore (then
 * domain_destroy ends it); reboot resets it at once, its on_reboot deciding what follows
 * (as xl reboot -F does). Not the caller itself: its own end is the shutdown hypercall. */
int64_t hc_domain_shutdown(struct hypercall hc, struct domain *target)
{
	const struct domain *caller = hc.v->dom;
	uint64_t reason = hypercall_arg(hc, 1);
	if (target == caller || (reason != KEEL_SHUTDOWN_POWEROFF && reason != KEEL_SHUTDOWN_REBOOT))
		return -EINVAL;
	if (target->state != DOMAIN_RUNNING)
		return -EBUSY;
	if (reason == KEEL_SHUTDOWN_POWEROFF)
		domain_press_power_button(target);
	else
		domain_end(target, END_REBOOT, false, 0, "reset by dom%u %s", caller->id, caller->config.name);
	return 0;
}

struct ring_reader {
	const struct ring *ring;
	uint64_t pos;
};

static void copy_out(void *host, uint64_t offset, uint64_t n, void *ctx)
{
	struct ring_reader *r = ctx;
	(void)offset;
	ring_read(r->ring, &r->pos, host, n, NULL);
}

/* The ring's stream from the position stored at pos_gpa (8 bytes of the caller's RAM) into
 * [gpa, gpa + size), from its oldest byte kept if the position is older; the position after
 * the last byte copied is stored back. Returns the bytes copied. */
static int64_t read_ring(struct hypercall hc, const struct ring *ring, uint64_t gpa, uint64_t size, uint64_t pos_gpa)
{
	struct domain *caller = hc.v->dom;
	struct ring_reader r = { .ring = ring };
	if (!hypercall_in_ram(caller, pos_gpa, sizeof(r.pos)) || (size && !hypercall_in_ram(caller, gpa, size)))
		return -EFAULT;
	if (p2m_copy_from_guest(&caller->p2m, pos_gpa, &r.pos, sizeof(r.pos)))
		return -EFAULT;
	if (r.pos > ring->written)
		return -EINVAL;
	if (r.pos < ring_oldest(ring))
		r.pos = ring_oldest(ring);
	uint64_t n = ring->written - r.pos < size ? ring->written - r.pos : size;
	if (n && p2m_visit(&caller->p2m, gpa, n, NPT_PERM_W, copy_out, &r))
		return -EFAULT;
	if (p2m_copy_to_guest(&caller->p2m, pos_gpa, &r.pos, sizeof(r.pos)))
		return -EFAULT;
	return (int64_t)n;
}

/* console_read(id, buffer, size, &position): its console's history (console_ring KiB of
 * what its guest wrote, by every source). */
int64_t hc_console_read(struct hypercall hc, struct domain *target)
{
	return read_ring(hc, &target->console.ring, hypercall_arg(hc, 1), hypercall_arg(hc, 2), hypercall_arg(hc, 3));
}

/* keel_log(buffer, size, &position): Keel's own log, the newest LOG_HISTORY_BYTES. */
int64_t hc_keel_log(struct hypercall hc, struct domain *target)
{
	(void)target;
	return read_ring(hc, log_history(), hypercall_arg(hc, 0), hypercall_arg(hc, 1), hypercall_arg(hc, 2));
}

struct typing {
	struct serial_port *com1;
	uint64_t taken;
	bool full;
};

static void type_bytes(void *host, uint64_t offset, uint64_t n, void *ctx)
{
	struct typing *t = ctx;
	const uint8_t *bytes = host;
	(void)offset;
	for (uint64_t i = 0; i < n && !t->full; i++) {
		if (serial_port_receive(t->com1, bytes[i]))
			t->taken++;
		else
			t->full = true;
	}
}

/* console_input(id, buffer, length): bytes for its COM1's receiver, as a terminal on its
 * serial line would type them, as many as the receiver has room for now. */
int64_t hc_console_input(struct hypercall hc, struct domain *target)
{
	struct domain *caller = hc.v->dom;
	uint64_t gpa = hypercall_arg(hc, 1), len = hypercall_arg(hc, 2);
	struct typing t = { .com1 = target->com1 };
	if (len > KEEL_CONSOLE_WRITE_MAX)
		return -EINVAL;
	if (len && !hypercall_in_ram(caller, gpa, len))
		return -EFAULT;
	if (target->state != DOMAIN_RUNNING)
		return -EBUSY;
	if (len && p2m_visit(&caller->p2m, gpa, len, NPT_PERM_R, type_bytes, &t))
		return -EFAULT;
	return (int64_t)t.taken;
}
