/* Hypercalls, ABI version 4 (include/keel/hypercall.h, docs/hypercalls.md): RAX = number,
 * RDI, RSI, RDX, R10, R8 = arguments, RAX = result. The number indexes a constant table.
 * Every argument is untrusted: buffers must lie wholly inside the caller's RAM (no
 * wrap-around), values must be in range; a bad one gets an error code, never a fault.
 * A call on another domain, Keel or the machine goes to the access policy first
 * (vmm/policy.h); one the caller makes on itself is every domain's right. */
#include "drivers/tsc.h"
#include "include/keel/hypercall.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/guest_log.h"
#include "vmm/hypercall.h"
#include "vmm/policy.h"
#include "vmm/sched.h"

/* A call the caller makes on itself; one on another domain, Keel or the machine. */
typedef int64_t (*hypercall_fn)(struct hypercall hc);
typedef int64_t (*control_fn)(struct hypercall hc, struct domain *target);

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
	uint64_t gpa = hypercall_arg(hc, 0), len = hypercall_arg(hc, 1);
	if (len > KEEL_CONSOLE_WRITE_MAX)
		return -EINVAL;
	if (!hypercall_in_ram(d, gpa, len) || p2m_visit(&d->p2m, gpa, len, NPT_PERM_R, put_text, d))
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
	sched_block(hc.v, tsc_guest_deadline(hypercall_arg(hc, 0)));
	return 0;
}

/* set_timer(deadline_ns): the caller's one-shot timer event, which wakes it from block or
 * from HLT with interrupts on; a later call replaces it, 0 cancels it, and so does a
 * deadline beyond what the clock can express. */
static int64_t hc_set_timer(struct hypercall hc)
{
	hc.v->timer_ns = tsc_guest_deadline(hypercall_arg(hc, 0));
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
	uint64_t reason = hypercall_arg(hc, 0), status = hypercall_arg(hc, 1);
	if (reason >= sizeof(reasons) / sizeof(reasons[0]) || status > KEEL_EXIT_STATUS_MAX)
		return -EINVAL;
	domain_end(hc.v->dom, reasons[reason], true, (uint32_t)status, "shutdown hypercall");
	return 0;
}

/* domain_info(buffer, size): who the caller is. */
static int64_t hc_domain_info(struct hypercall hc)
{
	const struct domain *d = hc.v->dom;
	uint64_t gpa = hypercall_arg(hc, 0), size = hypercall_arg(hc, 1);
	struct keel_domain_info info = {
		.id = d->id,
		.vcpus = d->config.vcpus,
		.memory_bytes = d->layout.ram_bytes,
		.abi_version = KEEL_HYPERCALL_ABI_VERSION,
		.restarts = d->restarts,
	};
	if (size < sizeof(info))
		return -EINVAL;
	if (!hypercall_in_ram(d, gpa, size))
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
	uint64_t gpa = hypercall_arg(hc, 0), size = hypercall_arg(hc, 1);
	struct keel_time t = { .now_ns = tsc_now_ns(), .tsc_hz = tsc_hz() };
	if (size < sizeof(t))
		return -EINVAL;
	if (!hypercall_in_ram(d, gpa, size))
		return -EFAULT;
	if (p2m_copy_to_guest(&d->p2m, gpa, &t, sizeof(t)))
		return -EFAULT;
	return sizeof(t);
}

/* The caller's boot module of this index (its ramdisk first), or NULL. */
static const struct loader_file *own_module(const struct domain *d, uint64_t index)
{
	return index < d->images.nmodules ? &d->images.modules[index] : NULL;
}

/* module_info(index, buffer, size). */
static int64_t hc_module_info(struct hypercall hc)
{
	const struct domain *d = hc.v->dom;
	uint64_t index = hypercall_arg(hc, 0), gpa = hypercall_arg(hc, 1), size = hypercall_arg(hc, 2);
	const struct loader_file *m = own_module(d, index);
	struct keel_module_info info = { .index = (uint32_t)index, .ramdisk = index == 0 && d->config.ramdisk[0] };
	if (!m)
		return -ENOENT;
	if (size < sizeof(info))
		return -EINVAL;
	if (!hypercall_in_ram(d, gpa, size))
		return -EFAULT;
	info.size = m->size;
	memcpy(info.name, m->name, strnlen(m->name, sizeof(info.name) - 1)); /* info is zeroed: NUL-terminated */
	memcpy(info.cmdline, m->cmdline, strnlen(m->cmdline, sizeof(info.cmdline) - 1));
	if (p2m_copy_to_guest(&d->p2m, gpa, &info, sizeof(info)))
		return -EFAULT;
	return sizeof(info);
}

