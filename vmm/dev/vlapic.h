/* A model of a local APIC (one per vCPU) as Intel SDM vol.3 chapter 11 describes it, in
 * xAPIC mode (registers in a 4 KiB MMIO page) and x2APIC mode (registers as MSRs 0x800-
 * 0x83f). Pure code: no allocation, no globals; it reaches Keel's clock, its timer and the
 * other interrupt controllers through the callbacks of struct vlapic_env. Sections cited
 * below are those of SDM vol.3 chapter 11 ("Advanced Programmable Interrupt Controller").
 *
 * What it is:
 * - version 0x14 (an integrated xAPIC), max LVT entry 5: the LVTs are timer (0x320),
 *   thermal (0x330), performance counters (0x340), LINT0 (0x350), LINT1 (0x360) and error
 *   (0x370). The thermal and performance-counter entries keep their bits but never
 *   interrupt (no thermal sensor, no counter overflow); there is no CMCI entry (0x2f0 is
 *   reserved). No EOI-broadcast suppression is advertised (version bit 24 clear, SVR bit 12
 *   reserved).
 * - Registers (Table 11-1): ID (xAPIC: bits 31:24 writable; the x2APIC ID is the init
 *   apic_id, read-only), version, TPR (bits 7:0), APR and RRD (read 0, xAPIC only), PPR,
 *   EOI, LDR (xAPIC: bits 31:24 writable; x2APIC: read-only, derived from the ID as
 *   §11.12.10.2 says), DFR (xAPIC only; bits 31:28 writable, 27:0 read as ones: 1111 is the
 *   flat model, anything else is taken as the cluster model), SVR (vector bits 7:0 all
 *   writable, as on Pentium 4 and later, §11.9; enable bit 8; focus-check bit 9 is kept but
 *   changes nothing), ISR, TMR, IRR, ESR, ICR, the LVTs, initial count, current count,
 *   divide configuration, and SELF IPI (x2APIC only).
 * - An LVT write keeps the bits its entry has (figure 11-8): vector 7:0 everywhere; delivery
 *   mode 10:8 in thermal, perf, LINT0, LINT1; polarity 13 in LINT0/LINT1; trigger 15 in LINT0
 *   only (LINT1 "does not support" level, §11.5.1: it reads 0); mask 16; timer mode 17 (and
 *   18 when TSC-deadline is offered). Delivery status (12) reads 0: delivery is instant.
 *   Remote IRR (14) is kept by the model. While the APIC is software-disabled every write
 *   leaves the mask set (§11.4.7.2).
 *
 * Register access, xAPIC: registers are 32 bits at 16-byte-aligned offsets (§11.4.1). A
 * read of any size (1, 2, 4, 8) returns, byte by byte, the register's bytes 0-3 that fall in
 * it and 0 for bytes 4-15 of a register's slot. A write changes a register only if it is 4
 * bytes at the slot's start; other writes are ignored. An access to a reserved slot (read,
 * or a 4-byte aligned write) reads 0 and sets ESR bit 7 "illegal register address" (§11.5.3);
 * writes to read-only registers are ignored. When the APIC is not in xAPIC mode (x2APIC or
 * hardware-disabled) the page is not there (§11.12.2): reads give all ones, writes do
 * nothing, as where nothing answers on Keel's bus.
 *
 * Register access, x2APIC (§11.12.1.2, Table 11-6): MSR 0x800 + (offset >> 4), with ICR as
 * the one 64-bit MSR 0x830. vlapic_msr_read/write return false (#GP) when the APIC is not in
 * x2APIC mode; for an MSR with no register (all but those listed in Table 11-6: 0x809 APR,
 * 0x80c RRD, 0x80e DFR, 0x831, 0x82f CMCI, 0x83a-0x83d included); for writes to read-only
 * registers (ID, version, PPR, LDR, ISR, TMR, IRR, current count) and reads of write-only
 * ones (EOI, SELF IPI); and for writes with a reserved bit set (§11.12.1.3): bits 63:32 of
 * every register but ICR; TPR 31:8; EOI and ESR any bit (WRMSR of non-zero #GPs); SVR 31:10;
 * an LVT's bits it does not have (the read-only delivery status, remote IRR and LINT1
 * trigger bits may be written, they are ignored); a timer mode of 11 (or 1x without
 * TSC-deadline); divide configuration all but bits 0, 1, 3; SELF IPI 31:8; ICR bits 13,
 * 17:16 and 31:20 (§11.12.9). ICR bit 12, the xAPIC delivery status that x2APIC mode
 * reserves, is ignored rather than faulted, as Intel CPUs do.
 *
 * IA32_APIC_BASE (§11.4.4, §11.12.5): bits 0-7 and 9 and those from the guest's
 * MAXPHYADDR up are reserved (#GP), and EXTD (bit 10) too unless x2APIC is offered; BSP
 * (bit 8) is read-only. Transitions (EN, EXTD): xAPIC -> x2APIC; any -> disabled (0, 0);
 * disabled -> xAPIC; the base address may change in any state. Invalid, #GP: to (0, 1);
 * x2APIC -> xAPIC; disabled -> x2APIC. Disabling resets every register to its power-up
 * value but the xAPIC ID (§11.4.3, §11.12.5.1: the IDs survive); entering x2APIC mode sets
 * LDR from the ID and keeps the other registers.
 *
 * Interrupts: fixed interrupts (from the IO-APIC, MSIs, IPIs, the LVTs) go into IRR, TMR
 * recording their trigger (§11.8.4); vectors 0-15 are refused and set ESR bit 6 (§11.5.3).
 * A software-disabled APIC (SVR bit 8 clear) keeps what IRR and ISR hold but takes no new
 * fixed interrupt: §11.4.7.2 lists only INIT, NMI, SMI and SIPI as answered then. The CPU
 * is offered the highest IRR vector whose class (bits 7:4) is above PPR's (§11.8.3.1,
 * §11.8.4); Keel injects it and calls vlapic_accept. EOI clears the highest ISR bit and,
 * when that vector's TMR bit is set, tells env.eoi (the IO-APIC's remote IRR, §11.8.5).
 * NMIs (LINT NMI mode, ICR to this APIC, vlapic_nmi) latch one pending NMI. LINT0 in ExtINT
 * mode passes the PIC's INTR through as a level (§11.5.1): vlapic_extint_pending. With the
 * APIC hardware-disabled (APIC_BASE bit 11 clear) the CPU has no APIC (§11.4.3): LINT0 is
 * the PIC's INTR wired straight to it and LINT1 its NMI pin, so vlapic_extint_pending
 * follows LINT0 and a rising LINT1 latches an NMI. After reset LINT0 is masked and the APIC
 * software-disabled, so the PIC does not get through until the guest (on a PC, its BIOS)
 * programs virtual-wire mode.
 *
 * IPIs (§11.6): delivery modes fixed, lowest priority, NMI, INIT, start-up, SMI are passed
 * to other CPUs as written; Pentium 4 and later send every IPI edge-triggered (Table 11-3,
 * note 2), so a level bit changes nothing here. The shorthands self and all-including-self
 * are valid only with fixed delivery (Table 11-3); other combinations send nothing. Without
 * a shorthand this APIC takes its own share when the destination names it (physical: its
 * ID; logical: LDR in the flat or cluster model, §11.6.2.2, or the x2APIC cluster model,
 * §11.12.10.1; all ones: broadcast). A lowest-priority IPI that names this APIC is taken
 * here alone (this APIC wins the arbitration, §11.6.2.4). Fixed and lowest-priority IPIs
 * with vectors 0-15 are not sent and set ESR bit 5.
 *
 * Timer (§11.5.4): the timer counts at VLAPIC_TIMER_HZ divided by the divide configuration
 * (2, 4, ..., 128, 1). Writing the initial count (re)starts it, 0 stops it; changing the
 * divider keeps the count left and goes on at the new rate; a write to the LVT timer that
 * changes its mode disarms it (§11.5.4.1: the current count then reads 0, IA32_TSC_DEADLINE
 * 0; the initial count keeps its value). A masked timer still counts, expires and, when
 * periodic, reloads; it just raises no interrupt. A periodic timer's next deadline is the
 * last one plus the period, so it does not drift; if Keel calls vlapic_timer more than a
 * period late, one interrupt stands for all the periods missed and the next deadline is the
 * first one still in the future. TSC-deadline mode: the deadline is env.tsc_to_ns(MSR
 * value); it fires once and the MSR reads 0 afterwards; writing 0 disarms; in other modes
 * the MSR reads 0 and writes are ignored; a deadline already past fires at once.
 *
 * ESR (§11.5.3): errors are collected whatever the LVT error mask; a write to ESR (any
 * value in xAPIC, 0 in x2APIC) moves the errors collected since the last write into the
 * readable register and clears them. The error LVT interrupts when an error bit that was not
 * yet collected is set; so repeated errors raise one interrupt until ESR is written again.
 *
 * Not modelled: INIT, start-up and SMI reaching this APIC (from its own ICR or the LVTs: a
 * CPU does not INIT itself through Keel; Keel gives INIT to a vCPU by vlapic_init_signal);
 * the spurious vector (Keel asks vlapic_pending_vector right before injecting, so the
 * interrupt cannot vanish between INTR and INTA, §11.9); lowest-priority arbitration among
 * APICs (see IPIs) and the APR; the LINT polarity bit (kept, but vlapic_lint's level is
 * taken as "asserted"); the level-triggered fixed mode of LINT0 remembers remote IRR but
 * there is no "always level" quirk (§11.5.1); focus processor checking; EOI-broadcast
 * suppression; CMCI, thermal and performance-counter interrupts; the 82489DX.
 *
 * Calls are not serialised by the model: Keel calls one APIC's functions one at a time
 * (an IPI from another vCPU included), and its callbacks do not call back into the APIC
 * that called them. */
