/* The hypercall handler (vmm/hypercall.c), with the access policy (vmm/policy.c) and the
 * domain-control calls (vmm/domctl.c), on any register values, in 64-bit mode or not, at any
 * CPL, from any of four domains with any rights over each other: a guest's every possible
 * call. What the handler may reach is stubbed and checked: a buffer handed to the guest-memory
 * functions lies wholly inside the caller's RAM without wrapping, a shutdown names a
 * documented reason and status, nothing is reached at all from CPL > 0. The policy is judged
 * against its rule written out again here (docs/policy.md): a call the rule denies gets
 * -EPERM, and changes nothing but the caller's count of denials, which grows by one; one it
 * allows is not denied; domain_list writes only domains the caller may see, in the order of
 * their ids. Afterwards RAX holds a documented result (masked to 32 bits outside 64-bit
 * mode), RIP has advanced by the instruction's length, and no other register has changed.
 *
 * Input: how (bits 1:0 the caller's RAM size, 2 64-bit mode, 4:3 CPL), the instruction's
 * length - 1, the world (bit 0: slot 0 is dom0, bits 2:1 the caller's slot), each slot's
 * state, then for each of slots 1-3 two rights (a target slot, 4 for dom0's name, else a
 * name no domain has; the rights' bits), then RAX ... R15 and RIP. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/x86/cpu_features.h"
#include "arch/x86/hvm.h"
#include "arch/x86/page_alloc.h"
#include "drivers/tsc.h"
#include "include/keel/hypercall.h"
#include "lib/errno.h"
#include "vmm/domain.h"
#include "vmm/exit.h"
#include "vmm/guest_log.h"
#include "vmm/policy.h"
#include "vmm/sched.h"

#define SLOTS 4
#define RAM_SIZES 4
#define HEADER 13

static struct domain doms[SLOTS];
static struct domain *caller;
static unsigned reached;  /* stub calls: none may come from CPL > 0 */
static unsigned changes;  /* stub calls that change a domain: none may come from a denied call */
static uint64_t listed_last; /* domain_list: the id of the entry written last, + 1 */
struct timescale tsc_scale = { .horizon_ns = TIMESCALE_MAX_HORIZON_NS };
struct cpu_features cpu = { .vendor = CPU_VENDOR_AMD, .vendor_string = "AuthenticAMD" };
static const struct npt_format npt = { .large_1g = true };
static const struct hvm_ops ops = { .npt_format = &npt };
const struct hvm_ops *hvm = &ops;

