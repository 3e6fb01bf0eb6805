#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/page_alloc.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/dev/vlapic.h"
#include "vmm/domain.h"
#include "vmm/events.h"
#include "vmm/guest_log.h"
#include "vmm/guest_walk.h"
#include "vmm/insn_memo.h"
#include "vmm/walk_memo.h"
#include "vmm/emulate.h"
#include "vmm/pc_names.h"
#include "vmm/x86_emulate.h"

/* REP string elements run in one exit; the guest runs the instruction on from where it
 * stands after them (SDM vol.2 "REP"), so a long one does not hold the CPU. */
#define EMULATE_REP_ELEMENTS 64

/* One emulation: the vCPU, its paging as it stands, its RSP and RFLAGS as they were, the
 * entries the walk under way read, the guest-physical address a nested-paging fault gave
 * for the instruction's access, why a callback gave up. */
struct emulation {
	struct vcpu *v;
	struct guest_paging paging;
	uint64_t rsp, rflags;
	struct walk_record record;
	uint64_t fault_gpa;
	bool fault_gpa_known; /* fault_gpa stands in for the walk of the access that faulted */
	struct x86_memory memory; /* the callbacks below, set up where the executor needs them */
	char why[160];
};

/* Where a linear address leads: the guest-physical address, and where Keel reaches that
 * byte of the guest's RAM; host NULL where it is not RAM (a device's, or nothing's). */
struct place {
	uint64_t gpa;
	uint8_t *host;
};

/* The host address of [gpa, gpa + len) of the guest's RAM, with the permissions need;
 * NULL where it is not RAM, or crosses a leaf of the p2m. */
static void *ram_at(struct emulation *m, uint64_t gpa, uint64_t len, unsigned need)
{
	struct domain *d = m->v->dom;
	return layout_is_ram(&d->layout, gpa, len) ? p2m_host_range(&d->p2m, &m->v->ram_memo, gpa, len, need) : NULL;
}

/* Where gpa's 4 KiB page of the guest's RAM is, or NULL where it is not RAM: a p2m leaf
 * holds whole pages, and the guest's RAM is mapped with every permission. */
static uint8_t *ram_page(struct emulation *m, uint64_t gpa)
{
	return ram_at(m, gpa & ~(uint64_t)(PAGE_SIZE - 1), PAGE_SIZE, NPT_PERM_R | NPT_PERM_W);
}

/* A page-table entry, read in one access as a CPU reads it (another vCPU may write it). The
 * walker reads aligned words, which never cross a leaf. */
static bool read_table(void *ctx, uint64_t gpa, uint64_t *value)
{
	struct emulation *m = ctx;
	uint64_t *entry = ram_at(m, gpa, 8, NPT_PERM_R);
	if (!entry)
		return false;
	*value = __atomic_load_n(entry, __ATOMIC_RELAXED);
	walk_record_read(&m->record, entry, *value);
	return true;
}

/* The accessed and dirty bits a walk sets, with a locked OR as the CPU's own walk does (SDM
 * vol.3 §4.8): a bit another vCPU changes meanwhile is kept. */
static bool set_table_bits(void *ctx, uint64_t gpa, uint64_t bits)
{
	struct emulation *m = ctx;
	uint64_t *entry = ram_at(m, gpa, 8, NPT_PERM_W);
	if (!entry)
		return false;
	__atomic_fetch_or(entry, bits, __ATOMIC_RELAXED);
	walk_record_set(&m->record, bits);
	return true;
}