#ifndef KEEL_VMM_DEV_VLAPIC_H
#define KEEL_VMM_DEV_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/device.h"

#define VLAPIC_PAGE_SIZE 0x1000 /* the xAPIC register page */
#define VLAPIC_NO_MMIO UINT64_MAX /* vlapic_mmio_base: the page is not there */
/* The timer's clock before its divider: one tick a nanosecond (for CPUID leaf 0x15/0x16). */
#define VLAPIC_TIMER_HZ 1000000000ull

/* The MSRs Keel routes to the model. */
#define VLAPIC_MSR_APIC_BASE 0x1b
#define VLAPIC_MSR_TSC_DEADLINE 0x6e0
#define VLAPIC_MSR_X2APIC_FIRST 0x800 /* vlapic_msr_read/write: 0x800-0x8ff */
#define VLAPIC_MSR_X2APIC_LAST 0x8ff
#define VLAPIC_MSR_TPR 0x808 /* of them the one register that holds the task priority */
#define VLAPIC_TPR_OFFSET 0x80 /* and its offset in the xAPIC page */

#define VLAPIC_LVT_COUNT 6 /* timer, thermal, performance counters, LINT0, LINT1, error */

struct vlapic_env {
	/* now_ns: Keel's clock. set_deadline: the timer; vlapic_timer is to be called once the
	 * deadline has passed. set_irq(ctx, 0, level): the APIC's output to its CPU is at level,
	 * true while the CPU has something to take (vlapic_pending_vector >= 0, an NMI, an
	 * ExtINT), so that a halted vCPU wakes: called only when the level changes. */
	struct device_env dev;
	/* An EOI for a level-triggered vector (its TMR bit set, §11.8.5): the IO-APIC clears its
	 * remote IRR. May be NULL. */
	void (*eoi)(void *ctx, uint8_t vector);
	/* An IPI that may reach other CPUs, as written to ICR: dest is the destination field
	 * (xAPIC: ICR bits 63:56; x2APIC: bits 63:32), icr_low ICR bits 31:0 (delivery status
	 * clear). This APIC has taken its own share already: Keel delivers it to every other
	 * APIC the destination or shorthand names, never back to this one. May be NULL (one
	 * vCPU). */
	void (*send_ipi)(void *ctx, uint32_t dest, uint32_t icr_low);
	/* A guest TSC value as Keel's now_ns (DEVICE_NO_DEADLINE if never reached). Needed when
	 * TSC-deadline mode is offered. */
	uint64_t (*tsc_to_ns)(void *ctx, uint64_t guest_tsc);
};

