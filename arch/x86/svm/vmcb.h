/* The VMCB: one 4 KiB page per vCPU, a control area (what to intercept, why we exited)
 * and a state-save area (the guest's CPU state). Layout: AMD APM vol.2, appendix B. Every
 * field lies at its natural alignment, so the structures need no packing; the asserts
 * below pin the offsets Keel relies on. */
#ifndef KEEL_ARCH_X86_SVM_VMCB_H
#define KEEL_ARCH_X86_SVM_VMCB_H

#include <stdint.h>

struct vmcb_segment {
	uint16_t selector;
	uint16_t attrib; /* type | S<<4 | DPL<<5 | P<<7 | AVL<<8 | L<<9 | DB<<10 | G<<11 */
	uint32_t limit;
	uint64_t base;
};

struct vmcb_control {
	uint32_t intercept_cr;        /* 0x000 */
	uint32_t intercept_dr;        /* 0x004 */
	uint32_t intercept_exceptions; /* 0x008 */
	uint32_t intercept_misc1;     /* 0x00c: INTR ... SHUTDOWN */
	uint32_t intercept_misc2;     /* 0x010: VMRUN ... */
	uint32_t intercept_misc3;     /* 0x014 */
	uint8_t reserved1[0x3c - 0x18];
	uint16_t pause_filter_threshold; /* 0x03c */
	uint16_t pause_filter_count;  /* 0x03e */
	uint64_t iopm_base_pa;        /* 0x040 */
	uint64_t msrpm_base_pa;       /* 0x048 */
	uint64_t tsc_offset;          /* 0x050 */
	uint32_t asid;                /* 0x058 */
	uint8_t tlb_control;          /* 0x05c */
	uint8_t reserved2[3];
	uint64_t vintr;               /* 0x060: V_TPR, V_IRQ, ..., V_INTR_MASKING (bit 24) */
	uint64_t interrupt_shadow;    /* 0x068: INTERRUPT_SHADOW */
	uint64_t exit_code;           /* 0x070 */
	uint64_t exit_info1;          /* 0x078 */
	uint64_t exit_info2;          /* 0x080 */
	uint64_t exit_int_info;       /* 0x088 */
	uint64_t np_enable;           /* 0x090: bit 0 */
	uint64_t avic_apic_bar;       /* 0x098 */
	uint64_t ghcb_pa;             /* 0x0a0 */
	uint64_t event_inject;        /* 0x0a8 */
	uint64_t n_cr3;               /* 0x0b0 */
	uint64_t lbr_virt_enable;     /* 0x0b8 */
	uint32_t clean_bits;          /* 0x0c0 */
	uint32_t reserved3;
	uint64_t next_rip;            /* 0x0c8: with nrip-save */
	uint8_t insn_fetched;         /* 0x0d0: with decode assists */
	uint8_t insn_bytes[15];       /* 0x0d1 */
	uint8_t reserved4[0x400 - 0xe0];
};

struct vmcb_save {
	struct vmcb_segment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t reserved1[0x4cb - 0x4a0];
	uint8_t cpl;                  /* 0x4cb */
	uint32_t reserved2;
	uint64_t efer;                /* 0x4d0 */
	uint8_t reserved3[0x548 - 0x4d8];
	uint64_t cr4;                 /* 0x548 */
	uint64_t cr3;
	uint64_t cr0;
	uint64_t dr7;
	uint64_t dr6;
	uint64_t rflags;
	uint64_t rip;                 /* 0x578 */
	uint8_t reserved4[0x5d8 - 0x580];
	uint64_t rsp;                 /* 0x5d8 */
	uint8_t reserved5[0x5f8 - 0x5e0];
	uint64_t rax;                 /* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2;                 /* 0x640 */
	uint8_t reserved6[0x668 - 0x648];
	uint64_t g_pat;               /* 0x668 */
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
	uint8_t reserved[4096 - 0x400 - sizeof(struct vmcb_save)];
};

_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area is 1 KiB");
_Static_assert(__builtin_offsetof(struct vmcb_save, cpl) == 0xcb, "VMCB CPL offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, efer) == 0xd0, "VMCB EFER offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, cr4) == 0x148, "VMCB CR4 offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, rip) == 0x178, "VMCB RIP offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, rsp) == 0x1d8, "VMCB RSP offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, rax) == 0x1f8, "VMCB RAX offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, star) == 0x200, "VMCB STAR offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, sysenter_eip) == 0x238, "VMCB SYSENTER_EIP offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, cr2) == 0x240, "VMCB CR2 offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, fs) == 0x40, "VMCB FS offset");
_Static_assert(__builtin_offsetof(struct vmcb_control, tsc_offset) == 0x50, "VMCB TSC offset");
_Static_assert(__builtin_offsetof(struct vmcb_control, event_inject) == 0xa8, "VMCB EVENTINJ offset");
_Static_assert(__builtin_offsetof(struct vmcb_control, next_rip) == 0xc8, "VMCB nRIP offset");
_Static_assert(__builtin_offsetof(struct vmcb_save, g_pat) == 0x268, "VMCB G_PAT offset");
_Static_assert(sizeof(struct vmcb) == 4096, "a VMCB is one page");

