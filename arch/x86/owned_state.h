/* CPU state that no VM transition switches and that Keel itself never uses: the x87, SSE,
 * AVX and AVX-512 registers with MXCSR and PKRU (the XSAVE state, SDM vol.1 chapter 13),
 * XCR0, DR0-DR3, and on VT-x also DR6 and CR2 (CR2 on SVM too: svm.c). VMRUN and #VMEXIT
 * load and save only what the VMCB holds (APM vol.2 §15.5.1, appendix B: DR6, DR7 and CR2
 * are there, DR0-DR3 and the XSAVE state are not); VM entry and exit only what the VMCS
 * holds (SDM vol.3 §27.3.1-2, §28.3: DR7, not DR0-DR3, DR6 or CR2). Keel is built without floating point or SSE
 * (-mgeneral-regs-only) and takes no page faults or debug traps, so a vCPU's values can
 * stay in the CPU while Keel handles its exits: the CPU holds one vCPU's state at a time,
 * its owner's, and exchanges it for another's only when that other vCPU is about to run.
 * The switch is eager (XSAVE and XRSTOR of cpu.switched_xcr0: every component a guest may
 * enable, and PKRU, which CR4.PKE reaches without XCR0), done once per change of vCPU,
 * never on an exit that resumes the same vCPU. */
#ifndef KEEL_ARCH_X86_OWNED_STATE_H
#define KEEL_ARCH_X86_OWNED_STATE_H

#include <stdint.h>

/* What a vendor's transitions leave to this file beyond the common part. */
#define OWNED_DR6 (1u << 0)
#define OWNED_CR2 (1u << 1)

#define OWNED_STATE_PAGES 1

struct owned_state {
	void *area;    /* OWNED_STATE_PAGES: a standard-format XSAVE area, or FXSAVE's 512 bytes */
	uint64_t area_pa;
	uint64_t xcr0; /* the guest's; XCR0_X87 at power-on (SDM vol.1 §13.3) */
	uint64_t dr[4];
	uint64_t dr6;  /* OWNED_DR6 only */
	uint64_t cr2;  /* OWNED_CR2 only */
};

/* Prepares this CPU (cpu_enable calls it before recording the host's CR0 and CR4): XSAVE
 * and FXSAVE need CR4.OSFXSR, CR4.OSXSAVE, and CR0.EM and CR0.TS clear. extra: the
 * OWNED_* bits of the vendor. Records the host's XCR0 and debug registers. */
void owned_state_init_cpu(unsigned extra);
/* A new vCPU's state, as after RESET for everything a guest can see: x87 and SSE in their
 * initial configuration (FCW 0x37F, MXCSR 0x1F80), PKRU 0, XCR0 = x87, DR6 0xFFFF0FF0.
 * Returns 0 or -ENOMEM. */
int owned_state_create(struct owned_state *s);
void owned_state_destroy(struct owned_state *s);
extern struct owned_state *owned_state_owner; /* whose state the CPU holds (NULL: the host's) */
void owned_state_switch(struct owned_state *s);

/* Makes the CPU hold s: a pointer comparison, inline, when it already does. */
static inline void owned_state_load(struct owned_state *s)
{
	if (s != owned_state_owner)
		owned_state_switch(s);
}
/* XSETBV on the guest's behalf (the value already checked: vmm/xsetbv.c). */
void owned_state_set_xcr0(struct owned_state *s, uint64_t xcr0);
/* Sets bits of the vCPU's DR6 (OWNED_DR6 only), in the CPU if it holds s. */
void owned_state_set_dr6_bits(struct owned_state *s, uint64_t bits);
/* Sets the vCPU's CR2 (OWNED_CR2), in the CPU if it holds s. */
void owned_state_set_cr2(struct owned_state *s, uint64_t value);
/* Puts the host's XCR0 and debug registers back; no vCPU owns the CPU afterwards. */
void owned_state_restore_host(void);
/* The host's XCR0 as recorded at owned_state_init_cpu (0 without XSAVE). */
uint64_t owned_state_host_xcr0(void);

#endif
