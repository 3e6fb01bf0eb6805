/* Intel VT-x with EPT (SDM vol.3, chapters 24-31): turning VMX on, building a VMCS for a
 * new vCPU from what the capability MSRs allow, and running it. Guest boot state lives in
 * vmx_guest_state.c, exit decoding in vmx_exit.c. */
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/gdt.h"
#include "arch/x86/owned_state.h"
#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "arch/x86/vmx/vmx.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/string.h"

#define CR4_VMXE (1ull << 13)
#define EPT_MEMORY_TYPE_WB 6
#define EPT_WALK_LENGTH_4 (3 << 3)
#define VMX_MAX_VCPUS 64
#define INVEPT_ALL_CONTEXTS 2
#define INVVPID_ALL_CONTEXTS 2
#define CAP_INVEPT_ALL (1ull << 26)
#define CAP_INVVPID_ALL (1ull << 42)

/* The controls every VMCS gets, computed once from the capability MSRs. */
static struct {
	uint32_t pin, proc, proc2, exit, entry;
	bool vpid, unrestricted;
	bool preemption_timer; /* ends each run at the scheduler's deadline */
	unsigned timer_rate;   /* the timer counts once per 2^timer_rate TSC ticks */
	bool pat; /* the CPU loads and saves IA32_PAT at entry and exit */
} ctl;

#define PAT_POWER_ON 0x0007040600070406ull /* SDM vol.3 §13.12.4 */
static uint64_t host_pat, host_sysenter_cs, host_sysenter_esp, host_sysenter_eip;

static uint32_t revision_id;
static uint64_t io_bitmaps_pa, msr_bitmap_pa, ept_caps;
#define IO_BITMAP_PAGES 2  /* A: ports 0-0x7fff, B: 0x8000-0xffff (SDM vol.3 §25.6.4) */
#define MSR_BITMAP_PAGES 1 /* SDM vol.3 §25.6.9 */
#define SHARED_PAGES (1 + IO_BITMAP_PAGES + MSR_BITMAP_PAGES) /* with the VMXON region */
static struct vmx_vcpu vcpus[VMX_MAX_VCPUS];
struct vmx_vcpu *vmx_current_vmcs;
static struct npt_format ept_format;
static struct tlb_tag_pool vpids; /* VPID 0 is the host's */
#define VPID_MAX 0xffff

void vmx_field_failed(const char *what, uint32_t field, uint64_t value)
{
	panic("%s of VMCS field 0x%x (value 0x%llx) failed", what, field, (unsigned long long)value);
}

/* A VMX instruction taking a physical address operand; returns true on VMfail. */
#define VMX_OP_FAILED(insn, pa)                                                                   \
	({                                                                                        \
		uint8_t failed_;                                                                  \
		uint64_t pa_ = (pa);                                                              \
		__asm__ volatile(insn " %1; setna %0" : "=qm"(failed_) : "m"(pa_) : "cc", "memory"); \
		failed_;                                                                          \
	})

/* Which bits of a control may be 0 and 1 (SDM vol.3, appendix A.3-A.5): the TRUE_ MSRs
 * when IA32_VMX_BASIC bit 55 says so, as they allow clearing more of the default-1 bits. */
static int adjust_control(uint32_t msr, uint32_t true_msr, uint32_t wanted, uint32_t required, uint32_t *out)
{
	uint64_t caps = rdmsr((rdmsr(MSR_VMX_BASIC) & VMX_BASIC_TRUE_CONTROLS) ? true_msr : msr);
	uint32_t must_be_one = (uint32_t)caps, may_be_one = (uint32_t)(caps >> 32);
	*out = (wanted | must_be_one) & may_be_one;
	return (*out & required) == required ? 0 : -ENOTSUP;
}

