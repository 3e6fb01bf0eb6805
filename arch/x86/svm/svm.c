/* AMD SVM with nested paging (AMD APM vol.2, chapter 15): turning SVM on, building a VMCB
 * for a new vCPU and running it. Exit decoding lives in svm_exit.c. */
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/owned_state.h"
#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/tlb_tag.h"
#include "lib/errno.h"
#include "lib/string.h"

#define SVM_MAX_VCPUS 64
#define IOPM_PAGES 3  /* 12 KiB: one bit per port, APM §15.10.1 */
#define MSRPM_PAGES 2 /* 8 KiB: two bits per MSR, APM §15.11 */
#define SHARED_PAGES (2 + IOPM_PAGES + MSRPM_PAGES) /* with the host save area and host state */
#define PAT_POWER_ON 0x0007040600070406ull /* SDM vol.3 §13.12.4, APM vol.2 §7.8.2 */

static uint64_t host_state_pa; /* the host's VMSAVE area */
static uint64_t iopm_pa, msrpm_pa;
static struct svm_vcpu vcpus[SVM_MAX_VCPUS];
static struct npt_format svm_npt_format;
static struct tlb_tag_pool asids; /* ASID 0 is the host's */

static int svm_cpu_enable(void)
{
	uint64_t hsave = page_alloc_zeroed();
	host_state_pa = page_alloc_zeroed();
	/* One permission map of each kind for every guest, all ones: every port and MSR exits. */
	iopm_pa = page_alloc_filled(IOPM_PAGES, 0xff);
	msrpm_pa = page_alloc_filled(MSRPM_PAGES, 0xff);
	if (!hsave || !host_state_pa || !iopm_pa || !msrpm_pa)
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	/* Capture the host's FS/GS/TR/LDTR and syscall MSRs once; svm_run reloads them. */
	__asm__ volatile("vmsave %%rax" : : "a"(host_state_pa) : "memory");
	svm_npt_format = npt_format_amd;
	svm_npt_format.large_1g = cpu.pages_1g;
	tlb_tag_pool_init(&asids, 1, cpu.asids - 1);
	lazy_msrs_init();
	/* The VMCB holds DR6, DR7 and CR2, but Bochs 2.7's SVM shows a guest the CR2 the CPU
	 * holds, another guest's: CR2 is switched as on VT-x, one MOV per change of vCPU. */
	owned_state_init_cpu(OWNED_CR2);
	cpu.guest_rdtscp = cpu.guest_invpcid = true; /* SVM runs both as they are */
	return 0;
}

static struct vmcb_segment segment(uint16_t selector, uint16_t attrib, uint32_t limit, uint64_t base)
{
	return (struct vmcb_segment){ .selector = selector, .attrib = attrib, .limit = limit, .base = base };
}

/* Segment attributes in the VMCB's packed form (APM §15.5.1 / appendix B). */
#define SEG_CODE16 0x09b   /* present, code, readable, accessed */
#define SEG_DATA16 0x093   /* present, data, writable, accessed */
#define SEG_CODE64 0xa9b   /* ... L = 1, G = 1 */
#define SEG_CODE32 0xc9b   /* ... D/B = 1, G = 1 */
#define SEG_DATA32 0xc93   /* ... D/B = 1, G = 1 */
#define SEG_LDT 0x082
#define SEG_TSS_BUSY 0x08b

static void set_real16_state(struct vmcb_save *s)
{
	s->cs = segment(0, SEG_CODE16, 0xffff, 0);
	s->ds = s->es = s->fs = s->gs = s->ss = segment(0, SEG_DATA16, 0xffff, 0);
	s->gdtr = segment(0, 0, 0xffff, 0);
	s->idtr = segment(0, 0, 0x3ff, 0); /* the real-mode interrupt vector table */
	s->cr0 = CR0_ET;
	s->efer = EFER_SVME;
}