/* Intercept bits (APM vol.2 §15.9-15.13, table B-1). First word (VMCB offset 0x0c): */
#define INTERCEPT_CR8_WRITE (1u << 24) /* intercept_cr: bits 16-31 are writes of CR0-CR15 */
#define INTERCEPT_INTR (1u << 0)
#define INTERCEPT_NMI (1u << 1)
#define INTERCEPT_VINTR (1u << 4)
#define INTERCEPT_RDPMC (1u << 15)
#define INTERCEPT_CPUID (1u << 18)
#define INTERCEPT_IRET (1u << 20)
#define INTERCEPT_INVD (1u << 22)
#define INTERCEPT_HLT (1u << 24)
#define INTERCEPT_INVLPGA (1u << 26)
#define INTERCEPT_IOIO (1u << 27)
#define INTERCEPT_MSR (1u << 28)
#define INTERCEPT_SHUTDOWN (1u << 31)
/* second word (0x10): */
#define INTERCEPT_VMRUN (1u << 0)
#define INTERCEPT_VMMCALL (1u << 1)
#define INTERCEPT_VMLOAD (1u << 2)
#define INTERCEPT_VMSAVE (1u << 3)
#define INTERCEPT_STGI (1u << 4)
#define INTERCEPT_CLGI (1u << 5)
#define INTERCEPT_SKINIT (1u << 6)
#define INTERCEPT_WBINVD (1u << 9)
#define INTERCEPT_MONITOR (1u << 10)
#define INTERCEPT_MWAIT (1u << 11)
#define INTERCEPT_MWAIT_ARMED (1u << 12)
#define INTERCEPT_XSETBV (1u << 13)
#define INTERCEPT_RDPRU (1u << 14)
/* third word (0x14): */
#define INTERCEPT_INVLPGB (1u << 0)
#define INTERCEPT_INVLPGB_ILLEGAL (1u << 1)
#define INTERCEPT_MCOMMIT (1u << 3)
#define INTERCEPT_TLBSYNC (1u << 4)

/* The interrupt shadow field: the guest is in an STI or MOV SS shadow (APM vol.2 §15.21.5). */
#define INTERRUPT_SHADOW (1ull << 0)

/* EVENTINJ and EXITINTINFO (APM vol.2 §15.20, §15.7.2) */
#define EVENT_VECTOR_MASK 0xffu
#define EVENT_TYPE_SHIFT 8
#define EVENT_TYPE_EXCEPTION (3u << 8)
#define EVENT_ERROR_VALID (1u << 11)
#define EVENT_VALID (1u << 31)

#define SEG_ATTRIB_L (1u << 9) /* a 64-bit code segment */

/* The VINTR field (APM vol.2 §15.21): the virtual interrupt Keel asks for, to learn when
 * the guest could take one (the VINTR intercept), whatever its TPR. */
#define VINTR_TPR_MASK 0xfull /* V_TPR: the guest's CR8 */
#define VINTR_IRQ (1ull << 8)
#define VINTR_IGNORE_TPR (1ull << 20)
#define VINTR_MASKING (1ull << 24)
#define TLB_CONTROL_FLUSH_ALL 1

/* Exit codes (APM vol.2, appendix C). */
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_CR8_WRITE 0x18
#define SVM_EXIT_VINTR 0x64
#define SVM_EXIT_IRET 0x74
#define SVM_EXIT_RDPMC 0x6f
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_INVD 0x76
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_INVLPGA 0x7a
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_VMLOAD 0x82
#define SVM_EXIT_VMSAVE 0x83
#define SVM_EXIT_STGI 0x84
#define SVM_EXIT_CLGI 0x85
#define SVM_EXIT_SKINIT 0x86
#define SVM_EXIT_WBINVD 0x89
#define SVM_EXIT_MONITOR 0x8a
#define SVM_EXIT_MWAIT 0x8b
#define SVM_EXIT_MWAIT_ARMED 0x8c
#define SVM_EXIT_XSETBV 0x8d
#define SVM_EXIT_RDPRU 0x8e
#define SVM_EXIT_INVLPGB 0xa0
#define SVM_EXIT_INVLPGB_ILLEGAL 0xa1
#define SVM_EXIT_MCOMMIT 0xa3
#define SVM_EXIT_TLBSYNC 0xa4
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffffffffffull /* VMRUN's consistency checks failed */

#endif