static int compute_controls(void)
{
	/* With virtual NMIs the CPU blocks the guest's NMIs from an injected one to its IRET, as
	 * it blocks a real one's (SDM vol.3 §26.3, §27.3.1.5). */
	uint32_t pin = PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER;
	/* Everything that could reach beyond the guest exits: RDPMC, MONITOR/MWAIT and WBINVD by
	 * these controls (SDM vol.3 §25.6.2), INVD, GETSEC, XSETBV and the VMX instructions by
	 * architecture (§26.1.2), ENCLS where SGX exists. */
	/* Without them MOV to CR8 would write the local APIC's own task priority, which holds
	 * off Keel's interrupts (SDM vol.3 §26.3, "MOV to CR8"): CR8 is the guest's own. */
	uint32_t proc = PROC_USE_TSC_OFFSETTING | PROC_HLT_EXITING | PROC_MWAIT_EXITING | PROC_RDPMC_EXITING |
			PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_MONITOR_EXITING | PROC_SECONDARY_CONTROLS |
			PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING;
	/* RDTSCP and INVPCID would raise #UD without their controls, whatever CPUID says. */
	uint32_t proc2 = PROC2_ENABLE_EPT | PROC2_ENABLE_RDTSCP | PROC2_ENABLE_VPID | PROC2_WBINVD_EXITING |
			 PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_INVPCID | PROC2_ENCLS_EXITING;
	/* DR7 and DEBUGCTL are switched only with the debug controls (SDM vol.3 §24.7.1, §24.8.1). */
	uint32_t exit = EXIT_HOST_ADDRESS_SPACE_64 | EXIT_SAVE_DEBUG_CONTROLS | EXIT_ACK_INTERRUPT | EXIT_SAVE_EFER |
			EXIT_LOAD_EFER;
	uint32_t timer_exit = EXIT_SAVE_PREEMPTION_TIMER;
	uint32_t entry = ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_EFER;
	uint32_t pat = EXIT_SAVE_PAT | EXIT_LOAD_PAT;
	uint32_t pin_required = PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS;
	uint32_t windows = PROC_INTERRUPT_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING;
	if (adjust_control(MSR_VMX_PINBASED, MSR_VMX_TRUE_PINBASED, pin, pin_required, &ctl.pin) ||
	    adjust_control(MSR_VMX_PROCBASED, MSR_VMX_TRUE_PROCBASED, proc | windows, proc | windows, &ctl.proc) ||
	    adjust_control(MSR_VMX_PROCBASED2, MSR_VMX_PROCBASED2, proc2, PROC2_ENABLE_EPT | PROC2_WBINVD_EXITING,
			   &ctl.proc2) ||
	    adjust_control(MSR_VMX_EXIT, MSR_VMX_TRUE_EXIT, exit | pat | timer_exit, exit, &ctl.exit) ||
	    adjust_control(MSR_VMX_ENTRY, MSR_VMX_TRUE_ENTRY, entry | ENTRY_LOAD_PAT, entry, &ctl.entry))
		return -ENOTSUP;
	ctl.proc &= ~windows; /* on only while Keel holds an interrupt or NMI back */
	ctl.pat = (ctl.exit & pat) == pat && (ctl.entry & ENTRY_LOAD_PAT);
	if (!ctl.pat) { /* all three or none */
		ctl.exit &= ~pat;
		ctl.entry &= ~ENTRY_LOAD_PAT;
	}
	cpu.guest_rdtscp = ctl.proc2 & PROC2_ENABLE_RDTSCP;
	cpu.guest_invpcid = ctl.proc2 & PROC2_ENABLE_INVPCID;
	/* Without INVVPID all-context a VPID could not be reused safely: do without VPIDs. */
	ctl.vpid = (ctl.proc2 & PROC2_ENABLE_VPID) && (rdmsr(MSR_VMX_EPT_VPID_CAP) & CAP_INVVPID_ALL);
	if (!ctl.vpid)
		ctl.proc2 &= ~PROC2_ENABLE_VPID;
	ctl.unrestricted = ctl.proc2 & PROC2_UNRESTRICTED_GUEST;
	/* The timer is set once per run only if each exit saves what is left of it; without
	 * that, Keel's local APIC timer ends runs instead. */
	ctl.preemption_timer = (ctl.pin & PIN_PREEMPTION_TIMER) && (ctl.exit & timer_exit);
	if (!ctl.preemption_timer) {
		ctl.pin &= ~PIN_PREEMPTION_TIMER;
		ctl.exit &= ~timer_exit;
	}
	ctl.timer_rate = rdmsr(MSR_VMX_MISC) & VMX_MISC_TIMER_RATE;
	return 0;
}