/* module_read(index, buffer, size, offset): its bytes from offset on, as many as fit. */
static int64_t hc_module_read(struct hypercall hc)
{
	const struct domain *d = hc.v->dom;
	uint64_t index = hypercall_arg(hc, 0), gpa = hypercall_arg(hc, 1), size = hypercall_arg(hc, 2),
		 offset = hypercall_arg(hc, 3);
	const struct loader_file *m = own_module(d, index);
	if (!m)
		return -ENOENT;
	if (offset > m->size)
		return -EINVAL;
	uint64_t n = m->size - offset < size ? m->size - offset : size;
	if (size && !hypercall_in_ram(d, gpa, size))
		return -EFAULT;
	if (n && p2m_copy_to_guest(&d->p2m, gpa, (const uint8_t *)m->data + offset, n))
		return -EFAULT;
	return (int64_t)n;
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

/* The calls a domain makes on itself, which every domain may make. */
static const hypercall_fn self_calls[] = {
	[KEEL_HC_CONSOLE_WRITE] = hc_console_write,
	[KEEL_HC_YIELD] = hc_yield,
	[KEEL_HC_BLOCK] = hc_block,
	[KEEL_HC_SHUTDOWN] = hc_shutdown,
	[KEEL_HC_DOMAIN_INFO] = hc_domain_info,
	[KEEL_HC_TIME] = hc_time,
	[KEEL_HC_SET_TIMER] = hc_set_timer,
	[KEEL_HC_VCPU_EXITS] = hc_vcpu_exits,
	[KEEL_HC_MODULE_INFO] = hc_module_info,
	[KEEL_HC_MODULE_READ] = hc_module_read,
};

/* The calls on other domains, Keel or the machine: each with the operation the access
 * policy judges, and the name its denial's line gives. */
struct control_call {
	control_fn fn;
	enum policy_op op;
	const char *name;
};

static const struct control_call control_calls[] = {
	[KEEL_HC_DOMAIN_LIST] = { hc_domain_list, POLICY_LIST, "domain_list" },
	[KEEL_HC_DOMAIN_PAUSE] = { hc_domain_pause, POLICY_PAUSE, "domain_pause" },
	[KEEL_HC_DOMAIN_UNPAUSE] = { hc_domain_unpause, POLICY_PAUSE, "domain_unpause" },
	[KEEL_HC_DOMAIN_DESTROY] = { hc_domain_destroy, POLICY_DESTROY, "domain_destroy" },
	[KEEL_HC_DOMAIN_SCHED] = { hc_domain_sched, POLICY_SCHED, "domain_sched" },
	[KEEL_HC_HOST_INFO] = { hc_host_info, POLICY_HOST, "host_info" },
	[KEEL_HC_DOMAIN_SHUTDOWN] = { hc_domain_shutdown, POLICY_SHUTDOWN, "domain_shutdown" },
	[KEEL_HC_CONSOLE_READ] = { hc_console_read, POLICY_CONSOLE, "console_read" },
	[KEEL_HC_CONSOLE_INPUT] = { hc_console_input, POLICY_CONSOLE, "console_input" },
	[KEEL_HC_KEEL_LOG] = { hc_keel_log, POLICY_HOST, "keel_log" },
	[KEEL_HC_DOMAIN_CREATE] = { hc_domain_create, POLICY_HOST, "domain_create" },
};

#define SELF_CALLS (sizeof(self_calls) / sizeof(self_calls[0]))
#define CONTROL_CALLS (sizeof(control_calls) / sizeof(control_calls[0]))

/* The access policy on (caller, operation, the domain whose id is the first argument if the
 * operation names one), then the call. A denial is counted and logged; a domain that does
 * not exist is -ESRCH to a caller that may act on any domain, else a denial. Out of line,
 * so that the calls a domain makes on itself, the frequent ones, pay nothing for it. */
static __attribute__((noinline)) int64_t controlled(struct hypercall hc, const struct control_call *call)
{
	bool has_target = policy_op_has_target(call->op);
	uint64_t id = hypercall_arg(hc, 0);
	struct domain *target = has_target ? domain_by_id(id) : NULL;
	if (!policy_allows(hc.v->dom, call->op, target)) {
		guest_log_denied(hc.v, call->name, has_target, id);
		return -EPERM;
	}
	if (has_target && !target)
		return -ESRCH;
	return call->fn(hc, target);
}

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
	else if (nr < SELF_CALLS && self_calls[nr])
		result = self_calls[nr](hc);
	else if (nr < CONTROL_CALLS && control_calls[nr].fn)
		result = controlled(hc, &control_calls[nr]);
	*rax = (uint64_t)result & hc.mask;
	v->regs.rip += exit->instr_len;
}
