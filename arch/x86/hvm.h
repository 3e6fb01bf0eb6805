/* The vendor-neutral virtualization interface. arch/x86/svm/ and arch/x86/vmx/ each fill
 * one struct hvm_ops and translate their exits into one struct vm_exit; vmm/ is written
 * once against this header and never sees a VMCB or VMCS. */
#ifndef KEEL_ARCH_X86_HVM_H
#define KEEL_ARCH_X86_HVM_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/nested_pt.h"

/* Guest general registers, indexed by their x86 encoding (RAX = 0 ... R15 = 15). */
enum guest_reg {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	GUEST_GPR_COUNT
};

/* What nearly every exit handler reads or writes. RSP and RFLAGS, which few need, stay in
 * the VMCB or VMCS (GUEST_RSP, GUEST_RFLAGS below): gpr[REG_RSP] is not used. */
struct guest_regs {
	uint64_t gpr[GUEST_GPR_COUNT];
	uint64_t rip;
};

/* Why the guest stopped running. One entry per handler in vmm/exit.c's dispatch table. */
enum exit_reason {
	EXIT_CPUID,
	EXIT_HLT,
	EXIT_IO,        /* port I/O: exit.io */
	EXIT_HYPERCALL, /* VMMCALL / VMCALL */
	EXIT_MSR,       /* RDMSR / WRMSR: exit.msr */
	EXIT_INSTRUCTION, /* an instruction Keel answers as a CPU would: exit.insn */
	EXIT_NPF,       /* nested-paging (EPT) fault: exit.npf */
	EXIT_SHUTDOWN,  /* triple fault */
	EXIT_ENTRY_FAILED, /* the CPU refused the guest's state at entry: exit.entry_failed */
	EXIT_INTERRUPT, /* the run's deadline, or a host interrupt or NMI (already handled) */
	EXIT_INTERRUPT_WINDOW, /* the guest can now take the interrupt Keel holds for it */
	EXIT_UNKNOWN,   /* anything else; raw_code says what */
	EXIT_REASON_COUNT
};

/* Instructions that exit because they could reach beyond the guest; each gets the answer
 * a CPU offering what Keel's CPUID shows would give (vmm/insn.c). */
enum guest_insn {
	INSN_VIRTUALIZATION, /* VMX and SVM instructions, GETSEC, ENCLS, INVLPGB...: #UD */
	INSN_CACHE_FLUSH,    /* INVD, WBINVD: completed without flushing (guest RAM is coherent) */
	INSN_RDPMC,          /* #GP(0): no performance counter is virtualized */
	INSN_MONITOR_MWAIT,  /* MONITOR, MWAIT (and AMD's RDPRU): #UD, CPUID offers none */
	INSN_XSETBV,         /* checked against what the domain may enable (vmm/xsetbv.c) */
	INSN_MOV_CR,         /* CR8, the guest's own task priority, never the APIC's (VT-x: to and
	                        from, SVM: to); on VT-x CR0 and CR4 where a write would change a
	                        bit VMX fixes (vmm/insn.c) */
};
#define INSN_GPR_UNKNOWN 0xff /* the exit does not name the register: SVM without decode assists */

/* The events Keel delivers through the guest's IDT, numbered as both vendors number them
 * (SDM vol.3 §25.8.3; APM vol.2 §15.20). */
enum hvm_event_type {
	HVM_EVENT_INTERRUPT = 0, /* an external interrupt */
	HVM_EVENT_NMI = 2,
	HVM_EVENT_EXCEPTION = 3, /* a hardware exception */
};

struct vm_exit {
	enum exit_reason reason;
	uint64_t raw_code;  /* the vendor's own exit code, for reports */
	uint8_t instr_len;  /* length of the exiting instruction; 0 where there is none */
	/* What the reason's handler needs, and only that: decoding reads no more of the VMCB
	 * or VMCS than the exit calls for. */
	union {
		struct {
			bool long_mode; /* 64-bit code (else 16/32-bit: use the low 32 bits of
			                   the registers) */
			uint8_t cpl;    /* the caller's privilege level: only 0 may call */
		} hypercall;
		struct {
			uint16_t port;
			uint8_t size;   /* 1, 2 or 4 bytes */
			bool in;        /* IN/INS (else OUT/OUTS) */
			bool string;    /* INS/OUTS */
			bool rep;
		} io;
		struct {
			uint64_t gpa;
			bool write, fetch; /* neither: a read */
			bool present;      /* a translation existed (permission fault) */
			bool final;        /* gpa is what the access's linear address translates to,
			                      not a guest page table's the CPU walked */
			bool delivering;   /* the CPU's own access, delivering an event through the
			                      IDT: not the instruction's */
		} npf;
		struct {
			bool write; /* WRMSR (the value is in EDX:EAX), else RDMSR; the index is ECX */
		} msr;
		struct {
			enum guest_insn kind;
			const char *name; /* the mnemonic, for messages */
			uint8_t cr;       /* INSN_MOV_CR: 0, 4 or 8 */
			uint8_t gpr;      /* INSN_MOV_CR: the register operand (enum guest_reg), or
			                     INSN_GPR_UNKNOWN: Keel decodes the instruction (vmm/emulate.c) */
			bool write;       /* INSN_MOV_CR: to the CR, else from it (CR8 only) */
		} insn;
		struct {
			const char *why; /* which check failed, and where the manual lists it */
		} entry_failed;
	};
};