static int vmx_cpu_enable(void)
{
	if (compute_controls()) {
		log_error("vmx: the CPU's VT-x lacks a control Keel needs (I/O and MSR bitmaps; HLT, MWAIT, "
			  "MONITOR, RDPMC, WBINVD or interrupt-window exiting; TSC offsetting; EPT; a 64-bit host; "
			  "or loading EFER and the debug controls on entry and exit)");
		return -ENOTSUP;
	}
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCKED))
		wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	/* CR0 and CR4 must hold the bits the FIXED0/FIXED1 MSRs demand in VMX operation (§24.8). */
	write_cr0((read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
	write_cr4(((read_cr4() | CR4_VMXE) | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1));

	revision_id = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
	uint64_t vmxon_pa = page_alloc_zeroed();
	io_bitmaps_pa = page_alloc_filled(IO_BITMAP_PAGES, 0xff); /* every port exits */
	msr_bitmap_pa = page_alloc_filled(MSR_BITMAP_PAGES, 0xff); /* every RDMSR and WRMSR exits */
	if (!vmxon_pa || !io_bitmaps_pa || !msr_bitmap_pa)
		return -ENOMEM;
	*(uint32_t *)phys_to_virt(vmxon_pa) = revision_id;
	if (VMX_OP_FAILED("vmxon", vmxon_pa))
		return -EIO;

	ept_caps = rdmsr(MSR_VMX_EPT_VPID_CAP);
	tlb_tag_pool_init(&vpids, 1, VPID_MAX);
	lazy_msrs_init();
	owned_state_init_cpu(OWNED_DR6 | OWNED_CR2);
	host_pat = rdmsr(MSR_PAT);
	host_sysenter_cs = rdmsr(MSR_SYSENTER_CS);
	host_sysenter_esp = rdmsr(MSR_SYSENTER_ESP);
	host_sysenter_eip = rdmsr(MSR_SYSENTER_EIP);
	ept_format = npt_format_intel_ept;
	ept_format.large_2m = cpu.ept_2m;
	ept_format.large_1g = cpu.ept_1g;
	return 0;
}

static void write_host_state(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SELECTOR, GDT_CODE64);
	vmwrite(VMCS_HOST_SS_SELECTOR, GDT_DATA);
	vmwrite(VMCS_HOST_DS_SELECTOR, GDT_DATA);
	vmwrite(VMCS_HOST_ES_SELECTOR, GDT_DATA);
	vmwrite(VMCS_HOST_FS_SELECTOR, 0);
	vmwrite(VMCS_HOST_GS_SELECTOR, 0);
	vmwrite(VMCS_HOST_TR_SELECTOR, GDT_TSS);
	vmwrite(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmwrite(VMCS_HOST_TR_BASE, gdt_tss_base());
	vmwrite(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
	/* An exit loads these; they must be the host's own, as Keel found them. */
	vmwrite(VMCS_HOST_SYSENTER_CS, host_sysenter_cs);
	vmwrite(VMCS_HOST_SYSENTER_ESP, host_sysenter_esp);
	vmwrite(VMCS_HOST_SYSENTER_EIP, host_sysenter_eip);
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	if (ctl.pat)
		vmwrite(VMCS_HOST_PAT, host_pat);
	vmwrite(VMCS_HOST_RIP, (uint64_t)vmx_exit_rip); /* VMCS_HOST_RSP: vmx_run */
}

/* Translations derived from an EPT table (SDM vol.3 §29.4.3.1). */
static void invalidate_ept(void)
{
	struct { uint64_t context, reserved; } descriptor = { 0, 0 };
	if (ept_caps & CAP_INVEPT_ALL)
		__asm__ volatile("invept %0, %1" : : "m"(descriptor), "r"((uint64_t)INVEPT_ALL_CONTEXTS) : "cc", "memory");
}

/* Linear translations tagged with any VPID (SDM vol.3 §29.4.3.3). */
static void invalidate_vpids(void)
{
	struct { uint64_t context, reserved; } descriptor = { 0, 0 };
	if (ept_caps & CAP_INVVPID_ALL)
		__asm__ volatile("invvpid %0, %1" : : "m"(descriptor), "r"((uint64_t)INVVPID_ALL_CONTEXTS) : "cc", "memory");
}

static int vmx_vcpu_create(void **vcpu, uint64_t npt_root, const struct vcpu_boot_state *boot)
{
	unsigned slot = 0;
	while (slot < VMX_MAX_VCPUS && vcpus[slot].in_use)
		slot++;
	if (slot == VMX_MAX_VCPUS)
		return -ENOSPC;
	uint64_t pa = page_alloc_zeroed();
	if (!pa)
		return -ENOMEM;
	struct vmx_vcpu *xv = &vcpus[slot];
	/* rip: a value no guest has, so that the first entry writes it. */
	*xv = (struct vmx_vcpu){ .vmcs_pa = pa, .in_use = true, .rip = ~0ull };
	if (owned_state_create(&xv->owned)) {
		page_free(pa, 1);
		xv->in_use = false;
		return -ENOMEM;
	}
	*(uint32_t *)phys_to_virt(pa) = revision_id;
	if (VMX_OP_FAILED("vmclear", pa) || VMX_OP_FAILED("vmptrld", pa))
		panic("VMCLEAR/VMPTRLD of a fresh VMCS failed");
	vmx_current_vmcs = xv;
	/* A new table may reuse the pages of one already gone. */
	invalidate_ept();

	vmwrite(VMCS_PIN_CONTROLS, ctl.pin);
	xv->proc = ctl.proc;
	vmwrite(VMCS_PROC_CONTROLS, ctl.proc);
	vmwrite(VMCS_PROC_CONTROLS2, ctl.proc2);
	vmwrite(VMCS_EXIT_CONTROLS, ctl.exit);
	vmwrite(VMCS_ENTRY_CONTROLS, ctl.entry | (boot->mode == VCPU_BOOT_LONG64 ? ENTRY_IA32E_MODE_GUEST : 0));
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	/* A VMCS's fields are undefined until written (SDM vol.3 §25.11.3): every one Keel relies
	 * on is written, not trusted to read 0: no CR3-target values, no MSRs loaded or stored
	 * at entry or exit; every ENCLS leaf exits where the control exists. */
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	if (ctl.proc2 & PROC2_ENCLS_EXITING)
		vmwrite(VMCS_ENCLS_EXITING_BITMAP, ~0ull);
	vmwrite(VMCS_IO_BITMAP_A, io_bitmaps_pa);
	vmwrite(VMCS_IO_BITMAP_B, io_bitmaps_pa + PAGE_SIZE);
	vmwrite(VMCS_MSR_BITMAP, msr_bitmap_pa);
	vmwrite(VMCS_EPT_POINTER, npt_root | EPT_MEMORY_TYPE_WB | EPT_WALK_LENGTH_4);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	vmwrite(VMCS_TSC_OFFSET, 0);
	xv->pat = PAT_POWER_ON;
	if (ctl.pat)
		vmwrite(VMCS_GUEST_PAT, PAT_POWER_ON);
	write_host_state();
	vmx_set_boot_state(boot, ctl.unrestricted);
	xv->cr0_mask = vmread(VMCS_CR0_MASK);
	xv->cr4_mask = vmread(VMCS_CR4_MASK);
	*vcpu = xv;
	return 0;
}

static void vmx_vcpu_destroy(void *vcpu)
{
	struct vmx_vcpu *xv = vcpu;
	/* VMCLEAR writes the VMCS back to memory and makes it inactive before the page goes. */
	VMX_OP_FAILED("vmclear", xv->vmcs_pa);
	if (vmx_current_vmcs == xv)
		vmx_current_vmcs = NULL;
	lazy_msrs_forget(&xv->lazy);
	owned_state_destroy(&xv->owned);
	page_free(xv->vmcs_pa, 1);
	xv->in_use = false;
}

void vmx_load_vmcs(struct vmx_vcpu *xv)
{
	if (VMX_OP_FAILED("vmptrld", xv->vmcs_pa))
		panic("VMPTRLD of a VMCS failed");
	vmx_current_vmcs = xv;
}

/* Sets the timer to end the run at deadline_tsc (0: none), rounding up so that it never
 * ends before. The CPU counts it down while the guest runs and saves what is left at each
 * exit ("save VMX-preemption timer value", SDM vol.3 §25.7.1, §26.5.1), so it is set once
 * per run, and again only after it has run out. Without a deadline it holds the largest
 * count, set again when even that runs out. */
void vmx_arm_preemption_timer(uint64_t deadline_tsc)
{
	uint64_t count = 0xffffffff;
	if (deadline_tsc) {
		uint64_t now = rdtsc(), unit = 1ull << ctl.timer_rate;
		count = deadline_tsc > now ? (deadline_tsc - now + unit - 1) >> ctl.timer_rate : 0;
		if (count > 0xffffffff)
			count = 0xffffffff;
	}
	vmwrite(VMCS_PREEMPTION_TIMER_VALUE, count);
}

/* With the preemption timer, the run's deadline is the timer's: it counts down in the guest
 * and exits at zero (SDM vol.3 §26.5.1), whatever the guest does with RFLAGS.IF. */
static bool vmx_ends_runs_itself(void)
{
	return ctl.preemption_timer;
}

static void vmx_vcpu_run(void *vcpu, const struct hvm_run *run)
{
	struct vmx_vcpu *xv = vcpu;
	struct guest_regs *regs = run->regs;
	vmx_make_current(xv);
	if (ctl.preemption_timer)
		vmx_arm_preemption_timer(run->deadline_tsc);
	if (ctl.vpid) {
		/* A new VPID generation flushes what every VPID has cached. */
		if (tlb_tag_refresh(&vpids, &xv->vpid))
			invalidate_vpids();
		if (xv->vpid_in_vmcs != xv->vpid.id) {
			vmwrite(VMCS_VPID, xv->vpid.id);
			xv->vpid_in_vmcs = xv->vpid.id;
		}
	}
	/* VM entry and exit switch FS/GS base, SYSENTER, EFER, PAT, DR7 and DEBUGCTL (SDM vol.3
	 * §27.3, §28.3), not the syscall MSRs, KERNEL_GS_BASE, TSC_AUX, the XSAVE state, XCR0,
	 * DR0-DR3, DR6 or CR2: those are the guest's from here, and stay in the CPU from one
	 * exit to the next (no handler changes them but through lazy_msrs_set and
	 * owned_state_set_xcr0, which write the CPU's copy too). */
	lazy_msrs_load(&xv->lazy, LAZY_ALL);
	owned_state_load(&xv->owned);
	xv->run = *run;
	vmx_write_rip(xv, regs->rip);
	if (*run->events_due)
		run->before_entry(run->v, false, false);
	if (vmx_run(regs->gpr, xv->launched, &xv->host_rsp, xv))
		panic("%s failed: VM-instruction error %llu", xv->launched ? "VMRESUME" : "VMLAUNCH",
		      (unsigned long long)vmread(VMCS_INSTRUCTION_ERROR));
	xv->launched = true;
}

/* Without unrestricted guest, VMX runs guests only with paging on (SDM vol.3 §26.3.1.1). */
static const char *vmx_unsupported_boot_mode(enum vcpu_boot_mode mode)
{
	if (mode == VCPU_BOOT_REAL16 && !ctl.unrestricted)
		return "this CPU's VT-x has no unrestricted guest mode, which real16 kernels need";
	if (mode == VCPU_BOOT_PROT32 && !ctl.unrestricted)
		return "this CPU's VT-x has no unrestricted guest mode, which Multiboot and PVH kernels (started "
		       "with paging off) need";
	return NULL;
}

/* The VMCS field holding each piece of guest state (SDM vol.3 appendix B), 0 for what
 * Keel keeps itself. */
static uint32_t state_field(enum guest_state what)
{
	switch (what) {
	case GUEST_EFER:
		return VMCS_GUEST_EFER;
	case GUEST_CR3:
		return VMCS_GUEST_CR3;
	case GUEST_PAT:
		return ctl.pat ? VMCS_GUEST_PAT : 0;
	case GUEST_SYSENTER_CS:
		return VMCS_GUEST_SYSENTER_CS;
	case GUEST_SYSENTER_ESP:
		return VMCS_GUEST_SYSENTER_ESP;
	case GUEST_SYSENTER_EIP:
		return VMCS_GUEST_SYSENTER_EIP;
	case GUEST_FS_BASE:
		return VMCS_GUEST_ES_BASE + 2 * SEG_FS;
	case GUEST_GS_BASE:
		return VMCS_GUEST_ES_BASE + 2 * SEG_GS;
	case GUEST_TSC_OFFSET:
		return VMCS_TSC_OFFSET;
	case GUEST_RSP:
		return VMCS_GUEST_RSP;
	case GUEST_RFLAGS:
		return VMCS_GUEST_RFLAGS;
	default:
		return 0;
	}
}

/* The lazily switched MSR (arch/x86/lazy_msrs.h) holding it, or -1. */
static int lazy_index(enum guest_state what)
{
	switch (what) {
	case GUEST_KERNEL_GS_BASE:
		return LAZY_KERNEL_GS_BASE;
	case GUEST_STAR:
		return LAZY_STAR;
	case GUEST_LSTAR:
		return LAZY_LSTAR;
	case GUEST_CSTAR:
		return LAZY_CSTAR;
	case GUEST_SFMASK:
		return LAZY_SFMASK;
	case GUEST_TSC_AUX:
		return LAZY_TSC_AUX;
	default:
		return -1;
	}
}

/* The bits of CR0 and CR4 Keel owns read as the shadows say (SDM vol.3 §25.6.6). */
static uint64_t guest_view(uint32_t guest_field, uint64_t mask, uint32_t shadow_field)
{
	return (vmread(guest_field) & ~mask) | (vmread(shadow_field) & mask);
}

/* SS.DPL is the CPL (SDM vol.3 §26.3.1.2). */
static uint8_t guest_cpl(void)
{
	return (vmread(VMCS_GUEST_ES_ACCESS + 2 * SEG_SS) >> 5) & 3;
}

static uint64_t vmx_read_state(void *vcpu, enum guest_state what)
{
	struct vmx_vcpu *xv = vcpu;
	vmx_make_current(xv);
	int lazy = lazy_index(what);
	uint32_t field = state_field(what);
	if (what == GUEST_CR0)
		return guest_view(VMCS_GUEST_CR0, xv->cr0_mask, VMCS_CR0_SHADOW);
	if (what == GUEST_CR4)
		return guest_view(VMCS_GUEST_CR4, xv->cr4_mask, VMCS_CR4_SHADOW);
	if (what == GUEST_CPL)
		return guest_cpl();
	if (what == GUEST_XCR0)
		return xv->owned.xcr0;
	if (lazy >= 0)
		return xv->lazy.value[lazy];
	if (field)
		return vmread(field);
	return what == GUEST_PAT ? xv->pat : 0;
}

static void vmx_write_state(void *vcpu, enum guest_state what, uint64_t value)
{
	struct vmx_vcpu *xv = vcpu;
	vmx_make_current(xv);
	int lazy = lazy_index(what);
	uint32_t field = state_field(what);
	if (lazy >= 0)
		lazy_msrs_set(&xv->lazy, (enum lazy_msr)lazy, value);
	else if (what == GUEST_CR2) /* no VMCS field: Keel's (owned_state.c) */
		owned_state_set_cr2(&xv->owned, value);
	else if (what == GUEST_CR3)
		return; /* read only */
	else if (what == GUEST_XCR0)
		owned_state_set_xcr0(&xv->owned, value);
	else if (field)
		vmwrite(field, value);
	else if (what == GUEST_PAT)
		xv->pat = value;
}

/* The VMCS's access rights (SDM vol.3 §25.4.1, table 25-2): type, S, DPL, P, AVL, L, D/B,
 * G, and bit 16, unusable. */
static void vmx_read_segment(void *vcpu, unsigned seg, struct hvm_segment *out)
{
	vmx_make_current(vcpu);
	uint32_t ar = (uint32_t)vmread(VMCS_GUEST_ES_ACCESS + 2 * seg);
	*out = (struct hvm_segment){
		.base = vmread(VMCS_GUEST_ES_BASE + 2 * seg),
		.limit = (uint32_t)vmread(VMCS_GUEST_ES_LIMIT + 2 * seg),
		.selector = (uint16_t)vmread(VMCS_GUEST_ES_SELECTOR + 2 * seg),
		.usable = !(ar & (1u << 16)) && (ar & (1u << 7)),
		.code = ar & (1u << 3),
		.expand_down = !(ar & (1u << 3)) && (ar & (1u << 2)),
		.big = ar & AR_DB,
		.long_mode = ar & AR_L,
	};
}

static void vmx_read_emulation_view(void *vcpu, struct hvm_emulation_view *out)
{
	vmx_make_current(vcpu);
	struct vmx_vcpu *xv = vcpu;
	out->cr0 = guest_view(VMCS_GUEST_CR0, xv->cr0_mask, VMCS_CR0_SHADOW);
	out->cr3 = vmread(VMCS_GUEST_CR3);
	out->cr4 = guest_view(VMCS_GUEST_CR4, xv->cr4_mask, VMCS_CR4_SHADOW);
	out->efer = vmread(VMCS_GUEST_EFER);
	out->rflags = vmread(VMCS_GUEST_RFLAGS);
	out->cpl = guest_cpl();
	uint32_t ar = (uint32_t)vmread(VMCS_GUEST_ES_ACCESS + 2 * SEG_CS);
	out->cs_big = ar & AR_DB;
	out->cs_long_mode = ar & AR_L;
	bool code64 = out->cs_long_mode && (out->efer & EFER_LMA); /* spares two VMREADs */
	out->cs_base = code64 ? 0 : vmread(VMCS_GUEST_ES_BASE + 2 * SEG_CS);
	out->cs_limit = code64 ? UINT32_MAX : (uint32_t)vmread(VMCS_GUEST_ES_LIMIT + 2 * SEG_CS);
}

/* The VM-entry interruption information (SDM vol.3 §25.8.3). A hardware exception pushes
 * no error code in real mode, and with unrestricted guest entry refuses one there
 * (§27.2.1.3). */
static void vmx_inject_event(void *vcpu, enum hvm_event_type type, uint8_t vector, bool has_error_code,
			     uint32_t error_code)
{
	vmx_make_current(vcpu);
	uint32_t info = vector | (uint32_t)type << EVENT_TYPE_SHIFT | EVENT_VALID;
	if (has_error_code && (vmread(VMCS_CR0_SHADOW) & CR0_PE)) {
		info |= EVENT_DELIVER_ERROR_CODE;
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, error_code);
	}
	vmwrite(VMCS_ENTRY_INTERRUPTION_INFO, info);
}

/* An external interrupt may be injected only with RFLAGS.IF set and no blocking by STI or
 * MOV SS (SDM vol.3 §27.3.1.5), and one event at a time. */
static bool vmx_interrupt_allowed(void *vcpu, bool completed)
{
	vmx_make_current(vcpu);
	uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);
	if (!(rflags & RFLAGS_IF) || (vmread(VMCS_ENTRY_INTERRUPTION_INFO) & EVENT_VALID))
		return false;
	uint64_t interruptibility = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	uint64_t shadow = interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	if (!completed)
		return !shadow;
	if (shadow) /* the instruction in it is done */
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, interruptibility & ~shadow);
	return !(rflags & RFLAGS_TF); /* its single-step trap comes first: vmx_exit_continues */
}