static void require(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* A range the handler has checked: inside the caller's RAM, no wrap-around. */
static void in_ram(const struct p2m *p2m, uint64_t gpa, uint64_t len)
{
	require(p2m == &caller->p2m);
	require(layout_is_ram(&caller->layout, gpa, len));
}

/* The operation the access policy judges for hypercall nr. */
static unsigned op_of(uint64_t nr)
{
	static const unsigned ops[] = { [KEEL_HC_DOMAIN_LIST] = POLICY_LIST,
					[KEEL_HC_DOMAIN_PAUSE] = POLICY_PAUSE,
					[KEEL_HC_DOMAIN_UNPAUSE] = POLICY_PAUSE,
					[KEEL_HC_DOMAIN_DESTROY] = POLICY_DESTROY,
					[KEEL_HC_DOMAIN_SCHED] = POLICY_SCHED,
					[KEEL_HC_HOST_INFO] = POLICY_HOST,
					[KEEL_HC_DOMAIN_SHUTDOWN] = POLICY_SHUTDOWN,
					[KEEL_HC_CONSOLE_READ] = POLICY_CONSOLE,
					[KEEL_HC_CONSOLE_INPUT] = POLICY_CONSOLE,
					[KEEL_HC_KEEL_LOG] = POLICY_HOST,
					[KEEL_HC_DOMAIN_CREATE] = POLICY_HOST };
	return nr < sizeof(ops) / sizeof(ops[0]) ? ops[nr] : POLICY_SELF;
}

/* The rule of docs/policy.md: may `from` do op to `to` (NULL: none, or no such domain)? */
static bool allowed(const struct domain *from, unsigned op, const struct domain *to)
{
	if (op == POLICY_SELF || from->id == DOM0_ID)
		return true;
	if (op == POLICY_HOST)
		return false;
	if (op == POLICY_LIST)
		return from->config.nrights > 0;
	if (!to || to->id == DOM0_ID)
		return false;
	for (unsigned i = 0; i < from->config.nrights; i++)
		if (!strcmp(from->config.rights[i].target, to->config.name))
			return op == POLICY_INFO ? from->config.rights[i].ops != 0 : (from->config.rights[i].ops >> op) & 1;
	return false;
}

struct domain *domain_by_id(uint64_t id)
{
	for (unsigned i = 0; i < SLOTS; i++)
		if (doms[i].id == id && doms[i].state != DOMAIN_ENDED)
			return &doms[i];
	return NULL;
}

unsigned domain_count(void)
{
	return SLOTS;
}

struct domain *domain_at(unsigned index)
{
	return index < SLOTS ? &doms[index] : NULL;
}

static void changed(struct domain *d)
{
	reached++;
	changes++;
	require(d >= doms && d < doms + SLOTS && d->state != DOMAIN_ENDED);
}

void domain_pause(struct domain *d)
{
	changed(d);
	require(d != caller && d->state == DOMAIN_RUNNING);
	d->paused = true;
}

void domain_unpause(struct domain *d)
{
	changed(d);
	d->paused = false;
}

void domain_destroy(struct domain *d, const char *by)
{
	changed(d);
	require(d != caller && by != NULL);
	d->state = DOMAIN_ENDED;
}

void domain_set_share(struct domain *d, unsigned weight, unsigned cap)
{
	changed(d);
	require(weight >= 1 && weight <= KEEL_WEIGHT_MAX && cap <= KEEL_CAP_MAX);
	d->config.weight = weight;
	d->config.cap = cap;
}

void domain_press_power_button(struct domain *d)
{
	changed(d);
	require(d != caller && d->state == DOMAIN_RUNNING);
}

bool serial_port_receive(struct serial_port *s, uint8_t byte)
{
	(void)s;
	(void)byte;
	reached++;
	changes++;
	return changes <= 16; /* a FIFO's room */
}

/* Keel's log: what the fuzzer's RBX says it has written so far. */
static struct ring keel_log;

const struct ring *log_history(void)
{
	return &keel_log;
}

void guest_log_denied(struct vcpu *v, const char *name, bool has_target, uint64_t target)
{
	(void)has_target;
	(void)target;
	reached++;
	require(v == &caller->vcpu && name != NULL);
	v->dom->log_counts.seen[GUEST_LOG_DENIED]++;
}

uint64_t guest_log_denials(const struct domain *d)
{
	return d->log_counts.seen[GUEST_LOG_DENIED];
}

/* Reads (console_write, console_input: at most a write's worth) or writes (a ring's bytes). */
int p2m_visit(struct p2m *p2m, uint64_t gpa, uint64_t len, unsigned need, p2m_visit_fn visit, void *ctx)
{
	static char text[KEEL_CONSOLE_WRITE_MAX];
	reached++;
	in_ram(p2m, gpa, len);
	require(need == NPT_PERM_W || (need == NPT_PERM_R && len <= sizeof(text)));
	for (uint64_t done = 0; done < len; done += sizeof(text))
		visit(text, done, len - done < sizeof(text) ? len - done : sizeof(text), ctx);
	return 0;
}

/* A ring position a caller stored: the fuzzer's R9. Anything else the caller's memory
 * holds (a domain_create request, its configuration, its files): the input's bytes after
 * the registers, over and over. */
static uint64_t stored_position;
static const uint8_t *memory_bytes;
static size_t memory_size;

int p2m_copy_from_guest(const struct p2m *p2m, uint64_t gpa, void *dst, uint64_t len)
{
	reached++;
	in_ram(p2m, gpa, len);
	if (len == sizeof(stored_position)) {
		memcpy(dst, &stored_position, len);
		return 0;
	}
	require(len <= KEEL_CREATE_FILE_MAX);
	for (uint64_t i = 0; i < len; i++)
		((uint8_t *)dst)[i] = memory_size ? memory_bytes[(gpa + i) % memory_size] : 0;
	return 0;
}

/* Keel's pages, for domain_create's copies: the host's, counted, so that each is freed. */
static unsigned pages_held;

uint64_t page_alloc_contig(uint64_t npages, uint64_t align)
{
	require(align == PAGE_SIZE && npages > 0 && npages <= KEEL_CREATE_FILE_MAX / PAGE_SIZE);
	if (npages > 64)
		return 0; /* what a fuzzer's machine can give: a bigger file finds no memory */
	pages_held++;
	return (uint64_t)(uintptr_t)aligned_alloc(PAGE_SIZE, npages * PAGE_SIZE);
}

int page_free(uint64_t phys, uint64_t npages)
{
	require(phys && npages && pages_held);
	pages_held--;
	free((void *)(uintptr_t)phys);
	return 0;
}

void domain_free_copies(struct boot_module *copies, unsigned *count)
{
	for (unsigned i = 0; i < *count; i++)
		page_free(copies[i].base, (copies[i].size + PAGE_SIZE - 1) / PAGE_SIZE);
	*count = 0;
}

/* domain_create's build: the files it was given lie in Keel's copies, each named once. */
struct domain *domain_create(const struct domain_config *cfg, const struct domain_files *files, bool dom0,
			     char *why, size_t len)
{
	reached++;
	changes++;
	require(!dom0 && cfg->name[0] && files->count <= DOMAIN_FILES_MAX);
	for (unsigned i = 0; i < files->count; i++)
		for (unsigned k = 0; k < i; k++)
			require(strcmp(files->file[i].name, files->file[k].name) != 0);
	snprintf(why, len, "not built by the fuzzer");
	return NULL;
}

int p2m_copy_to_guest(const struct p2m *p2m, uint64_t gpa, const void *src, uint64_t len)
{
	reached++;
	in_ram(p2m, gpa, len);
	require(src != NULL);
	if (len == sizeof(struct keel_domain_status)) { /* a domain_list entry */
		const struct keel_domain_status *st = src;
		const struct domain *d = domain_by_id(st->id);
		require(d && st->id >= listed_last && allowed(caller, POLICY_INFO, d));
		listed_last = st->id + 1;
	}
	return 0;
}

void console_put(struct domain *d, enum console_source src, const char *text, size_t len)
{
	reached++;
	require(d == caller && src == CONSOLE_HYPERCALL && text != NULL && len <= KEEL_CONSOLE_WRITE_MAX);
}

void sched_yield_cpu(struct vcpu *v)
{
	reached++;
	require(v == &caller->vcpu);
}

void sched_block(struct vcpu *v, uint64_t deadline_ns)
{
	(void)deadline_ns;
	reached++;
	require(v == &caller->vcpu);
}

/* The caller's own shutdown, or a reset of another domain (domain_shutdown). */
void domain_end(struct domain *d, enum end_reason reason, bool has_status, uint32_t status, const char *how_fmt,
		...)
{
	require(how_fmt != NULL);
	if (d != caller) {
		changed(d);
		require(d->state == DOMAIN_RUNNING && reason == END_REBOOT && !has_status);
		return;
	}
	reached++;
	require(has_status && status <= KEEL_EXIT_STATUS_MAX);
	require(reason == END_POWEROFF || reason == END_REBOOT || reason == END_CRASH);
}

/* Keel's log: each line formatted, as Keel would, and dropped. */
void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	require(level <= LOG_DEBUG && fmt != NULL);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
}