/* Guest state that lives in the VMCB or VMCS, or in the vendor's vCPU, rather than in
 * struct guest_regs, reached through hvm->read_state and hvm->write_state. */
enum guest_state {
	GUEST_EFER, /* as the guest sees it: SVM's EFER.SVME, which VMRUN needs, is hidden */
	GUEST_CR0,  /* as the guest sees it (read only) */
	GUEST_CR4,  /* as the guest sees it (read only) */
	GUEST_CR3,  /* read only */
	GUEST_CR2,  /* write only: the address of a page fault Keel gives the guest */
	GUEST_CPL,  /* its current privilege level, 0-3 (read only) */
	GUEST_XCR0, /* arch/x86/owned_state.h */
	GUEST_PAT,
	GUEST_SYSENTER_CS,
	GUEST_SYSENTER_ESP,
	GUEST_SYSENTER_EIP,
	GUEST_FS_BASE,
	GUEST_GS_BASE,
	GUEST_KERNEL_GS_BASE,
	GUEST_STAR,
	GUEST_LSTAR,
	GUEST_CSTAR,
	GUEST_SFMASK,
	GUEST_TSC_AUX,
	GUEST_TSC_OFFSET, /* added to the TSC for the guest's RDTSC and RDTSCP */
	GUEST_RSP,
	GUEST_RFLAGS,
};

/* A segment register as the guest has it (SDM vol.3 §3.4.5, APM vol.2 §4.7): what an
 * instruction's emulation needs (vmm/x86_emulate.h). */
struct hvm_segment {
	uint64_t base;
	uint32_t limit;    /* in bytes, the granularity applied */
	uint16_t selector;
	bool usable;       /* loaded with a usable descriptor (VT-x's "unusable" clear) */
	bool code;         /* a code segment */
	bool expand_down;  /* a data segment growing down */
	bool big;          /* D/B: 32-bit code, or a big data segment */
	bool long_mode;    /* L: 64-bit code */
};

/* What the instruction emulator reads of a guest before each instruction (vmm/emulate.c),
 * in one call rather than eight: each as read_state gives it, and of CS what fetching and
 * decoding need (read_segment has the rest). In 64-bit mode CS's base and limit do not
 * count (SDM vol.3 §3.4.4, §5.3.1): a vendor may give 0 and all ones there without
 * reading them. */
struct hvm_emulation_view {
	uint64_t cr0, cr3, cr4, efer, rflags;
	uint8_t cpl;
	uint64_t cs_base;
	uint32_t cs_limit;
	bool cs_big;       /* D: 32-bit code */
	bool cs_long_mode; /* L: 64-bit code */
};

/* How a new vCPU starts (vmm/loader.c fills it, the vendor code applies it). Every mode
 * starts with RFLAGS = 2 (interrupts off), rsp, and the registers of struct guest_regs. */
enum vcpu_boot_mode {
	VCPU_BOOT_REAL16 = 1, /* real mode, CS = DS = ... = 0 */
	VCPU_BOOT_PROT32 = 2, /* 32-bit protected mode, paging off, flat 4 GiB segments */
	VCPU_BOOT_LONG64 = 3, /* 64-bit mode, paging on with cr3, flat segments */
};

struct vcpu_boot_state {
	enum vcpu_boot_mode mode;
	uint64_t rsp;
	uint64_t cr3;                 /* long64: guest-physical address of its PML4 */
	uint64_t gdt_base;            /* prot32, long64: a GDT holding the two descriptors below */
	uint16_t gdt_limit;
	uint16_t code_selector, data_selector; /* CS; DS, ES, FS, GS and SS */
};

/* What became of a guest's MOV to CR0 or CR4 that exited (hvm->write_cr). */
enum cr_write {
	CR_WRITE_DONE,        /* the guest now has the value */
	CR_WRITE_FAULTS,      /* a CPU offering what Keel's CPUID shows would raise #GP(0) */
	CR_WRITE_UNSUPPORTED, /* legal, but this CPU cannot run the guest so */
};

struct vcpu;

/* A run of a vCPU (hvm_ops.vcpu_run): what vmm/ gives the vendor, which keeps it for each
 * of the run's exits. */
struct hvm_run {
	struct guest_regs *regs;
	uint64_t deadline_tsc;
	struct vcpu *v;
	/* What vmm/ does with each exit: true to enter the same vCPU again. */
	bool (*on_exit)(struct vcpu *v, const struct vm_exit *exit);
	/* Before an entry, when the exit interrupted an event's delivery or *events_due is set
	 * (before the run's first entry: when *events_due is set): vmm/ decides what the entry
	 * delivers (vmm/events.c). completed: the handler completed the instruction that
	 * exited. */
	void (*before_entry)(struct vcpu *v, bool interrupted, bool completed);
	const bool *events_due;
};