static void set_prot32_state(struct vmcb_save *s, const struct vcpu_boot_state *b)
{
	s->cs = segment(b->code_selector, SEG_CODE32, 0xffffffff, 0);
	s->ds = s->es = s->fs = s->gs = s->ss = segment(b->data_selector, SEG_DATA32, 0xffffffff, 0);
	s->gdtr = segment(0, 0, b->gdt_limit, b->gdt_base);
	s->idtr = segment(0, 0, 0, 0);
	s->cr0 = CR0_PE | CR0_ET; /* paging off */
	s->efer = EFER_SVME;
}

static void set_long64_state(struct vmcb_save *s, const struct vcpu_boot_state *b)
{
	s->cs = segment(b->code_selector, SEG_CODE64, 0xffffffff, 0);
	s->ds = s->es = s->fs = s->gs = s->ss = segment(b->data_selector, SEG_DATA32, 0xffffffff, 0);
	s->gdtr = segment(0, 0, b->gdt_limit, b->gdt_base);
	s->idtr = segment(0, 0, 0, 0);
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = b->cr3;
	s->cr4 = CR4_PAE;
	/* The guest's EFER.SVME must be set for VMRUN (APM §15.5.1); MSR intercepts hide it. */
	s->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME;
}

static int svm_vcpu_create(void **vcpu, uint64_t npt_root, const struct vcpu_boot_state *boot)
{
	unsigned slot = 0;
	while (slot < SVM_MAX_VCPUS && vcpus[slot].in_use)
		slot++;
	if (slot == SVM_MAX_VCPUS)
		return -ENOSPC;
	uint64_t pa = page_alloc_zeroed();
	if (!pa)
		return -ENOMEM;
	struct svm_vcpu *sv = &vcpus[slot];
	*sv = (struct svm_vcpu){ .vmcb = phys_to_virt(pa), .vmcb_pa = pa, .in_use = true };
	if (owned_state_create(&sv->owned)) {
		page_free(pa, 1);
		sv->in_use = false;
		return -ENOMEM;
	}

	struct vmcb_control *c = &sv->vmcb->control;
	/* Everything that could reach beyond the guest exits (APM vol.2 §15.9-15.13). */
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_VINTR | INTERCEPT_RDPMC | INTERCEPT_CPUID | INTERCEPT_INVD |
			     INTERCEPT_HLT | INTERCEPT_INVLPGA | INTERCEPT_IOIO | INTERCEPT_MSR | INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD | INTERCEPT_VMSAVE |
			     INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT | INTERCEPT_WBINVD |
			     INTERCEPT_MONITOR | INTERCEPT_MWAIT | INTERCEPT_MWAIT_ARMED | INTERCEPT_XSETBV |
			     INTERCEPT_RDPRU;
	/* Broadcast TLB invalidation would reach other CPUs' TLBs: where the CPU has it. */
	if (cpu.invlpgb)
		c->intercept_misc3 |= INTERCEPT_INVLPGB | INTERCEPT_INVLPGB_ILLEGAL | INTERCEPT_TLBSYNC;
	if (cpu.mcommit)
		c->intercept_misc3 |= INTERCEPT_MCOMMIT;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa; /* the ASID is given at each VMRUN: svm_vcpu_run */
	/* Physical interrupts follow the host's RFLAGS.IF, which svm_run sets, not the guest's
	 * (APM vol.2 §15.21.1): each one, and each NMI, is an exit (§15.13). The guest's MOV
	 * to and from CR8 then reach V_TPR, never the APIC's TPR. A MOV to CR8 exits, so that
	 * the local APIC's TPR changes at once (a vector it held back may go); Keel writes V_TPR
	 * after each change (svm_set_guest_cr8), and a MOV from CR8 reads it without an exit. */
	c->vintr = VINTR_MASKING;
	c->intercept_cr = INTERCEPT_CR8_WRITE;
	c->np_enable = 1;
	c->n_cr3 = npt_root;

	struct vmcb_save *s = &sv->vmcb->save;
	s->ldtr = segment(0, SEG_LDT, 0xffff, 0);
	s->tr = segment(0, SEG_TSS_BUSY, 0xffff, 0);
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = PAT_POWER_ON;
	s->rsp = boot->rsp;
	s->rflags = RFLAGS_FIXED;
	if (boot->mode == VCPU_BOOT_LONG64)
		set_long64_state(s, boot);
	else if (boot->mode == VCPU_BOOT_PROT32)
		set_prot32_state(s, boot);
	else
		set_real16_state(s);
	*vcpu = sv;
	return 0;
}