/* What the CPU the APIC belongs to offers (its CPUID), fixed for the APIC's life. */
struct vlapic_config {
	uint32_t apic_id;  /* the initial APIC ID: the x2APIC ID; its low 8 bits the xAPIC ID */
	bool bsp;          /* APIC_BASE bit 8 */
	bool x2apic;       /* CPUID.1:ECX[21]: APIC_BASE.EXTD may be set */
	bool tsc_deadline; /* CPUID.1:ECX[24]: the LVT timer has mode 10 */
	uint8_t maxphyaddr; /* the guest's physical-address width; APIC_BASE bits from it up are reserved */
};

/* A set of the 256 vectors (IRR, ISR, TMR): bit v % 32 of word v / 32 is vector v; bit i of
 * nonempty says word i is not 0, so the highest vector is found without a scan. */
struct vlapic_vectors {
	uint32_t word[8];
	uint8_t nonempty;
};

struct vlapic {
	struct vlapic_env env;
	struct vlapic_config config;
	uint64_t base;      /* IA32_APIC_BASE */
	uint32_t id;        /* the xAPIC ID register (bits 31:24) */
	uint32_t tpr, ldr, svr;
	uint32_t dfr_model; /* DFR bits 31:28 */
	struct vlapic_vectors irr, isr, tmr;
	uint32_t esr;         /* the readable ESR */
	uint32_t esr_pending; /* errors collected since ESR was last written */
	uint64_t icr;
	uint32_t lvt[VLAPIC_LVT_COUNT];
	uint32_t timer_initial, timer_divide_config;
	uint64_t timer_deadline; /* now_ns of the next expiry, DEVICE_NO_DEADLINE: disarmed */
	uint64_t tsc_deadline;   /* IA32_TSC_DEADLINE as written, 0 once fired */
	bool lint[2];            /* LINT0/LINT1 asserted */
	bool nmi_pending;
	bool output;             /* the level last given to set_irq */
};