struct hvm_ops {
	const char *name;                     /* "svm", "vmx" */
	const char *exit_code_name;           /* how reports name raw codes: "svm exit code" */
	const struct npt_format *npt_format;  /* nested page table encoding (NPT or EPT) */
	/* Memory Keel holds for each vCPU (its VMCB or VMCS, XSAVE area and vendor structure),
	 * and once for all of them (permission maps, host state areas), in bytes. */
	uint64_t vcpu_bytes, shared_bytes;
	int (*cpu_enable)(void);              /* turn virtualization on for this CPU */
	/* NULL if guests can start in this mode, else why not (after cpu_enable). */
	const char *(*unsupported_boot_mode)(enum vcpu_boot_mode mode);
	/* A vCPU is the vendor's own state (a VMCB or VMCS), known to vmm/ only as a handle:
	 * *vcpu receives it. npt_root: the domain's nested page table (arch/x86/nested_pt.h). */
	int (*vcpu_create)(void **vcpu, uint64_t npt_root, const struct vcpu_boot_state *boot);
	void (*vcpu_destroy)(void *vcpu);
	/* Runs the vCPU until the scheduler wants the CPU back. The state the vendor leaves in
	 * the CPU while a vCPU runs (its TLB tag, lazily switched MSRs, owned state) is loaded
	 * once, then the guest is entered with run->regs; each exit is decoded, with regs
	 * holding the guest's registers at that point, and given to run->on_exit, and the guest
	 * entered again while on_exit returns true (run->before_entry deciding its events).
	 * Where ends_runs_itself() (after cpu_enable), the vendor ends a run (EXIT_INTERRUPT)
	 * once the TSC reaches run->deadline_tsc (0: none), with a timer of its own (VT-x's
	 * preemption timer); elsewhere Keel's local APIC timer must. */
	void (*vcpu_run)(void *vcpu, const struct hvm_run *run);
	bool (*ends_runs_itself)(void);
	uint64_t (*read_state)(void *vcpu, enum guest_state what);
	/* The value must already be valid for the guest (vmm/msr.c checks it). */
	void (*write_state)(void *vcpu, enum guest_state what, uint64_t value);
	/* Segment register seg, in encoding order: ES, CS, SS, DS, FS, GS (0-5). */
	void (*read_segment)(void *vcpu, unsigned seg, struct hvm_segment *out);
	void (*read_emulation_view)(void *vcpu, struct hvm_emulation_view *out);
	/* Delivers an event through the guest's IDT at its next entry (vmm/events.c decides
	 * which). A hardware exception comes as a fault: RIP stays at the instruction; in real
	 * mode it pushes no error code, as on a CPU. */
	void (*inject_event)(void *vcpu, enum hvm_event_type type, uint8_t vector, bool has_error_code,
			     uint32_t error_code);
	/* After an exit that interrupted an event's delivery: delivers that event again, as the
	 * exit describes it (SDM vol.3 §28.2.4; APM vol.2 §15.7.2). */
	void (*redeliver)(void *vcpu);
	/* Whether an external interrupt injected now would be taken at the next entry: RFLAGS.IF
	 * is set, no event is set for the entry yet, and the guest is in no STI or MOV SS
	 * shadow. completed: Keel has just completed the instruction that exited, so the shadow
	 * it was in is over (the vendor clears it in the guest state); a single-step trap then
	 * comes first (svm_exit.c, vmx_exit.c). */
	bool (*interrupt_allowed)(void *vcpu, bool completed);
	/* With open, the guest exits (EXIT_INTERRUPT_WINDOW) as soon as it could take an
	 * external interrupt (VT-x's interrupt-window exiting, SVM's virtual interrupt). */
	void (*interrupt_window)(void *vcpu, bool open);
	/* Whether an NMI injected now would be taken at the next entry: no event is set for
	 * the entry, the guest is in no STI or MOV SS shadow (completed: as interrupt_allowed)
	 * and not in the handler of the NMI it took last (SDM vol.3 §6.7.1: NMIs are blocked
	 * until its IRET). */
	bool (*nmi_allowed)(void *vcpu, bool completed);
	/* With open, the guest exits (EXIT_INTERRUPT_WINDOW) once it could take an NMI: VT-x's
	 * NMI-window exiting; on SVM the IRET that ends its NMI handler (svm.c). */
	void (*nmi_window)(void *vcpu, bool open);
	/* Where the guest's MOV from CR8 runs without an exit (SVM's V_TPR, with
	 * V_INTR_MASKING: APM vol.2 §15.21.1), sets what it reads (0-15): Keel calls it each
	 * time the local APIC's TPR changes, a MOV to CR8 exiting too (vmm/insn.c). NULL where
	 * both directions exit (VT-x). */
	void (*set_guest_cr8)(void *vcpu, uint8_t cr8);
	/* A MOV to CR0 or CR4 that exited (the value passed the checks of vmm/insn.c). NULL
	 * where none exits (SVM intercepts no write of CR0 or CR4). */
	enum cr_write (*write_cr)(void *vcpu, unsigned cr, uint64_t value);
};

/* The operations of the vendor chosen at boot. */
extern const struct hvm_ops *hvm;

#endif