/* SVM runs real-mode guests directly under nested paging (APM vol.2 §15.19). */
static const char *svm_unsupported_boot_mode(enum vcpu_boot_mode mode)
{
	(void)mode;
	return NULL;
}

static void svm_vcpu_destroy(void *vcpu)
{
	struct svm_vcpu *sv = vcpu;
	lazy_msrs_forget(&sv->lazy);
	owned_state_destroy(&sv->owned);
	page_free(sv->vmcb_pa, 1);
	sv->in_use = false;
}

/* SVM has no timer of its own for a run: the local APIC's interrupt ends it (INTR intercept). */
static bool svm_ends_runs_itself(void)
{
	return false;
}

static void svm_vcpu_run(void *vcpu, const struct hvm_run *run)
{
	struct svm_vcpu *sv = vcpu;
	struct vmcb_control *c = &sv->vmcb->control;
	/* A new ASID generation flushes every ASID's translations (APM vol.2 §15.16.1). */
	if (tlb_tag_refresh(&asids, &sv->asid))
		c->tlb_control = TLB_CONTROL_FLUSH_ALL;
	c->asid = sv->asid.id;
	/* VMLOAD and VMSAVE switch FS, GS, TR, LDTR, KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK
	 * and SYSENTER (APM vol.2 §15.5.2); VMRUN the rest of the VMCB, with DR6, DR7 and CR2;
	 * neither TSC_AUX, the XSAVE state, XCR0 or DR0-DR3 (and CR2 once more: svm_cpu_enable).
	 * Those stay in the CPU from one exit to the next: no exit handler changes them but
	 * through lazy_msrs_set and owned_state_set_xcr0, which write the CPU's copy too. */
	lazy_msrs_load(&sv->lazy, 1u << LAZY_TSC_AUX);
	owned_state_load(&sv->owned);
	sv->run = *run;
	sv->vmcb->save.rax = run->regs->gpr[REG_RAX];
	sv->vmcb->save.rip = run->regs->rip;
	if (*run->events_due)
		run->before_entry(run->v, false, false);
	svm_run(sv->vmcb_pa, run->regs->gpr, host_state_pa, sv);
}

/* Where the VMCB keeps each piece of guest state (APM vol.2 appendix B); NULL for what it
 * does not hold. */
static uint64_t *state_field(struct svm_vcpu *sv, enum guest_state what)
{
	struct vmcb_save *s = &sv->vmcb->save;
	switch (what) {
	case GUEST_EFER:
		return &s->efer;
	case GUEST_CR0:
		return &s->cr0;
	case GUEST_CR4:
		return &s->cr4;
	case GUEST_CR3:
		return &s->cr3;
	case GUEST_CR2: /* svm_write_state: the VMCB's and the CPU's */
		return &s->cr2;
	case GUEST_CPL: /* a byte of the VMCB: svm_read_state */
	case GUEST_XCR0:
		return NULL;
	case GUEST_PAT:
		return &s->g_pat;
	case GUEST_SYSENTER_CS:
		return &s->sysenter_cs;
	case GUEST_SYSENTER_ESP:
		return &s->sysenter_esp;
	case GUEST_SYSENTER_EIP:
		return &s->sysenter_eip;
	case GUEST_FS_BASE:
		return &s->fs.base;
	case GUEST_GS_BASE:
		return &s->gs.base;
	case GUEST_KERNEL_GS_BASE:
		return &s->kernel_gs_base;
	case GUEST_STAR:
		return &s->star;
	case GUEST_LSTAR:
		return &s->lstar;
	case GUEST_CSTAR:
		return &s->cstar;
	case GUEST_SFMASK:
		return &s->sfmask;
	case GUEST_TSC_AUX: /* lazily switched: svm_read_state, svm_write_state */
		return NULL;
	case GUEST_TSC_OFFSET:
		return &sv->vmcb->control.tsc_offset;
	case GUEST_RSP:
		return &s->rsp;
	case GUEST_RFLAGS:
		return &s->rflags;
	}
	return NULL;
}

