/* Hypercalls (include/keel/hypercall.h, docs/hypercalls.md): RAX = number, RDI, RSI, RDX,
 * R10, R8 = arguments, RAX = result. The number indexes a constant table. */
#include "include/keel/hypercall.h"
#include "lib/errno.h"
#include "vmm/domain.h"
#include "vmm/exit.h"

#define HYPERCALL_ARGS 5

typedef int64_t (*hypercall_fn)(struct domain *d, const uint64_t arg[HYPERCALL_ARGS]);

/* console_write(buffer GPA, length): the guest's text on Keel's console. */
static int64_t hc_console_write(struct domain *d, const uint64_t arg[HYPERCALL_ARGS])
{
	uint64_t gpa = arg[0], len = arg[1];
	if (len > KEEL_CONSOLE_WRITE_MAX)
		return -EINVAL;
	if (gpa + len < gpa || gpa + len > d->p2m.ram_size)
		return -EFAULT;
	char chunk[256];
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if (p2m_copy_from_guest(&d->p2m, chunk, gpa + done, n))
			return -EFAULT;
		console_put(d, CONSOLE_HYPERCALL, chunk, n);
		done += n;
	}
	return (int64_t)len;
}

static const hypercall_fn hypercalls[] = {
	[KEEL_HC_CONSOLE_WRITE] = hc_console_write,
};

#define HYPERCALL_COUNT (sizeof(hypercalls) / sizeof(hypercalls[0]))

void handle_hypercall(struct vcpu *v, const struct vm_exit *exit)
{
	uint64_t *g = v->regs.gpr;
	/* Outside 64-bit mode only the low halves of the registers are the guest's. */
	uint64_t mask = exit->long_mode ? ~0ull : 0xffffffffull;
	uint64_t nr = g[REG_RAX] & mask;
	uint64_t arg[HYPERCALL_ARGS] = { g[REG_RDI] & mask, g[REG_RSI] & mask, g[REG_RDX] & mask,
					 g[REG_R10] & mask, g[REG_R8] & mask };
	int64_t result = -ENOSYS;
	if (nr < HYPERCALL_COUNT && hypercalls[nr])
		result = hypercalls[nr](v->dom, arg);
	g[REG_RAX] = (uint64_t)result & mask;
	v->regs.rip += exit->instr_len;
}