uint64_t tsc_hz(void)
{
	return 1000000000;
}

uint64_t page_alloc_free_pages(void)
{
	return 1000;
}

uint64_t page_alloc_total_pages(void)
{
	return 4096;
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
	return result >= 0 || result == -EPERM || result == -ESRCH || result == -EFAULT || result == -EBUSY ||
	       result == -EINVAL || result == -ENOSYS || result == -ENOMEM || result == -ENOENT;
}

/* Four domains: slot 0 "boss" (dom0, id 0, or id 4), slots 1-3 "web", "db", "app" with ids
 * 1-3; states and rights from the input. */
static void build_world(const uint8_t *h, uint64_t ram)
{
	static const char *const names[SLOTS] = { "boss", "web", "db", "app" };
	static const enum domain_state states[] = { DOMAIN_RUNNING, DOMAIN_ENDING, DOMAIN_PRESERVED, DOMAIN_ENDED };
	char why[128];
	for (unsigned i = 0; i < SLOTS; i++) {
		struct domain *d = &doms[i];
		memset(d, 0, sizeof(*d));
		d->id = i ? i : (h[0] & 1) ? DOM0_ID : SLOTS;
		strcpy(d->config.name, names[i]);
		d->config.vcpus = 1;
		d->config.weight = 256;
		d->state = states[h[1 + i] & 3];
		d->vcpu.dom = d;
		static uint8_t console_bytes[SLOTS][256];
		ring_init(&d->console.ring, console_bytes[i], sizeof(console_bytes[i]));
		d->console.ring.written = 1000 * i; /* slot 0's empty, the others' wrapped round */
		static const char module_bytes[] = "a module's bytes";
		d->images.modules[0] = (struct loader_file){ module_bytes, sizeof(module_bytes), "data.bin", "its line" };
		d->images.nmodules = i & 1; /* web and app have one */
		if (layout_build(&d->layout, ram, LAYOUT_HOLE_DEFAULT_MIB, 1ull << 48, why, sizeof(why)))
			__builtin_trap();
		d->p2m.layout = &d->layout;
	}
	for (unsigned i = 1; i < SLOTS; i++) {
		struct domain_config *c = &doms[i].config;
		for (unsigned k = 0; k < 2; k++) {
			uint8_t t = h[5 + (i - 1) * 2 + k] & 7, bits = h[5 + (i - 1) * 2 + k] >> 3;
			const char *target = t < SLOTS ? names[t] : t == SLOTS ? "boss" : "nobody";
			if (k == 1 && c->nrights && !strcmp(c->rights[0].target, target))
				continue;
			strcpy(c->rights[c->nrights].target, target);
			c->rights[c->nrights++].ops = (unsigned)bits << POLICY_INFO & ((1u << POLICY_OPS) - 1);
		}
	}
	caller = &doms[(h[0] >> 1) & 3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t ram_sizes[RAM_SIZES] = { 1 << 20, 4 << 20, 1ull << 30, 6ull << 30 };
	if (size < HEADER)
		return 0;
	uint8_t how = data[0], len = (uint8_t)(1 + data[1] % 15);
	build_world(data + 2, ram_sizes[how & 3]);
	data += HEADER;
	size -= HEADER;
	if (caller->state != DOMAIN_RUNNING)
		return 0; /* only a running domain's vCPU makes calls */
	struct vcpu *v = &caller->vcpu;
	for (unsigned r = 0; r < GUEST_GPR_COUNT; r++)
		v->regs.gpr[r] = take(&data, &size);
	v->regs.rip = take(&data, &size);
	struct guest_regs before = v->regs;
	stored_position = v->regs.gpr[REG_R9];
	memory_bytes = data;
	memory_size = size;
	pages_held = 0;
	static uint8_t log_bytes[4096];
	ring_init(&keel_log, log_bytes, sizeof(log_bytes));
	keel_log.written = v->regs.gpr[REG_RBX] >> 32;
	struct vm_exit exit = { .reason = EXIT_HYPERCALL, .instr_len = len };
	exit.hypercall.long_mode = how & 4;
	exit.hypercall.cpl = (how >> 3) & 3;
	uint64_t mask = exit.hypercall.long_mode ? ~0ull : 0xffffffffull;
	uint64_t nr = v->regs.gpr[REG_RAX] & mask;
	unsigned op = op_of(nr);
	bool may = allowed(caller, op, policy_op_has_target(op) ? domain_by_id(v->regs.gpr[REG_RDI] & mask) : NULL);
	static struct domain snapshot[SLOTS];
	memcpy(snapshot, doms, sizeof(doms));
	reached = changes = 0;
	listed_last = 0;

	handle_hypercall(v, &exit);

	uint64_t rax = v->regs.gpr[REG_RAX];
	require((rax & ~mask) == 0);
	int64_t result = exit.hypercall.long_mode ? (int64_t)rax : (int64_t)(int32_t)(uint32_t)rax;
	require(documented(result) && pages_held == 0);
	require(v->regs.rip == before.rip + len);
	for (unsigned r = 1; r < GUEST_GPR_COUNT; r++)
		require(v->regs.gpr[r] == before.gpr[r]);
	if (exit.hypercall.cpl) {
		require(result == -EPERM && reached == 0);
	} else if (op != POLICY_SELF) {
		require(may == (result != -EPERM));
		if (!may) { /* nothing changed but the caller's count of denials */
			require(changes == 0);
			require(caller->log_counts.seen[GUEST_LOG_DENIED] == 1);
			caller->log_counts.seen[GUEST_LOG_DENIED] = 0;
			caller->vcpu.regs = snapshot[caller - doms].vcpu.regs;
			require(memcmp(snapshot, doms, sizeof(doms)) == 0);
		}
	}
	return 0;
}