static uint64_t svm_read_state(void *vcpu, enum guest_state what)
{
	struct svm_vcpu *sv = vcpu;
	if (what == GUEST_CPL)
		return sv->vmcb->save.cpl;
	if (what == GUEST_TSC_AUX)
		return sv->lazy.value[LAZY_TSC_AUX];
	if (what == GUEST_XCR0)
		return sv->owned.xcr0;
	uint64_t *field = state_field(vcpu, what);
	uint64_t value = field ? *field : 0;
	return what == GUEST_EFER ? value & ~EFER_SVME : value;
}

static void svm_write_state(void *vcpu, enum guest_state what, uint64_t value)
{
	uint64_t *field = state_field(vcpu, what);
	if (what == GUEST_EFER)
		value |= EFER_SVME; /* VMRUN needs the guest's SVME set (APM vol.2 §15.5.1) */
	if (what == GUEST_CR2) /* VMRUN loads the VMCB's; Bochs 2.7 shows the CPU's (svm_cpu_enable) */
		owned_state_set_cr2(&((struct svm_vcpu *)vcpu)->owned, value);
	if (what == GUEST_XCR0)
		owned_state_set_xcr0(&((struct svm_vcpu *)vcpu)->owned, value);
	else if (what == GUEST_TSC_AUX)
		lazy_msrs_set(&((struct svm_vcpu *)vcpu)->lazy, LAZY_TSC_AUX, value);
	else if (field && what != GUEST_CR0 && what != GUEST_CR4 && what != GUEST_CR3)
		*field = value;
}

/* The VMCB's segment attributes: type, S, DPL, P, AVL, L, DB, G in 12 bits (APM vol.2
 * §15.5.1); a null or not-present one is not usable. */
static void svm_read_segment(void *vcpu, unsigned seg, struct hvm_segment *out)
{
	const struct vmcb_segment *sg = &(&((struct svm_vcpu *)vcpu)->vmcb->save.es)[seg];
	uint16_t a = sg->attrib;
	*out = (struct hvm_segment){
		.base = sg->base,
		.limit = sg->limit,
		.selector = sg->selector,
		.usable = a & (1u << 7),
		.code = a & (1u << 3),
		.expand_down = !(a & (1u << 3)) && (a & (1u << 2)),
		.big = a & (1u << 10),
		.long_mode = a & SEG_ATTRIB_L,
	};
}

static void svm_read_emulation_view(void *vcpu, struct hvm_emulation_view *out)
{
	const struct vmcb_save *s = &((struct svm_vcpu *)vcpu)->vmcb->save;
	out->cr0 = s->cr0;
	out->cr3 = s->cr3;
	out->cr4 = s->cr4;
	out->efer = s->efer & ~EFER_SVME;
	out->rflags = s->rflags;
	out->cpl = s->cpl;
	out->cs_base = s->cs.base;
	out->cs_limit = s->cs.limit;
	out->cs_big = s->cs.attrib & (1u << 10);
	out->cs_long_mode = s->cs.attrib & SEG_ATTRIB_L;
}

/* EVENTINJ (APM vol.2 §15.20). A hardware exception pushes no error code in real mode. */
static void svm_inject_event(void *vcpu, enum hvm_event_type type, uint8_t vector, bool has_error_code,
			     uint32_t error_code)
{
	struct svm_vcpu *sv = vcpu;
	struct vmcb *vmcb = sv->vmcb;
	uint64_t event = vector | (uint64_t)type << EVENT_TYPE_SHIFT | EVENT_VALID;
	if (has_error_code && (vmcb->save.cr0 & CR0_PE))
		event |= EVENT_ERROR_VALID | (uint64_t)error_code << 32;
	vmcb->control.event_inject = event;
	if (type == HVM_EVENT_NMI) {
		sv->nmi_masked = true; /* until the handler's IRET exits: svm_exit_continues */
		vmcb->control.intercept_misc1 |= INTERCEPT_IRET;
	}
}