/* translate's walk, when the memo does not hold one, kept in the memo. */
static __attribute__((noinline)) enum x86_result walk(struct emulation *m, uint64_t linear, enum guest_access access,
						      struct place *to, struct x86_fault *fault)
{
	struct vcpu *v = m->v;
	uint64_t generation = v->dom->p2m.generation;
	struct guest_paging *p = &m->paging;
	/* as the guest's CPUID shows them: vmm/cpuid.c passes both through */
	p->maxphyaddr = cpu.phys_addr_bits;
	p->pages_1g = cpu.pages_1g;
	p->pdptes = NULL;
	p->ctx = m;
	p->read = read_table;
	p->set_bits = set_table_bits;
	struct guest_walk w;
	walk_record_start(&m->record);
	switch (guest_walk(&m->paging, linear, access, &w)) {
	case GUEST_WALK_OK: {
		uint8_t *page = ram_page(m, w.gpa);
		*to = (struct place){ w.gpa, page ? page + (w.gpa & (PAGE_SIZE - 1)) : NULL };
		walk_memo_keep(&v->walk_memo, generation, &m->paging, linear, access, w.gpa, page, &m->record);
		return X86_OK;
	}
	case GUEST_WALK_PAGE_FAULT:
		*fault = (struct x86_fault){ .vector = X86_PF, .error_code = w.error_code, .cr2 = linear };
		return X86_EXCEPTION;
	default:
		ksnprintf(m->why, sizeof(m->why), "its page tables for 0x%llx lie outside its RAM (at 0x%llx)",
			  (unsigned long long)linear, (unsigned long long)w.gpa);
		return X86_ABORT;
	}
}

/* Where linear leads for an access of that kind, or the fault to give. The instruction's
 * own data access at the address a nested-paging fault gave (the same offset in its page)
 * goes there: the CPU walked the guest's page tables for it, with their permission
 * checks, just before it faulted (KVM takes the same shortcut). Else from the vCPU's memo
 * of walks if it still holds, else walked (and kept). */
static inline enum x86_result translate(struct emulation *m, uint64_t linear, enum guest_access access,
					struct place *to, struct x86_fault *fault)
{
	struct vcpu *v = m->v;
	if (m->fault_gpa_known && access != GUEST_FETCH && ((linear ^ m->fault_gpa) & (PAGE_SIZE - 1)) == 0) {
		*to = (struct place){ m->fault_gpa, NULL }; /* nothing is mapped there */
		return X86_OK;
	}
	if (walk_memo_find(&v->walk_memo, v->dom->p2m.generation, &m->paging, linear, access, &to->gpa, &to->host))
		return X86_OK;
	return walk(m, linear, access, to, fault);
}

/* [linear, linear + size) within one page, or split at the page's end: both halves are
 * translated before either is touched, so that a fault leaves memory as it was. */
static enum x86_result translate_both(struct emulation *m, uint64_t linear, unsigned size, enum guest_access access,
				      struct place at[2], unsigned *first, struct x86_fault *fault)
{
	*first = (unsigned)(PAGE_SIZE - (linear & (PAGE_SIZE - 1)));
	if (*first > size)
		*first = size;
	enum x86_result r = translate(m, linear, access, &at[0], fault);
	if (r == X86_OK && *first < size)
		r = translate(m, linear + *first, access, &at[1], fault);
	return r;
}

/* A device access of size bytes at gpa: the vCPU's own local APIC where its page is (each
 * vCPU sees its own there, SDM vol.3 §11.4.1), else the domain's I/O bus. */
static uint64_t device_read(struct vcpu *v, uint64_t gpa, unsigned size)
{
	uint64_t offset = gpa - vlapic_mmio_base(v->lapic);
	if (offset < VLAPIC_PAGE_SIZE) {
		return offset + size <= VLAPIC_PAGE_SIZE ? vlapic_mmio_read(v->lapic, offset, size) : ~0ull;
	}
	uint64_t value;
	if (!io_mmio_read(v->dom, gpa, size, &value))
		guest_log_unbacked(v, gpa, size, false);
	return value;
}

static void device_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t value)
{
	uint64_t offset = gpa - vlapic_mmio_base(v->lapic);
	if (offset < VLAPIC_PAGE_SIZE) {
		if (offset + size <= VLAPIC_PAGE_SIZE)
			vlapic_mmio_write(v->lapic, offset, size, value);
		if (offset == VLAPIC_TPR_OFFSET) /* no other register changes it (a write of 4 bytes there) */
			events_tpr_to_guest(v);
		return;
	}
	if (!io_mmio_write(v->dom, gpa, size, value))
		guest_log_unbacked(v, gpa, size, true);
}

/* n bytes at a place, all in one page: from the guest's RAM, or from a device where
 * nothing backs it. */