static void set_proc_control(struct vmx_vcpu *xv, uint32_t control, bool on)
{
	uint32_t proc = on ? xv->proc | control : xv->proc & ~control;
	if (proc == xv->proc)
		return;
	vmx_make_current(xv);
	vmwrite(VMCS_PROC_CONTROLS, proc);
	xv->proc = proc;
}

/* Interrupt-window exiting: an exit as soon as RFLAGS.IF is set and nothing blocks
 * interrupts (SDM vol.3 §26.7.5). */
static void vmx_interrupt_window(void *vcpu, bool open)
{
	set_proc_control(vcpu, PROC_INTERRUPT_WINDOW_EXITING, open);
}

/* An NMI may be injected with no blocking by STI, MOV SS or (virtual) NMI (SDM vol.3
 * §27.3.1.5), and one event at a time. */
static bool vmx_nmi_allowed(void *vcpu, bool completed)
{
	vmx_make_current(vcpu);
	if (vmread(VMCS_ENTRY_INTERRUPTION_INFO) & EVENT_VALID)
		return false;
	uint64_t interruptibility = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (interruptibility & INTERRUPTIBILITY_NMI)
		return false;
	uint64_t shadow = interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	if (!completed)
		return !shadow;
	if (shadow) /* the instruction in it is done */
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, interruptibility & ~shadow);
	return !(vmread(VMCS_GUEST_RFLAGS) & RFLAGS_TF); /* its single-step trap comes first */
}