/* Power-up / RESET state (§11.4.7.1): APIC_BASE 0xfee00000 | enabled | BSP if bsp, xAPIC
 * mode; ID apic_id << 24; IRR, ISR, TMR, ICR, LDR, TPR, timer counts, divide configuration
 * and ESR 0; LVTs masked; SVR 0xff (software-disabled); DFR all ones; LINT pins deasserted,
 * no NMI. Calls no callback. env is copied. */
void vlapic_init(struct vlapic *l, const struct vlapic_config *config, const struct vlapic_env *env);
/* INIT (§11.4.7.3): every register back to its power-up value but APIC_BASE (mode and
 * address) and the ID; in x2APIC mode LDR is derived anew. Disarms the timer. */
void vlapic_init_signal(struct vlapic *l);

/* The xAPIC page (io_ops shape; dev is the struct vlapic): offset in the page, size 1, 2,
 * 4 or 8. See the header comment for sizes, reserved slots and other modes. */
uint64_t vlapic_mmio_read(void *dev, uint64_t offset, unsigned size);
void vlapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t value);
/* Where the xAPIC page is (guest-physical), VLAPIC_NO_MMIO when hardware-disabled or in
 * x2APIC mode; it may change with each vlapic_set_base. */
uint64_t vlapic_mmio_base(const struct vlapic *l);

/* RDMSR / WRMSR of msr 0x800-0x8ff; false: #GP (see the header comment). */
bool vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *value);
bool vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t value);

/* IA32_APIC_BASE: RDMSR; WRMSR, false: #GP. */
uint64_t vlapic_base(const struct vlapic *l);
bool vlapic_set_base(struct vlapic *l, uint64_t value);
bool vlapic_hw_enabled(const struct vlapic *l); /* APIC_BASE bit 11 (and CPUID.1:EDX[9]) */
bool vlapic_x2apic_mode(const struct vlapic *l);

/* IA32_TSC_DEADLINE: RDMSR, WRMSR (never #GP). */
uint64_t vlapic_tsc_deadline(const struct vlapic *l);
void vlapic_set_tsc_deadline(struct vlapic *l, uint64_t tsc);

/* The timer's deadline has passed (Keel may be late): fires and rearms as due. */
void vlapic_timer(struct vlapic *l);

/* A fixed or lowest-priority interrupt for this APIC (IO-APIC, MSI, another CPU's IPI):
 * IRR bit set, TMR bit as level_triggered. False if refused: hardware- or software-
 * disabled, or vector 0-15 (ESR bit 6). */
bool vlapic_set_irq(struct vlapic *l, uint8_t vector, bool level_triggered);
/* An NMI message for this CPU (IO-APIC, MSI, another CPU's IPI); ignored when disabled. */
void vlapic_nmi(struct vlapic *l);
/* Does a message for dest in physical or logical destination mode reach this APIC? In the
 * current mode's format (xAPIC: 8 bits; x2APIC: 32); all ones is a broadcast. */
bool vlapic_match_dest(const struct vlapic *l, uint32_t dest, bool logical);

/* The vector the CPU is to take (highest IRR, class above PPR's), or -1. */
int vlapic_pending_vector(const struct vlapic *l);
/* The CPU took vector (injected by Keel): IRR bit -> ISR bit; PPR rises. */
void vlapic_accept(struct vlapic *l, uint8_t vector);
/* An NMI is pending for the CPU: returns true once and forgets it. */
bool vlapic_take_nmi(struct vlapic *l);
/* An NMI is pending for the CPU (it stays pending until vlapic_take_nmi). */
bool vlapic_nmi_pending(const struct vlapic *l);
/* The CPU is to take an external interrupt from the PIC (INTA: Keel asks the PIC for its
 * vector): LINT0 asserted and in ExtINT mode, or the APIC hardware-disabled and LINT0 (the
 * PIC's INTR) asserted. Not subject to TPR/PPR. */
bool vlapic_extint_pending(const struct vlapic *l);
/* LINT0 (pin 0: the PIC's INTR on a PC) or LINT1 (pin 1: NMI) is now asserted or not. */
void vlapic_lint(struct vlapic *l, unsigned pin, bool asserted);

/* TPR, and CR8 in 64-bit mode (§11.8.6.1): CR8[3:0] is TPR[7:4]; writing CR8 clears
 * TPR[3:0]. vlapic_set_cr8 returns false (#GP) if bits 63:4 are set. */
uint8_t vlapic_tpr(const struct vlapic *l);
void vlapic_set_tpr(struct vlapic *l, uint8_t tpr);
uint64_t vlapic_cr8(const struct vlapic *l);
bool vlapic_set_cr8(struct vlapic *l, uint64_t cr8);

#endif