static void read_piece(struct emulation *m, const struct place *at, uint8_t *data, unsigned n)
{
	struct vcpu *v = m->v;
	uint64_t gpa = at->gpa;
	if (at->host) {
		memcpy(data, at->host, n);
		return;
	}
	if (n == 1 || n == 2 || n == 4 || n == 8) {
		uint64_t value = device_read(v, gpa, n);
		memcpy(data, &value, n);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		data[i] = (uint8_t)device_read(v, gpa + i, 1);
}

static void write_piece(struct emulation *m, const struct place *at, const uint8_t *data, unsigned n)
{
	struct vcpu *v = m->v;
	uint64_t gpa = at->gpa;
	if (at->host) {
		memcpy(at->host, data, n);
		return;
	}
	if (n == 1 || n == 2 || n == 4 || n == 8) {
		uint64_t value = 0;
		memcpy(&value, data, n);
		device_write(v, gpa, n, value);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		device_write(v, gpa + i, 1, data[i]);
}

static enum x86_result mem_read(void *ctx, uint64_t linear, void *data, unsigned size, bool for_write,
				struct x86_fault *fault)
{
	struct emulation *m = ctx;
	struct place at[2];
	unsigned first;
	enum x86_result r = translate_both(m, linear, size, for_write ? GUEST_WRITE : GUEST_READ, at, &first, fault);
	if (r != X86_OK)
		return r;
	read_piece(m, &at[0], data, first);
	if (first < size)
		read_piece(m, &at[1], (uint8_t *)data + first, size - first);
	return X86_OK;
}

static enum x86_result mem_write(void *ctx, uint64_t linear, const void *data, unsigned size, struct x86_fault *fault)
{
	struct emulation *m = ctx;
	struct place at[2];
	unsigned first;
	enum x86_result r = translate_both(m, linear, size, GUEST_WRITE, at, &first, fault);
	if (r != X86_OK)
		return r;
	write_piece(m, &at[0], data, first);
	if (first < size)
		write_piece(m, &at[1], (const uint8_t *)data + first, size - first);
	return X86_OK;
}

static enum x86_result mem_check_write(void *ctx, uint64_t linear, unsigned size, struct x86_fault *fault)
{
	struct place at[2];
	unsigned first;
	return translate_both(ctx, linear, size, GUEST_WRITE, at, &first, fault);
}

static uint64_t port_in(void *ctx, uint16_t port, unsigned size)
{
	return io_port_read(((struct emulation *)ctx)->v->dom, port, size);
}

static void port_out(void *ctx, uint16_t port, unsigned size, uint64_t value)
{
	io_port_write(((struct emulation *)ctx)->v->dom, port, size, value);
}

/* Where Keel reads the guest's code at linear (to the end of its page); X86_ABORT and
 * m->why if it is not in the guest's RAM: code that runs from device memory is not
 * something Keel emulates. */
static enum x86_result code_at(struct emulation *m, uint64_t linear, const uint8_t **code, struct x86_fault *fault)
{
	struct place at;
	enum x86_result r = translate(m, linear, GUEST_FETCH, &at, fault);
	if (r == X86_OK && !at.host) {
		ksnprintf(m->why, sizeof(m->why), "it runs code at guest-physical 0x%llx, which is not its RAM",
			  (unsigned long long)at.gpa);
		r = X86_ABORT;
	}
	*code = at.host;
	return r;
}

/* Instruction bytes, within one page (x86_fetch splits them at the page's end). */
static enum x86_result mem_fetch(void *ctx, uint64_t linear, void *data, unsigned size, struct x86_fault *fault)
{
	const uint8_t *code;
	enum x86_result r = code_at(ctx, linear, &code, fault);
	if (r == X86_OK)
		memcpy(data, code, size);
	return r;
}

/* The callbacks through which x86_fetch and x86_emulate reach the guest. */
static const struct x86_memory *callbacks(struct emulation *m)
{
	m->memory = (struct x86_memory){ m, mem_fetch, mem_read, mem_write, mem_check_write, port_in, port_out };
	return &m->memory;
}

/* The guest's paging registers, RIP, RFLAGS and CS as the emulator wants them to fetch and
 * decode (the rest of what a walk needs is set where Keel walks); the general registers
 * stay in the vCPU until the executor needs them (load_registers). */
static void load_state(struct emulation *m, struct x86_cpu *regs)
{
	struct hvm_emulation_view view;
	hvm->read_emulation_view(m->v->vendor, &view);
	struct guest_paging *p = &m->paging;
	p->cr0 = view.cr0;
	p->cr3 = view.cr3;
	p->cr4 = view.cr4;
	p->efer = view.efer;
	p->cpl = view.cpl;
	p->ac = view.rflags & RFLAGS_AC;
	regs->rip = m->v->regs.rip;
	regs->rflags = m->rflags = view.rflags;
	/* a code segment: never expand-down */
	regs->seg[X86_SEG_CS] = (struct x86_segment){ view.cs_base, view.cs_limit, false, view.cs_big };
	bool protected_mode = view.cr0 & CR0_PE;
	regs->mode = (view.efer & EFER_LMA) && view.cs_long_mode ? X86_MODE_64
		     : protected_mode && view.cs_big                ? X86_MODE_32
								    : X86_MODE_16;
	regs->la57 = view.cr4 & CR4_LA57;
}

/* The general registers, for the executor; RSP lives in the VMCB or VMCS. */
static void load_registers(struct emulation *m, struct x86_cpu *regs)
{
	memcpy(regs->gpr, m->v->regs.gpr, sizeof(regs->gpr));
	regs->gpr[REG_RSP] = m->rsp = hvm->read_state(m->v->vendor, GUEST_RSP);
}

static void load_segment(struct vcpu *v, struct x86_cpu *regs, unsigned s)
{
	struct hvm_segment seg;
	hvm->read_segment(v->vendor, s, &seg);
	regs->seg[s] = (struct x86_segment){ seg.base, seg.limit, seg.expand_down, seg.big };
}

/* The segments the decoded instruction reaches memory through, which load_state left out:
 * its operand's, and ES for the destination of MOVS and STOS (SDM vol.2, "MOVS"). In 64-bit
 * mode only FS and GS have a base, and no limit counts. */
static void load_segments(struct vcpu *v, struct x86_cpu *regs, const struct x86_insn *insn)
{
	if (regs->mode != X86_MODE_64 || insn->mem.seg == X86_SEG_FS || insn->mem.seg == X86_SEG_GS)
		load_segment(v, regs, insn->mem.seg);
	if (insn->form == X86_STRING && regs->mode != X86_MODE_64 && insn->mem.seg != X86_SEG_ES)
		load_segment(v, regs, X86_SEG_ES);
}

/* The registers the instruction changed; RSP and RFLAGS live in the VMCB or VMCS. */
static void store_state(const struct emulation *m, const struct x86_cpu *regs)
{
	struct vcpu *v = m->v;
	uint64_t rsp = v->regs.gpr[REG_RSP];
	memcpy(v->regs.gpr, regs->gpr, sizeof(regs->gpr));
	v->regs.gpr[REG_RSP] = rsp; /* not used */
	if (regs->gpr[REG_RSP] != m->rsp)
		hvm->write_state(v->vendor, GUEST_RSP, regs->gpr[REG_RSP]);
	if (regs->rflags != m->rflags)
		hvm->write_state(v->vendor, GUEST_RFLAGS, regs->rflags);
	v->regs.rip = regs->rip;
}

/* The fault the guest's instruction raises instead of its access. */
static void reflect(struct vcpu *v, const struct x86_fault *f)
{
	if (f->vector == X86_PF)
		hvm->write_state(v->vendor, GUEST_CR2, f->cr2);
	bool has_code = f->vector == X86_PF || f->vector == X86_GP || f->vector == X86_SS;
	vcpu_inject_exception(v, f->vector, has_code, f->error_code);
}

/* Ends the domain for an instruction Keel does not emulate, naming the bytes it decoded. */
static void crash_undecoded(struct vcpu *v, const uint8_t *bytes, unsigned length, const char *why)
{
	char text[3 * X86_MAX_INSN_LEN + 1] = "";
	for (unsigned i = 0; i < length && i < X86_MAX_INSN_LEN; i++)
		ksnprintf(text + 3 * i, sizeof(text) - 3 * i, " %02x", bytes[i]);
	domain_crash(v->dom, "an instruction Keel does not emulate (bytes decoded:%s) at rip 0x%llx %s", text,
		     (unsigned long long)v->regs.rip, why);
}

/* An emulation of v's next instruction begins: its state. */
static void begin(struct emulation *m, struct vcpu *v, struct x86_cpu *regs)
{
	m->v = v;
	m->fault_gpa_known = false;
	m->why[0] = '\0';
	load_state(m, regs);
}

/* The instruction at CS:RIP, decoded: the one the vCPU's memo kept if its address still
 * translates as it did and the code there is still its bytes, else fetched and decoded
 * into *decoded (and kept, with the walk that found it). */
static enum x86_fetch_status fetch(struct emulation *m, const struct x86_cpu *regs, uint8_t bytes[X86_MAX_INSN_LEN],
				   const struct x86_insn **insn, struct x86_insn *decoded, struct x86_fault *fault)
{
	struct vcpu *v = m->v;
	uint64_t generation = v->dom->p2m.generation, linear;
	size_t room = x86_code_room(regs, &linear);
	const struct insn_memo_slot *kept = insn_memo_find(&v->insn_memo, generation, &m->paging, linear, regs->mode);
	if (kept && kept->insn.length <= room) {
		*insn = &kept->insn;
		return X86_FETCHED;
	}
	enum x86_fetch_status status = x86_fetch(regs, callbacks(m), bytes, decoded, fault);
	if (status == X86_FETCHED)
		insn_memo_keep(&v->insn_memo, generation, linear, regs->mode, bytes, decoded,
			       walk_memo_slot_of(&v->walk_memo, generation, linear, GUEST_FETCH));
	*insn = decoded;
	return status;
}

/* A MOV, MOVZX or MOVSX whose access the fault gave: the commonest MMIO access, a device
 * register read or written. The CPU already checked its segment, its address and the
 * guest's page-level permissions before it faulted, so what is left is the access at the
 * fault's address and the register, right in the vCPU's. Not where the operand crosses a
 * page (the fault gave one of the two), nor where RSP takes part (it lives in the VMCB or
 * VMCS): the executor runs those. */
static bool mov_at_fault(struct emulation *m, struct x86_cpu *regs, const struct x86_insn *insn)
{
	struct vcpu *v = m->v;
	const struct x86_mem *op = &insn->mem;
	if ((insn->op != X86_MOV && insn->op != X86_MOVZX && insn->op != X86_MOVSX) || insn->reg == X86_RSP ||
	    op->base == X86_RSP || op->index == X86_RSP)
		return false;
	uint64_t *gpr = v->regs.gpr;
	uint64_t linear = x86_linear_address(regs, op->seg, x86_operand_offset(insn, gpr, regs->rip));
	uint64_t in_page = linear & (PAGE_SIZE - 1);
	if (in_page != (m->fault_gpa & (PAGE_SIZE - 1)) || in_page + insn->mem_size > PAGE_SIZE)
		return false;
	if (insn->form == X86_REG_MEM)
		x86_mov_load(insn, gpr, device_read(v, m->fault_gpa, insn->mem_size));
	else
		device_write(v, m->fault_gpa, insn->mem_size, x86_mov_store_value(insn, gpr));
	v->regs.rip = x86_next_rip(insn, regs->rip, regs->mode);
	return true;
}

/* Runs the instruction at the guest's RIP. npf: the nested-paging fault it exited for, or
 * NULL. cause, with where for its %llx, says why it exited, for the message that ends the
 * domain if Keel does not emulate it. */
static void emulate(struct vcpu *v, const struct vm_exit *npf, const char *cause, unsigned long long where)
{
	struct domain *d = v->dom;
	struct emulation m;
	struct x86_cpu regs;
	const struct x86_insn *insn;
	struct x86_insn decoded;
	struct x86_fault fault;
	uint8_t bytes[X86_MAX_INSN_LEN];
	begin(&m, v, &regs);
	switch (fetch(&m, &regs, bytes, &insn, &decoded, &fault)) {
	case X86_FETCHED:
		break;
	case X86_FETCH_EXCEPTION:
		reflect(v, &fault);
		return;
	case X86_FETCH_UNSUPPORTED: {
		char why[80];
		ksnprintf(why, sizeof(why), cause, where);
		crash_undecoded(v, bytes, decoded.length, why);
		return;
	}
	default:
		domain_crash(d, "emulating the instruction at rip 0x%llx: %s", (unsigned long long)regs.rip, m.why);
		return;
	}
	load_segments(v, &regs, insn);
	/* The fault's address is the instruction's own access only where it has one memory
	 * operand: MOVS has two. */
	if (npf && npf->npf.final && insn->form != X86_STRING) {
		m.fault_gpa = npf->npf.gpa;
		m.fault_gpa_known = true;
		if (mov_at_fault(&m, &regs, insn))
			return;
	}
	load_registers(&m, &regs);
	const struct x86_memory *memory = callbacks(&m);
	enum x86_emulation done = X86_EMULATED_ELEMENT;
	for (unsigned i = 0; i < EMULATE_REP_ELEMENTS && done == X86_EMULATED_ELEMENT; i++)
		done = x86_emulate(insn, &regs, memory, &fault);
	if (done == X86_EMULATE_EXCEPTION) {
		store_state(&m, &regs); /* elements done before the fault stay done */
		reflect(v, &fault);
	} else if (done == X86_EMULATE_ABORT) {
		domain_crash(d, "emulating the instruction at rip 0x%llx: %s", (unsigned long long)regs.rip, m.why);
	} else {
		store_state(&m, &regs);
	}
}

bool emulate_fetch_mov_to_cr(struct vcpu *v, struct x86_mov_cr *out)
{
	struct emulation m;
	struct x86_cpu regs;
	struct x86_fault fault;
	uint8_t bytes[X86_MAX_INSN_LEN];
	begin(&m, v, &regs);
	switch (x86_fetch_mov_to_cr(&regs, callbacks(&m), bytes, out, &fault)) {
	case X86_FETCHED:
		return true;
	case X86_FETCH_EXCEPTION:
		reflect(v, &fault);
		return false;
	case X86_FETCH_UNSUPPORTED:
		crash_undecoded(v, bytes, out->length, "exited for a write of a control register");
		return false;
	default:
		domain_crash(v->dom, "fetching the instruction at rip 0x%llx: %s", (unsigned long long)v->regs.rip, m.why);
		return false;
	}
}

/* Ends the domain for a nested-paging fault Keel does not emulate (apart, so that
 * handle_npf's way to emulate stays short). */
static __attribute__((noinline)) void crash_npf(struct vcpu *v, const struct vm_exit *exit)
{
	struct domain *d = v->dom;
	const char *access = exit->npf.fetch ? "instruction fetch at" : exit->npf.write ? "write to" : "read of";
	unsigned long long gpa = exit->npf.gpa, rip = v->regs.rip;
	if (exit->npf.present) { /* only guest memory is mapped, with every permission */
		domain_crash(d, "nested-paging fault on %s GPA 0x%llx, a permission fault in its memory, at rip 0x%llx",
			     access, gpa, rip);
	} else if (exit->npf.delivering) {
		domain_crash(d, "nested-paging fault on %s GPA 0x%llx while delivering an event through its IDT: its IDT, "
			     "GDT, TSS or stack lies outside its memory", access, gpa);
	} else {
		char name[PC_NAME_MAX];
		pc_name_address(&d->layout, gpa, name, sizeof(name));
		domain_crash(d, "nested-paging fault on %s GPA 0x%llx (%s) at rip 0x%llx", access, gpa, name, rip);
	}
}

/* Keel emulates the instruction of a fault where nothing is mapped, unless the fault is
 * the CPU's own access delivering an event, or a fetch, or the domain asks to end. */
void handle_npf(struct vcpu *v, const struct vm_exit *exit)
{
	if (exit->npf.present || exit->npf.delivering || exit->npf.fetch || v->dom->config.unbacked == UNBACKED_CRASH)
		crash_npf(v, exit);
	else
		emulate(v, exit, "touched GPA 0x%llx, where nothing is backed", exit->npf.gpa);
}

void emulate_string_io(struct vcpu *v, const struct vm_exit *exit)
{
	emulate(v, NULL, "exited for string I/O on port 0x%llx", exit->io.port);
}
