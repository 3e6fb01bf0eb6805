/* Hypercalls, ABI version 3 (include/keel/hypercall.h, docs/hypercalls.md): RAX = number,
 * RDI, RSI, RDX, R10, R8 = arguments, RAX = result. The number indexes a constant table.
 * Every argument is untrusted: buffers must lie wholly inside the caller's RAM (no
 * wrap-around), values must be in range; a bad one gets an error code, never a fault. */
#include "drivers/tsc.h"
#include "include/keel/hypercall.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/sched.h"

/* A hypercall as its handler sees it: the caller, and how much of each register is the
 * guest's (outside 64-bit mode only the low halves). Two words, passed in registers. */
struct hypercall {
	struct vcpu *v;
	uint64_t mask;
};

typedef int64_t (*hypercall_fn)(struct hypercall hc);

/* Argument i (0-4): RDI, RSI, RDX, R10, R8, read only by the handlers that take it. */
static inline uint64_t arg(struct hypercall hc, unsigned i)
{
	static const uint8_t regs[] = { REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8 };
	return hc.v->regs.gpr[regs[i]] & hc.mask;
}

/* [gpa, gpa + len) is the caller's RAM, all of it in one of its layout's RAM ranges. */
static bool in_ram(const struct domain *d, uint64_t gpa, uint64_t len)
{
	return layout_is_ram(&d->layout, gpa, len);
}

/* The console's line buffer reads each byte once, straight from guest memory. */
static void put_text(void *host, uint64_t offset, uint64_t n, void *d)
{
	(void)offset;
	console_put(d, CONSOLE_HYPERCALL, host, n);
}

/* console_write(buffer, length): the guest's text on its console. */
static int64_t hc_console_write(struct hypercall hc)
{
	struct domain *d = hc.v->dom;
	uint64_t gpa = arg(hc, 0), len = arg(hc, 1);
	if (len > KEEL_CONSOLE_WRITE_MAX)
		return -EINVAL;
	if (!in_ram(d, gpa, len) || p2m_visit(&d->p2m, gpa, len, NPT_PERM_R, put_text, d))
		return -EFAULT;
	return (int64_t)len;
}

/* yield(): the vCPU's turn ends; another runnable vCPU goes first if there is one. */
static int64_t hc_yield(struct hypercall hc)
{
	sched_yield_cpu(hc.v);
	return 0;
}

/* block(deadline_ns): waits until Keel's clock reaches the deadline (0: none) or an event
 * comes (the caller's timer). Returns 0 when it wakes, at once if either is already due. A
 * deadline beyond what the clock can express is none. */
static int64_t hc_block(struct hypercall hc)
{
	sched_block(hc.v, tsc_guest_deadline(arg(hc, 0)));
	return 0;
}

/* set_timer(deadline_ns): the caller's one-shot timer event, which wakes it from block or
 * from HLT with interrupts on; a later call replaces it, 0 cancels it, and so does a
 * deadline beyond what the clock can express. */
static int64_t hc_set_timer(struct hypercall hc)
{
	hc.v->timer_ns = tsc_guest_deadline(arg(hc, 0));
	return 0;
}

/* shutdown(reason, status): ends the domain; its on_poweroff, on_reboot or on_crash policy
 * decides what follows. */
static int64_t hc_shutdown(struct hypercall hc)
{
	static const enum end_reason reasons[] = {
		[KEEL_SHUTDOWN_POWEROFF] = END_POWEROFF,
		[KEEL_SHUTDOWN_REBOOT] = END_REBOOT,
		[KEEL_SHUTDOWN_CRASH] = END_CRASH,
	};
	uint64_t reason = arg(hc, 0), status = arg(hc, 1);
	if (reason >= sizeof(reasons) / sizeof(reasons[0]) || status > KEEL_EXIT_STATUS_MAX)
		return -EINVAL;
	domain_end(hc.v->dom, reasons[reason], true, (uint32_t)status, "shutdown hypercall");
	return 0;
}

/* domain_info(buffer, size): who the caller is. */
static int64_t hc_domain_info(struct hypercall hc)
{
	const struct domain *d = hc.v->dom;
	uint64_t gpa = arg(hc, 0), size = arg(hc, 1);
	struct keel_domain_info info = {
		.id = d->id,
		.vcpus = d->config.vcpus,
		.memory_bytes = d->layout.ram_bytes,
		.abi_version = KEEL_HYPERCALL_ABI_VERSION,
		.restarts = d->restarts,
	};
	if (size < sizeof(info))
		return -EINVAL;
	if (!in_ram(d, gpa, size))
		return -EFAULT;
	memcpy(info.name, d->config.name, sizeof(info.name));
	if (p2m_copy_to_guest(&d->p2m, gpa, &info, sizeof(info)))
		return -EFAULT;
	return sizeof(info);
}

/* time(buffer, size): Keel's clock and the TSC's frequency. */
static int64_t hc_time(struct hypercall hc)
{
	const struct domain *d = hc.v->dom;
	uint64_t gpa = arg(hc, 0), size = arg(hc, 1);
	struct keel_time t = { .now_ns = tsc_now_ns(), .tsc_hz = tsc_hz() };
	if (size < sizeof(t))
		return -EINVAL;
	if (!in_ram(d, gpa, size))
		return -EFAULT;
	if (p2m_copy_to_guest(&d->p2m, gpa, &t, sizeof(t)))
		return -EFAULT;
	return sizeof(t);
}

/* vcpu_exits(): the exits the caller has taken, counting the one this call is, so that the
 * difference of two calls is the exits between them plus one (a bench sample taken without
 * an interruption by Keel, docs/performance.md). */
static int64_t hc_vcpu_exits(struct hypercall hc)
{
	uint64_t total = 0;
	for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
		total += hc.v->exits[r];
	return (int64_t)(total & (UINT64_MAX >> 1));
}

static const hypercall_fn hypercalls[] = {
	[KEEL_HC_CONSOLE_WRITE] = hc_console_write,
	[KEEL_HC_YIELD] = hc_yield,
	[KEEL_HC_BLOCK] = hc_block,
	[KEEL_HC_SHUTDOWN] = hc_shutdown,
	[KEEL_HC_DOMAIN_INFO] = hc_domain_info,
	[KEEL_HC_TIME] = hc_time,
	[KEEL_HC_SET_TIMER] = hc_set_timer,
	[KEEL_HC_VCPU_EXITS] = hc_vcpu_exits,
};

#define HYPERCALL_COUNT (sizeof(hypercalls) / sizeof(hypercalls[0]))

void handle_hypercall(struct vcpu *v, const struct vm_exit *exit)
{
	struct hypercall hc = { .v = v, .mask = exit->hypercall.long_mode ? ~0ull : 0xffffffffull };
	uint64_t *rax = &v->regs.gpr[REG_RAX];
	uint64_t nr = *rax & hc.mask;
	int64_t result = -ENOSYS;
	/* VMMCALL and VMCALL exit at any CPL: the guest's kernel makes hypercalls, not its
	 * applications (as in Xen and KVM). */
	if (exit->hypercall.cpl)
		result = -EPERM;
	else if (nr < HYPERCALL_COUNT && hypercalls[nr])
		result = hypercalls[nr](hc);
	*rax = (uint64_t)result & hc.mask;
	v->regs.rip += exit->instr_len;
}
