/* What the local APIC model's three files share (vlapic.h describes the model): register
 * numbers, bits and the small helpers. vlapic.c holds the registers and the two ways in (the
 * xAPIC page, the x2APIC MSRs) and IA32_APIC_BASE; vlapic_irq.c priorities, acceptance,
 * EOI, IPIs and the LINT pins; vlapic_timer.c the timer. Sections cited are those of Intel
 * SDM vol.3 chapter 11. */
#ifndef KEEL_VMM_DEV_VLAPIC_INTERNAL_H
#define KEEL_VMM_DEV_VLAPIC_INTERNAL_H

#include "vmm/dev/vlapic.h"

/* Registers by number: the MMIO offset >> 4, the MSR number - 0x800. */
enum {
	REG_ID = 0x02,
	REG_VERSION = 0x03,
	REG_TPR = 0x08,
	REG_APR = 0x09,
	REG_PPR = 0x0a,
	REG_EOI = 0x0b,
	REG_RRD = 0x0c,
	REG_LDR = 0x0d,
	REG_DFR = 0x0e,
	REG_SVR = 0x0f,
	REG_ISR = 0x10,  /* 8 registers */
	REG_TMR = 0x18,  /* 8 registers */
	REG_IRR = 0x20,  /* 8 registers */
	REG_ESR = 0x28,
	REG_ICR = 0x30,
	REG_ICR_HIGH = 0x31,
	REG_LVT_TIMER = 0x32, /* VLAPIC_LVT_COUNT registers, in the order of enum lvt */
	REG_TIMER_INITIAL = 0x38,
	REG_TIMER_CURRENT = 0x39,
	REG_TIMER_DIVIDE = 0x3e,
	REG_SELF_IPI = 0x3f,
	REG_COUNT = 0x40, /* slots 0x400-0xff0 of the page are reserved */
};

enum lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

#define APIC_BASE_BSP  (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN   (1ull << 11)
#define APIC_BASE_RESERVED_LOW 0x2ffull /* bits 0-7 and 9 */

/* §11.4.8: version 0x14, max LVT entry in bits 23:16. */
#define VERSION_VALUE (0x14u | ((VLAPIC_LVT_COUNT - 1u) << 16))

#define SVR_VECTOR 0xffu
#define SVR_ENABLE 0x100u
#define SVR_FOCUS_OFF 0x200u
#define SVR_WRITABLE (SVR_VECTOR | SVR_ENABLE | SVR_FOCUS_OFF)

#define DFR_FLAT 0xfu /* DFR bits 31:28 */

#define LVT_VECTOR     0xffu
#define LVT_DELIVERY   0x700u
#define LVT_STATUS     0x1000u /* delivery status, read-only */
#define LVT_POLARITY   0x2000u
#define LVT_REMOTE_IRR 0x4000u /* read-only */
#define LVT_LEVEL      0x8000u
#define LVT_MASKED     0x10000u
#define LVT_TIMER_MODE 0x60000u
#define TIMER_ONE_SHOT     0x00000u
#define TIMER_PERIODIC     0x20000u
#define TIMER_TSC_DEADLINE 0x40000u
#define TIMER_RESERVED     0x60000u

/* Delivery modes (LVT and ICR bits 10:8). */
enum { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4, DM_INIT = 5, DM_STARTUP = 6, DM_EXTINT = 7 };

#define ICR_VECTOR    0xffu
#define ICR_LOGICAL   0x800u
#define ICR_STATUS    0x1000u
#define ICR_SHORTHAND 0xc0000u
#define ICR_LOW_WRITABLE 0x000ccfffu /* vector, mode, dest. mode, level, trigger, shorthand */
#define ICR_HIGH_XAPIC 0xff000000u   /* the destination, bits 63:56 */
#define X2APIC_ICR_RESERVED 0xfff32000ull /* bits 13, 17:16, 31:20 (§11.12.9) */
enum { SH_NONE = 0, SH_SELF = 1, SH_ALL = 2, SH_OTHERS = 3 };

/* ESR bits (§11.5.3). */
#define ESR_SEND_ILLEGAL     0x20u
#define ESR_RECEIVE_ILLEGAL  0x40u
#define ESR_ILLEGAL_REGISTER 0x80u

#define DIVIDE_WRITABLE 0xbu /* bits 0, 1, 3 (figure 11-10) */

static inline uint64_t vlapic_clock_ns(const struct vlapic *l)
{
	return l->env.dev.now_ns(l->env.dev.ctx);
}

static inline bool vlapic_hw_on(const struct vlapic *l)
{
	return l->base & APIC_BASE_EN;
}

static inline bool vlapic_in_x2apic(const struct vlapic *l)
{
	return (l->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

static inline bool vlapic_in_xapic(const struct vlapic *l)
{
	return (l->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN;
}

static inline bool vlapic_sw_enabled(const struct vlapic *l)
{
	return l->svr & SVR_ENABLE;
}

static inline unsigned vlapic_delivery_mode(uint32_t lvt_or_icr)
{
	return (lvt_or_icr & LVT_DELIVERY) >> 8;
}

/* The vector sets: IRR, ISR, TMR. */
static inline bool vec_test(const struct vlapic_vectors *set, uint8_t v)
{
	return (set->word[v / 32] >> (v % 32)) & 1;
}

static inline void vec_set(struct vlapic_vectors *set, uint8_t v)
{
	set->word[v / 32] |= 1u << (v % 32);
	set->nonempty |= (uint8_t)(1u << (v / 32));
}

static inline void vec_clear(struct vlapic_vectors *set, uint8_t v)
{
	set->word[v / 32] &= ~(1u << (v % 32));
	if (!set->word[v / 32])
		set->nonempty &= (uint8_t)~(1u << (v / 32));
}

static inline int vec_highest(const struct vlapic_vectors *set)
{
	if (!set->nonempty)
		return -1;
	int i = 31 - __builtin_clz(set->nonempty);
	return i * 32 + 31 - __builtin_clz(set->word[i]);
}

/* vlapic_irq.c */
uint8_t vlapic_ppr(const struct vlapic *l);
void vlapic_update_output(struct vlapic *l);
bool vlapic_accept_fixed(struct vlapic *l, uint8_t vector, bool level);
void vlapic_raise_local(struct vlapic *l, enum lvt entry);
void vlapic_record_error(struct vlapic *l, uint32_t error);
void vlapic_lint_level_fixed(struct vlapic *l, unsigned pin);
void vlapic_end_interrupt(struct vlapic *l, uint8_t vector);
void vlapic_send_ipi(struct vlapic *l);

/* vlapic_timer.c */
uint32_t vlapic_timer_mode(const struct vlapic *l);
void vlapic_timer_catch_up(struct vlapic *l);
void vlapic_timer_disarm(struct vlapic *l);
uint32_t vlapic_timer_current(const struct vlapic *l);
void vlapic_write_timer_initial(struct vlapic *l, uint32_t value);
void vlapic_write_timer_divide(struct vlapic *l, uint32_t value);

#endif