/* EXITINTINFO has EVENTINJ's format (APM vol.2 §15.7.2). */
static void svm_redeliver(void *vcpu)
{
	struct vmcb_control *c = &((struct svm_vcpu *)vcpu)->vmcb->control;
	c->event_inject = c->exit_int_info;
}

/* No event set for the entry and no interrupt shadow: what an interrupt and an NMI both
 * need. */
static bool event_allowed(struct vmcb *vmcb, bool completed)
{
	if (vmcb->control.event_inject & EVENT_VALID)
		return false;
	if (!completed)
		return !(vmcb->control.interrupt_shadow & INTERRUPT_SHADOW);
	vmcb->control.interrupt_shadow &= ~INTERRUPT_SHADOW; /* the instruction in it is done */
	return !(vmcb->save.rflags & RFLAGS_TF); /* its single-step trap comes first: svm_exit_continues */
}

static bool svm_interrupt_allowed(void *vcpu, bool completed)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)vcpu)->vmcb;
	return (vmcb->save.rflags & RFLAGS_IF) && event_allowed(vmcb, completed);
}

static bool svm_nmi_allowed(void *vcpu, bool completed)
{
	struct svm_vcpu *sv = vcpu;
	return !sv->nmi_masked && event_allowed(sv->vmcb, completed);
}

/* The IRET intercept, on while the guest runs its NMI handler whether an NMI waits or not
 * (svm_inject_event), is the window: nothing more to open or close. */
static void svm_nmi_window(void *vcpu, bool open)
{
	(void)vcpu;
	(void)open;
}

/* A virtual interrupt that ignores the TPR is taken, and so exits (VINTR), as soon as the
 * guest's RFLAGS.IF and interrupt shadow allow (APM vol.2 §15.21.4). */
static void svm_interrupt_window(void *vcpu, bool open)
{
	struct vmcb_control *c = &((struct svm_vcpu *)vcpu)->vmcb->control;
	if (open)
		c->vintr |= VINTR_IRQ | VINTR_IGNORE_TPR;
	else
		c->vintr &= ~(VINTR_IRQ | VINTR_IGNORE_TPR);
}

static void svm_set_guest_cr8(void *vcpu, uint8_t cr8)
{
	struct vmcb_control *c = &((struct svm_vcpu *)vcpu)->vmcb->control;
	c->vintr = (c->vintr & ~VINTR_TPR_MASK) | (cr8 & VINTR_TPR_MASK);
}

const struct hvm_ops svm_ops = {
	.name = "svm",
	.exit_code_name = "svm exit code",
	.npt_format = &svm_npt_format,
	.vcpu_bytes = sizeof(struct svm_vcpu) + (1 + OWNED_STATE_PAGES) * PAGE_SIZE, /* with the VMCB */
	.shared_bytes = SHARED_PAGES * PAGE_SIZE,
	.cpu_enable = svm_cpu_enable,
	.unsupported_boot_mode = svm_unsupported_boot_mode,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_run = svm_vcpu_run,
	.ends_runs_itself = svm_ends_runs_itself,
	.read_state = svm_read_state,
	.write_state = svm_write_state,
	.read_segment = svm_read_segment,
	.read_emulation_view = svm_read_emulation_view,
	.inject_event = svm_inject_event,
	.redeliver = svm_redeliver,
	.interrupt_allowed = svm_interrupt_allowed,
	.interrupt_window = svm_interrupt_window,
	.nmi_allowed = svm_nmi_allowed,
	.nmi_window = svm_nmi_window,
	.set_guest_cr8 = svm_set_guest_cr8,
};
