/* The hypercall handler (vmm/hypercall.c) on any register values, in 64-bit mode or not, at
 * any CPL: a guest's every possible call. What it may reach is stubbed and checked: a
 * buffer handed to the guest-memory functions lies wholly inside the caller's RAM without
 * wrapping, a shutdown names a documented reason and status, nothing is reached at all from
 * CPL > 0. Afterwards RAX holds a documented result (masked to 32 bits outside 64-bit mode),
 * RIP has advanced by the instruction's length, and no other register has changed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "drivers/tsc.h"
#include "include/keel/hypercall.h"
#include "lib/errno.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/sched.h"

#define RAM_SIZES 4

static struct domain dom;
static unsigned reached; /* stub calls: none may come from CPL > 0 */
struct timescale tsc_scale = { .horizon_ns = TIMESCALE_MAX_HORIZON_NS };

static void require(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* A range the handler has checked: inside the caller's RAM, no wrap-around. */
static void in_ram(const struct p2m *p2m, uint64_t gpa, uint64_t len)
{
	require(p2m == &dom.p2m);
	require(layout_is_ram(&dom.layout, gpa, len));
}

int p2m_visit(struct p2m *p2m, uint64_t gpa, uint64_t len, unsigned need, p2m_visit_fn visit, void *ctx)
{
	static char text[KEEL_CONSOLE_WRITE_MAX];
	reached++;
	in_ram(p2m, gpa, len);
	require(need == NPT_PERM_R && len <= sizeof(text));
	if (len)
		visit(text, 0, len, ctx);
	return 0;
}

int p2m_copy_to_guest(const struct p2m *p2m, uint64_t gpa, const void *src, uint64_t len)
{
	reached++;
	in_ram(p2m, gpa, len);
	require(src != NULL);
	return 0;
}

void console_put(struct domain *d, enum console_source src, const char *text, size_t len)
{
	reached++;
	require(d == &dom && src == CONSOLE_HYPERCALL && text != NULL && len <= KEEL_CONSOLE_WRITE_MAX);
}

void sched_yield_cpu(struct vcpu *v)
{
	reached++;
	require(v == &dom.vcpu);
}

void sched_block(struct vcpu *v, uint64_t deadline_ns)
{
	(void)deadline_ns;
	reached++;
	require(v == &dom.vcpu);
}

void domain_end(struct domain *d, enum end_reason reason, bool has_status, uint32_t status, const char *how_fmt,
		...)
{
	reached++;
	require(d == &dom && how_fmt != NULL && has_status && status <= KEEL_EXIT_STATUS_MAX);
	require(reason == END_POWEROFF || reason == END_REBOOT || reason == END_CRASH);
}

uint64_t tsc_hz(void)
{
	return 1000000000;
}

static uint64_t take(const uint8_t **data, size_t *size)
{
	uint64_t v = 0;
	size_t n = *size < 8 ? *size : 8;
	memcpy(&v, *data, n);
	*data += n;
	*size -= n;
	return v;
}

static int documented(int64_t result)
{
	return result >= 0 || result == -EPERM || result == -EFAULT || result == -EINVAL || result == -ENOSYS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t ram_sizes[RAM_SIZES] = { 1 << 20, 4 << 20, 1ull << 30, 6ull << 30 };
	char why[128];
	if (size < 2)
		return 0;
	uint8_t how = data[0], len = (uint8_t)(1 + data[1] % 15);
	data += 2;
	size -= 2;
	memset(&dom, 0, sizeof(dom));
	dom.vcpu.dom = &dom;
	if (layout_build(&dom.layout, ram_sizes[how & 3], LAYOUT_HOLE_DEFAULT_MIB, 1ull << 48, why, sizeof(why)))
		__builtin_trap();
	dom.p2m.layout = &dom.layout;
	dom.config.vcpus = 1;
	struct vcpu *v = &dom.vcpu;
	for (unsigned r = 0; r < GUEST_GPR_COUNT; r++)
		v->regs.gpr[r] = take(&data, &size);
	v->regs.rip = take(&data, &size);
	struct guest_regs before = v->regs;
	struct vm_exit exit = { .reason = EXIT_HYPERCALL, .instr_len = len };
	exit.hypercall.long_mode = how & 4;
	exit.hypercall.cpl = (how >> 3) & 3;
	reached = 0;

	handle_hypercall(v, &exit);

	uint64_t mask = exit.hypercall.long_mode ? ~0ull : 0xffffffffull, rax = v->regs.gpr[REG_RAX];
	require((rax & ~mask) == 0);
	int64_t result = exit.hypercall.long_mode ? (int64_t)rax : (int64_t)(int32_t)(uint32_t)rax;
	require(documented(result));
	if (exit.hypercall.cpl)
		require(result == -EPERM && reached == 0);
	require(v->regs.rip == before.rip + len);
	for (unsigned r = 1; r < GUEST_GPR_COUNT; r++)
		require(v->regs.gpr[r] == before.gpr[r]);
	return 0;
}