/* NMI-window exiting: an exit as soon as nothing blocks a virtual NMI (SDM vol.3 §26.7.6). */
static void vmx_nmi_window(void *vcpu, bool open)
{
	set_proc_control(vcpu, PROC_NMI_WINDOW_EXITING, open);
}

/* Every bit of CR4 Keel owns is VMXE, which CPUID hides, or one this CPU lacks: a write
 * that sets one faults on a CPU as Keel's CPUID describes it. Of CR0's, NE, CD and NW are
 * the guest's to change, in the shadow (x87 errors are still reported as #MF; the caches
 * stay on, as for INVD: guest RAM is write-back and coherent); PE and PG, owned without
 * unrestricted guest, cannot be turned off here. */
static enum cr_write vmx_write_cr(void *vcpu, unsigned cr, uint64_t value)
{
	vmx_make_current(vcpu);
	if (cr == 4)
		return CR_WRITE_FAULTS;
	uint64_t changed = (value ^ vmread(VMCS_CR0_SHADOW)) & ((struct vmx_vcpu *)vcpu)->cr0_mask;
	if (changed & ~(uint64_t)(CR0_NE | CR0_CD | CR0_NW))
		return CR_WRITE_UNSUPPORTED;
	vmx_write_cr0(value);
	return CR_WRITE_DONE;
}

const struct hvm_ops vmx_ops = {
	.name = "vmx",
	.exit_code_name = "vmx exit reason",
	.npt_format = &ept_format,
	.vcpu_bytes = sizeof(struct vmx_vcpu) + (1 + OWNED_STATE_PAGES) * PAGE_SIZE, /* with the VMCS */
	.shared_bytes = SHARED_PAGES * PAGE_SIZE,
	.cpu_enable = vmx_cpu_enable,
	.unsupported_boot_mode = vmx_unsupported_boot_mode,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_run = vmx_vcpu_run,
	.ends_runs_itself = vmx_ends_runs_itself,
	.read_state = vmx_read_state,
	.write_state = vmx_write_state,
	.read_segment = vmx_read_segment,
	.read_emulation_view = vmx_read_emulation_view,
	.inject_event = vmx_inject_event,
	.redeliver = vmx_redeliver,
	.interrupt_allowed = vmx_interrupt_allowed,
	.interrupt_window = vmx_interrupt_window,
	.nmi_allowed = vmx_nmi_allowed,
	.nmi_window = vmx_nmi_window,
	.write_cr = vmx_write_cr,
};
