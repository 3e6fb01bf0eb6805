/* The local APIC model (see vlapic.h). Register numbers, bits and reset values follow Intel
 * SDM vol.3 chapter 11: Table 11-1 (the xAPIC page), Table 11-6 (the x2APIC MSRs), figure
 * 11-8 (the LVT), and the sections cited below. */
#include "vmm/dev/vlapic.h"
#include "vmm/dev/pc.h"

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

#define R(reg) (1ull << (reg))
#define R_ISR_TMR_IRR (((1ull << 24) - 1) << REG_ISR)
#define R_LVTS (((1ull << VLAPIC_LVT_COUNT) - 1) << REG_LVT_TIMER)

/* Which registers there are: Table 11-1 for xAPIC, Table 11-6 for x2APIC. */
static const uint64_t xapic_registers = R(REG_ID) | R(REG_VERSION) | R(REG_TPR) | R(REG_APR) |
	R(REG_PPR) | R(REG_EOI) | R(REG_RRD) | R(REG_LDR) | R(REG_DFR) | R(REG_SVR) |
	R_ISR_TMR_IRR | R(REG_ESR) | R(REG_ICR) | R(REG_ICR_HIGH) | R_LVTS |
	R(REG_TIMER_INITIAL) | R(REG_TIMER_CURRENT) | R(REG_TIMER_DIVIDE);
static const uint64_t xapic_writable = R(REG_ID) | R(REG_TPR) | R(REG_EOI) | R(REG_LDR) |
	R(REG_DFR) | R(REG_SVR) | R(REG_ESR) | R(REG_ICR) | R(REG_ICR_HIGH) | R_LVTS |
	R(REG_TIMER_INITIAL) | R(REG_TIMER_DIVIDE);
static const uint64_t x2apic_readable = R(REG_ID) | R(REG_VERSION) | R(REG_TPR) | R(REG_PPR) |
	R(REG_LDR) | R(REG_SVR) | R_ISR_TMR_IRR | R(REG_ESR) | R(REG_ICR) | R_LVTS |
	R(REG_TIMER_INITIAL) | R(REG_TIMER_CURRENT) | R(REG_TIMER_DIVIDE);
static const uint64_t x2apic_writable = R(REG_TPR) | R(REG_EOI) | R(REG_SVR) | R(REG_ESR) |
	R(REG_ICR) | R_LVTS | R(REG_TIMER_INITIAL) | R(REG_TIMER_DIVIDE) | R(REG_SELF_IPI);

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

/* A timer tick is a nanosecond of Keel's clock, so a count of up to 2^32 - 1 ticks divided
 * by up to 128 spans less than 2^39 ns and the timer's arithmetic fits 64 bits (the core
 * has no 128-bit division). */
_Static_assert(VLAPIC_TIMER_HZ == 1000000000ull, "the timer counts Keel's nanoseconds");

static void record_error(struct vlapic *l, uint32_t error);

static uint64_t clock_ns(const struct vlapic *l)
{
	return l->env.dev.now_ns(l->env.dev.ctx);
}

static bool hw_enabled(const struct vlapic *l)
{
	return l->base & APIC_BASE_EN;
}

static bool x2apic(const struct vlapic *l)
{
	return (l->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

static bool xapic(const struct vlapic *l)
{
	return (l->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN;
}

static bool sw_enabled(const struct vlapic *l)
{
	return l->svr & SVR_ENABLE;
}

/* 256-bit vector sets: IRR, ISR, TMR. */
static bool vec_test(const uint32_t *set, uint8_t v)
{
	return (set[v / 32] >> (v % 32)) & 1;
}

static void vec_set(uint32_t *set, uint8_t v)
{
	set[v / 32] |= 1u << (v % 32);
}

static void vec_clear(uint32_t *set, uint8_t v)
{
	set[v / 32] &= ~(1u << (v % 32));
}

static int vec_highest(const uint32_t *set)
{
	for (int i = 7; i >= 0; i--)
		if (set[i])
			return i * 32 + 31 - __builtin_clz(set[i]);
	return -1;
}

/* §11.12.10.2: the logical x2APIC ID, x2APIC ID[19:4] << 16 | 1 << x2APIC ID[3:0]. */
static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* §11.8.3.1: PPR is TPR if TPR's class is at least that of the highest in-service vector,
 * else that class with sub-class 0. */
static uint8_t ppr(const struct vlapic *l)
{
	int isrv = vec_highest(l->isr);
	uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);
	if ((l->tpr & 0xf0) >= isr_class)
		return (uint8_t)l->tpr;
	return isr_class;
}

static bool wants_cpu(const struct vlapic *l)
{
	return l->nmi_pending || vlapic_extint_pending(l) || vlapic_pending_vector(l) >= 0;
}

/* Tells Keel when the output to the CPU changes level: each public function that may
 * change what is pending ends here. */
static void update_output(struct vlapic *l)
{
	bool level = wants_cpu(l);
	if (level == l->output)
		return;
	l->output = level;
	if (l->env.dev.set_irq)
		l->env.dev.set_irq(l->env.dev.ctx, 0, level);
}

/* A fixed interrupt reaching this APIC (§11.8.4). A software-disabled APIC takes none
 * (§11.4.7.2); vectors 0-15 are illegal and never reach IRR (§11.5.3, bit 6). */
static bool accept_fixed(struct vlapic *l, uint8_t vector, bool level)
{
	if (!hw_enabled(l) || !sw_enabled(l))
		return false;
	if (vector < 16) {
		record_error(l, ESR_RECEIVE_ILLEGAL);
		return false;
	}
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	return true;
}

/* The timer's and the error's LVT entries: always fixed, edge-triggered (§11.5.1). */
static void raise_local(struct vlapic *l, enum lvt entry)
{
	uint32_t lvt = l->lvt[entry];
	if (!(lvt & LVT_MASKED))
		accept_fixed(l, lvt & LVT_VECTOR, false);
}

/* §11.5.3: an error interrupts when its bit is newly collected; the next ESR write
 * clears what was collected and so rearms it. Bounded: an illegal error vector can only
 * add bit 6 once. */
static void record_error(struct vlapic *l, uint32_t error)
{
	if ((l->esr_pending & error) == error)
		return;
	l->esr_pending |= error;
	raise_local(l, LVT_ERROR);
}

/* The timer ------------------------------------------------------------------------- */

static uint32_t timer_mode(const struct vlapic *l)
{
	return l->lvt[LVT_TIMER] & LVT_TIMER_MODE;
}

/* Figure 11-10: bits 3, 1, 0 = 000 divide by 2, 001 by 4, ..., 110 by 128, 111 by 1. */
static unsigned timer_divider(const struct vlapic *l)
{
	unsigned code = (l->timer_divide_config & 3) | ((l->timer_divide_config & 8) >> 1);
	return 1u << ((code + 1) & 7);
}

/* Never 0: the timer runs only with a non-zero initial count. */
static uint64_t timer_period_ns(const struct vlapic *l)
{
	return (uint64_t)l->timer_initial * timer_divider(l);
}

static bool timer_armed(const struct vlapic *l)
{
	return l->timer_deadline != DEVICE_NO_DEADLINE;
}

static void timer_set_deadline(struct vlapic *l, uint64_t deadline)
{
	l->timer_deadline = deadline;
	l->env.dev.set_deadline(l->env.dev.ctx, deadline);
}

static void timer_disarm(struct vlapic *l)
{
	if (timer_armed(l))
		timer_set_deadline(l, DEVICE_NO_DEADLINE);
}

/* Expires the timer if its deadline has passed: one-shot and TSC-deadline disarm (the
 * deadline MSR reads 0 again, §11.5.4.1); periodic reloads from the deadline it had, past
 * every period already over, and raises one interrupt for them all. */
static void timer_catch_up(struct vlapic *l)
{
	if (!timer_armed(l))
		return;
	uint64_t t = clock_ns(l);
	if (t < l->timer_deadline)
		return;
	if (timer_mode(l) == TIMER_PERIODIC) {
		uint64_t period = timer_period_ns(l);
		uint64_t periods = (t - l->timer_deadline) / period + 1;
		timer_set_deadline(l, l->timer_deadline + periods * period);
	} else {
		l->tsc_deadline = 0;
		timer_set_deadline(l, DEVICE_NO_DEADLINE);
	}
	raise_local(l, LVT_TIMER);
}

/* The current count (§11.5.4): the ticks left to the next expiry, rounded up; it reads
 * the initial count right at a (re)load and 0 once a one-shot count is over. */
static uint32_t timer_current(const struct vlapic *l)
{
	if (!timer_armed(l) || timer_mode(l) == TIMER_TSC_DEADLINE)
		return 0;
	uint64_t t = clock_ns(l);
	uint64_t left;
	if (t < l->timer_deadline) {
		left = l->timer_deadline - t;
	} else if (timer_mode(l) == TIMER_PERIODIC) {
		uint64_t period = timer_period_ns(l);
		left = period - (t - l->timer_deadline) % period;
	} else {
		return 0;
	}
	unsigned divider = timer_divider(l);
	return (uint32_t)((left + divider - 1) / divider); /* left <= the period */
}

/* §11.5.4: writing the initial count starts counting from it; 0 stops the timer. In
 * TSC-deadline mode the write is ignored (§11.5.4.1). */
static void write_timer_initial(struct vlapic *l, uint32_t value)
{
	if (timer_mode(l) == TIMER_TSC_DEADLINE)
		return;
	timer_catch_up(l);
	l->timer_initial = value;
	if (value)
		timer_set_deadline(l, clock_ns(l) + timer_period_ns(l));
	else
		timer_disarm(l);
}

/* A new divider: the count left goes on at the new rate. */
static void write_timer_divide(struct vlapic *l, uint32_t value)
{
	timer_catch_up(l);
	unsigned old_divider = timer_divider(l);
	l->timer_divide_config = value & DIVIDE_WRITABLE;
	unsigned divider = timer_divider(l);
	if (!timer_armed(l) || timer_mode(l) == TIMER_TSC_DEADLINE || divider == old_divider)
		return;
	uint64_t t = clock_ns(l);
	uint64_t left = (l->timer_deadline - t) * divider / old_divider; /* < 2^46 */
	timer_set_deadline(l, t + (left ? left : 1));
}

/* LVT entries ------------------------------------------------------------------------ */

/* The bits an LVT entry keeps (figure 11-8). */
static uint32_t lvt_writable(const struct vlapic *l, enum lvt entry)
{
	switch (entry) {
	case LVT_TIMER:
		return LVT_VECTOR | LVT_MASKED | TIMER_PERIODIC |
			(l->config.tsc_deadline ? TIMER_TSC_DEADLINE : 0);
	case LVT_THERMAL:
	case LVT_PERF:
		return LVT_VECTOR | LVT_DELIVERY | LVT_MASKED;
	case LVT_LINT0:
		return LVT_VECTOR | LVT_DELIVERY | LVT_POLARITY | LVT_LEVEL | LVT_MASKED;
	case LVT_LINT1: /* level-sensitive interrupts are not supported for LINT1 (§11.5.1) */
		return LVT_VECTOR | LVT_DELIVERY | LVT_POLARITY | LVT_MASKED;
	case LVT_ERROR:
		return LVT_VECTOR | LVT_MASKED;
	}
	return 0;
}

/* The bits an entry has at all, read-only ones included: the rest are reserved. */
static uint32_t lvt_defined(const struct vlapic *l, enum lvt entry)
{
	uint32_t bits = lvt_writable(l, entry) | LVT_STATUS;
	if (entry == LVT_LINT0 || entry == LVT_LINT1)
		bits |= LVT_REMOTE_IRR | LVT_LEVEL;
	return bits;
}

static bool timer_mode_reserved(const struct vlapic *l, uint32_t value)
{
	return (value & lvt_writable(l, LVT_TIMER) & LVT_TIMER_MODE) == TIMER_RESERVED;
}

static unsigned delivery_mode(uint32_t lvt_or_icr)
{
	return (lvt_or_icr & LVT_DELIVERY) >> 8;
}

/* LINT0/LINT1 in fixed, level-triggered mode: while the pin is asserted the vector is
 * raised, once until the EOI that clears remote IRR (§11.5.1, "Remote IRR Flag"). */
static void lint_level_fixed(struct vlapic *l, unsigned pin)
{
	uint32_t *lvt = &l->lvt[LVT_LINT0 + pin];
	if (!l->lint[pin] || (*lvt & (LVT_MASKED | LVT_REMOTE_IRR)) || !(*lvt & LVT_LEVEL) ||
	    delivery_mode(*lvt) != DM_FIXED)
		return;
	if (accept_fixed(l, *lvt & LVT_VECTOR, true))
		*lvt |= LVT_REMOTE_IRR;
}

/* A rising edge on LINT0/LINT1 with the APIC enabled. ExtINT is a level, seen by
 * vlapic_extint_pending; SMI and INIT are not modelled. */
static void lint_edge(struct vlapic *l, unsigned pin)
{
	uint32_t lvt = l->lvt[LVT_LINT0 + pin];
	if (lvt & LVT_MASKED)
		return;
	if (delivery_mode(lvt) == DM_NMI)
		l->nmi_pending = true; /* the vector is ignored */
	else if (delivery_mode(lvt) == DM_FIXED && !(lvt & LVT_LEVEL))
		accept_fixed(l, lvt & LVT_VECTOR, false);
}

static void write_lvt(struct vlapic *l, enum lvt entry, uint32_t value)
{
	if (entry == LVT_TIMER && timer_mode_reserved(l, value))
		return; /* mode 11: the write is ignored */
	if (entry == LVT_TIMER)
		timer_catch_up(l);
	uint32_t old = l->lvt[entry];
	uint32_t lvt = value & lvt_writable(l, entry);
	if (!sw_enabled(l))
		lvt |= LVT_MASKED; /* §11.4.7.2: cannot be unmasked while disabled */
	l->lvt[entry] = lvt | (old & LVT_REMOTE_IRR);
	if (entry == LVT_TIMER && (lvt & LVT_TIMER_MODE) != (old & LVT_TIMER_MODE)) {
		/* §11.5.4.1: a write that changes the mode disarms the timer. */
		timer_disarm(l);
		l->tsc_deadline = 0;
	}
	if (entry == LVT_LINT0 || entry == LVT_LINT1)
		lint_level_fixed(l, entry - LVT_LINT0);
}

/* Other registers ---------------------------------------------------------------------- */

static void write_svr(struct vlapic *l, uint32_t value)
{
	l->svr = value & SVR_WRITABLE;
	if (!sw_enabled(l))
		for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
			l->lvt[i] |= LVT_MASKED;
}

/* §11.8.5: the highest in-service vector is done; a level-triggered one is told to the
 * IO-APICs, and ends a LINT pin's remote IRR if it is that pin's vector. */
static void eoi(struct vlapic *l)
{
	int v = vec_highest(l->isr);
	if (v < 0)
		return;
	uint8_t vector = (uint8_t)v;
	vec_clear(l->isr, vector);
	if (!vec_test(l->tmr, vector))
		return;
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t *lvt = &l->lvt[LVT_LINT0 + pin];
		if ((*lvt & LVT_REMOTE_IRR) && (*lvt & LVT_VECTOR) == vector) {
			*lvt &= ~LVT_REMOTE_IRR;
			lint_level_fixed(l, pin);
		}
	}
	if (l->env.eoi)
		l->env.eoi(l->env.dev.ctx, vector);
}

/* §11.5.3: the write makes the errors collected since the last one readable. */
static void write_esr(struct vlapic *l)
{
	l->esr = l->esr_pending;
	l->esr_pending = 0;
}

static uint32_t own_dest(const struct vlapic *l)
{
	return x2apic(l) ? l->config.apic_id : l->id >> 24;
}

static uint32_t broadcast_dest(const struct vlapic *l)
{
	return x2apic(l) ? UINT32_MAX : 0xff;
}

/* The CPU's own share of an IPI. */
static void ipi_to_self(struct vlapic *l, unsigned mode, uint8_t vector)
{
	if (mode == DM_FIXED || mode == DM_LOWEST)
		accept_fixed(l, vector, false); /* IPIs are edge-triggered (Table 11-3, note 2) */
	else if (mode == DM_NMI)
		l->nmi_pending = true;
	/* SMI, INIT, start-up to itself: not modelled. */
}

/* §11.6.1: sends the IPI ICR holds. */
static void send_ipi(struct vlapic *l)
{
	uint32_t low = (uint32_t)l->icr;
	uint32_t dest = x2apic(l) ? (uint32_t)(l->icr >> 32) : (uint32_t)(l->icr >> 56);
	unsigned mode = delivery_mode(low);
	uint8_t vector = low & ICR_VECTOR;
	bool to_self = false, to_others = false;

	if ((mode == DM_FIXED || mode == DM_LOWEST) && vector < 16) {
		record_error(l, ESR_SEND_ILLEGAL);
		return;
	}
	switch ((low & ICR_SHORTHAND) >> 18) {
	case SH_SELF:
		to_self = mode == DM_FIXED; /* other modes are invalid with it (Table 11-3) */
		break;
	case SH_ALL:
		to_self = to_others = mode == DM_FIXED;
		break;
	case SH_OTHERS:
		to_others = true;
		break;
	default:
		to_self = vlapic_match_dest(l, dest, low & ICR_LOGICAL);
		/* Only a physical destination that is this APIC's ID names it alone; a
		 * lowest-priority IPI this APIC takes goes nowhere else. */
		to_others = ((low & ICR_LOGICAL) || dest != own_dest(l)) &&
			!(to_self && mode == DM_LOWEST);
		break;
	}
	if (to_self)
		ipi_to_self(l, mode, vector);
	if (to_others && l->env.send_ipi)
		l->env.send_ipi(l->env.dev.ctx, dest, low);
}

/* Register reads and writes, once the mode's interface has let them through ---------- */

static uint32_t read_reg(const struct vlapic *l, unsigned reg)
{
	if (reg >= REG_ISR && reg < REG_ISR + 8)
		return l->isr[reg - REG_ISR];
	if (reg >= REG_TMR && reg < REG_TMR + 8)
		return l->tmr[reg - REG_TMR];
	if (reg >= REG_IRR && reg < REG_IRR + 8)
		return l->irr[reg - REG_IRR];
	if (reg >= REG_LVT_TIMER && reg < REG_LVT_TIMER + VLAPIC_LVT_COUNT)
		return l->lvt[reg - REG_LVT_TIMER];
	switch (reg) {
	case REG_ID:
		return x2apic(l) ? l->config.apic_id : l->id;
	case REG_VERSION:
		return VERSION_VALUE;
	case REG_TPR:
		return l->tpr;
	case REG_PPR:
		return ppr(l);
	case REG_LDR:
		return l->ldr;
	case REG_DFR:
		return (l->dfr_model << 28) | 0x0fffffffu;
	case REG_SVR:
		return l->svr;
	case REG_ESR:
		return l->esr;
	case REG_ICR:
		return (uint32_t)l->icr;
	case REG_ICR_HIGH:
		return (uint32_t)(l->icr >> 32);
	case REG_TIMER_INITIAL:
		return l->timer_initial;
	case REG_TIMER_CURRENT:
		return timer_current(l);
	case REG_TIMER_DIVIDE:
		return l->timer_divide_config;
	default: /* APR, RRD, EOI */
		return 0;
	}
}

/* A write, in xAPIC terms: bits a register does not keep are dropped. ICR in x2APIC mode
 * and SELF IPI are written by vlapic_msr_write. */
static void write_reg(struct vlapic *l, unsigned reg, uint32_t value)
{
	if (reg >= REG_LVT_TIMER && reg < REG_LVT_TIMER + VLAPIC_LVT_COUNT) {
		write_lvt(l, reg - REG_LVT_TIMER, value);
		return;
	}
	switch (reg) {
	case REG_ID:
		l->id = value & 0xff000000u;
		break;
	case REG_TPR:
		l->tpr = value & 0xff;
		break;
	case REG_EOI:
		eoi(l);
		break;
	case REG_LDR:
		l->ldr = value & 0xff000000u;
		break;
	case REG_DFR:
		l->dfr_model = value >> 28;
		break;
	case REG_SVR:
		write_svr(l, value);
		break;
	case REG_ESR:
		write_esr(l);
		break;
	case REG_ICR:
		l->icr = (l->icr & ~0xffffffffull) | (value & ICR_LOW_WRITABLE);
		send_ipi(l);
		break;
	case REG_ICR_HIGH:
		l->icr = (l->icr & 0xffffffffull) | ((uint64_t)(value & ICR_HIGH_XAPIC) << 32);
		break;
	case REG_TIMER_INITIAL:
		write_timer_initial(l, value);
		break;
	case REG_TIMER_DIVIDE:
		write_timer_divide(l, value);
		break;
	default:
		break;
	}
}

/* In x2APIC mode the bits of a 32-bit register that must be written as 0 (§11.12.1.3). */
static uint32_t x2apic_reserved(const struct vlapic *l, unsigned reg)
{
	if (reg >= REG_LVT_TIMER && reg < REG_LVT_TIMER + VLAPIC_LVT_COUNT)
		return ~lvt_defined(l, reg - REG_LVT_TIMER);
	switch (reg) {
	case REG_TPR:
	case REG_SELF_IPI:
		return ~0xffu;
	case REG_SVR:
		return ~SVR_WRITABLE;
	case REG_TIMER_DIVIDE:
		return ~DIVIDE_WRITABLE;
	case REG_TIMER_INITIAL:
		return 0;
	default: /* EOI, ESR: WRMSR of non-zero #GPs (Table 11-6) */
		return ~0u;
	}
}

/* Reset ------------------------------------------------------------------------------- */

/* §11.4.7.1's register values, for all but APIC_BASE and the ID. */
static void reset_registers(struct vlapic *l)
{
	timer_disarm(l);
	l->tpr = 0;
	l->ldr = x2apic(l) ? x2apic_ldr(l->config.apic_id) : 0;
	l->dfr_model = DFR_FLAT;
	l->svr = SVR_VECTOR;
	for (unsigned i = 0; i < 8; i++)
		l->irr[i] = l->isr[i] = l->tmr[i] = 0;
	l->esr = l->esr_pending = 0;
	l->icr = 0;
	for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
		l->lvt[i] = LVT_MASKED;
	l->timer_initial = 0;
	l->timer_divide_config = 0;
	l->tsc_deadline = 0;
}

void vlapic_init(struct vlapic *l, const struct vlapic_config *config, const struct vlapic_env *env)
{
	*l = (struct vlapic){
		.env = *env,
		.config = *config,
		.base = PC_LAPIC_BASE | APIC_BASE_EN | (config->bsp ? APIC_BASE_BSP : 0),
		.id = config->apic_id << 24,
		.timer_deadline = DEVICE_NO_DEADLINE,
	};
	reset_registers(l);
}

void vlapic_init_signal(struct vlapic *l)
{
	reset_registers(l);
	update_output(l);
}

/* xAPIC: the page ------------------------------------------------------------------- */

uint64_t vlapic_mmio_read(void *dev, uint64_t offset, unsigned size)
{
	struct vlapic *l = dev;
	if (!xapic(l))
		return UINT64_MAX;
	uint64_t value = 0;
	uint64_t end = offset + size;
	/* Each register slot the access overlaps in its bytes 0-3, read once. */
	for (uint64_t slot = offset & ~0xfull; slot < end && slot < VLAPIC_PAGE_SIZE; slot += 16) {
		if (slot + 4 <= offset)
			continue;
		unsigned reg = (unsigned)(slot >> 4);
		uint32_t reg_value = 0;
		if (reg < REG_COUNT && (xapic_registers & R(reg)))
			reg_value = read_reg(l, reg);
		else
			record_error(l, ESR_ILLEGAL_REGISTER);
		for (uint64_t at = slot; at < slot + 4; at++)
			if (at >= offset && at < end)
				value |= (uint64_t)((reg_value >> (8 * (at - slot))) & 0xff) << (8 * (at - offset));
	}
	update_output(l);
	return value;
}

void vlapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct vlapic *l = dev;
	if (!xapic(l) || size != 4 || (offset & 0xf) || offset >= VLAPIC_PAGE_SIZE)
		return;
	unsigned reg = (unsigned)(offset >> 4);
	if (reg < REG_COUNT && (xapic_writable & R(reg)))
		write_reg(l, reg, (uint32_t)value);
	else if (reg >= REG_COUNT || !(xapic_registers & R(reg)))
		record_error(l, ESR_ILLEGAL_REGISTER);
	update_output(l);
}

uint64_t vlapic_mmio_base(const struct vlapic *l)
{
	if (!xapic(l))
		return VLAPIC_NO_MMIO;
	return l->base & ~0xfffull;
}

/* x2APIC: the MSRs ------------------------------------------------------------------- */

bool vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *value)
{
	if (!x2apic(l) || msr < VLAPIC_MSR_X2APIC_FIRST || msr >= VLAPIC_MSR_X2APIC_FIRST + REG_COUNT)
		return false;
	unsigned reg = msr - VLAPIC_MSR_X2APIC_FIRST;
	if (!(x2apic_readable & R(reg)))
		return false;
	*value = reg == REG_ICR ? l->icr : read_reg(l, reg);
	return true;
}

bool vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t value)
{
	if (!x2apic(l) || msr < VLAPIC_MSR_X2APIC_FIRST || msr >= VLAPIC_MSR_X2APIC_FIRST + REG_COUNT)
		return false;
	unsigned reg = msr - VLAPIC_MSR_X2APIC_FIRST;
	if (!(x2apic_writable & R(reg)))
		return false;
	if (reg == REG_ICR) {
		if (value & X2APIC_ICR_RESERVED)
			return false;
		l->icr = value & ~(uint64_t)ICR_STATUS;
		send_ipi(l);
	} else {
		if ((value >> 32) || (value & x2apic_reserved(l, reg)))
			return false;
		if (reg == REG_LVT_TIMER && timer_mode_reserved(l, (uint32_t)value))
			return false;
		if (reg == REG_SELF_IPI) {
			/* §11.12.11: a fixed, edge-triggered IPI to self. */
			if (value < 16)
				record_error(l, ESR_SEND_ILLEGAL);
			else
				accept_fixed(l, (uint8_t)value, false);
		} else {
			write_reg(l, reg, (uint32_t)value);
		}
	}
	update_output(l);
	return true;
}

/* IA32_APIC_BASE ------------------------------------------------------------------- */

uint64_t vlapic_base(const struct vlapic *l)
{
	return l->base;
}

bool vlapic_hw_enabled(const struct vlapic *l)
{
	return hw_enabled(l);
}

bool vlapic_x2apic_mode(const struct vlapic *l)
{
	return x2apic(l);
}

bool vlapic_set_base(struct vlapic *l, uint64_t value)
{
	uint64_t reserved = APIC_BASE_RESERVED_LOW;
	if (l->config.maxphyaddr < 64)
		reserved |= ~0ull << l->config.maxphyaddr;
	if (!l->config.x2apic)
		reserved |= APIC_BASE_EXTD;
	if (value & reserved)
		return false;

	bool was_x2apic = x2apic(l), was_enabled = hw_enabled(l);
	bool en = value & APIC_BASE_EN, extd = value & APIC_BASE_EXTD;
	/* §11.12.5: (EN, EXTD) = (0, 1) is invalid; x2APIC mode is left only for disabled,
	 * and entered only from xAPIC mode. */
	if (!en && extd)
		return false;
	if (was_x2apic && en && !extd)
		return false;
	if (!was_enabled && en && extd)
		return false;

	l->base = (value & ~APIC_BASE_BSP) | (l->base & APIC_BASE_BSP);
	if (was_enabled && !en) {
		reset_registers(l); /* §11.4.3: back to the power-up state, IDs kept */
	} else if (!was_x2apic && x2apic(l)) {
		l->ldr = x2apic_ldr(l->config.apic_id); /* §11.12.10.2 */
	}
	update_output(l);
	return true;
}

/* The timer ---------------------------------------------------------------------------- */

uint64_t vlapic_tsc_deadline(const struct vlapic *l)
{
	return timer_mode(l) == TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
}

void vlapic_set_tsc_deadline(struct vlapic *l, uint64_t tsc)
{
	if (!hw_enabled(l) || timer_mode(l) != TIMER_TSC_DEADLINE)
		return;
	l->tsc_deadline = tsc;
	if (tsc == 0) {
		timer_disarm(l);
	} else {
		timer_set_deadline(l, l->env.tsc_to_ns(l->env.dev.ctx, tsc));
		timer_catch_up(l); /* a deadline already past fires now */
	}
	update_output(l);
}

void vlapic_timer(struct vlapic *l)
{
	timer_catch_up(l);
	update_output(l);
}

/* Interrupts ----------------------------------------------------------------------------- */

bool vlapic_set_irq(struct vlapic *l, uint8_t vector, bool level_triggered)
{
	bool accepted = accept_fixed(l, vector, level_triggered);
	update_output(l);
	return accepted;
}

void vlapic_nmi(struct vlapic *l)
{
	if (!hw_enabled(l))
		return;
	l->nmi_pending = true;
	update_output(l);
}

bool vlapic_match_dest(const struct vlapic *l, uint32_t dest, bool logical)
{
	if (!hw_enabled(l))
		return false;
	if (dest == broadcast_dest(l))
		return true;
	if (!logical)
		return dest == own_dest(l);
	if (x2apic(l)) /* §11.12.10.1: cluster in bits 31:16, a bit per APIC in 15:0 */
		return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff);
	uint32_t logical_id = l->ldr >> 24;
	if (l->dfr_model == DFR_FLAT) /* §11.6.2.2: a bit per APIC */
		return dest & logical_id;
	/* The cluster model: cluster in bits 7:4, a bit per APIC in 3:0. */
	return (dest >> 4) == (logical_id >> 4) && (dest & logical_id & 0xf);
}

int vlapic_pending_vector(const struct vlapic *l)
{
	int v = vec_highest(l->irr);
	if (v < 0 || (v & 0xf0) <= (ppr(l) & 0xf0))
		return -1;
	return v;
}

unsigned vlapic_tpr_held_class(const struct vlapic *l)
{
	int v = vec_highest(l->irr);
	int isrv = vec_highest(l->isr);
	unsigned class = v < 0 ? 0 : (unsigned)v >> 4;
	if (!class || (isrv >= 0 && class <= (unsigned)isrv >> 4) || class > (l->tpr >> 4))
		return 0;
	return class;
}

void vlapic_accept(struct vlapic *l, uint8_t vector)
{
	if (!vec_test(l->irr, vector))
		return;
	vec_clear(l->irr, vector);
	vec_set(l->isr, vector);
	update_output(l);
}

bool vlapic_take_nmi(struct vlapic *l)
{
	bool pending = l->nmi_pending;
	l->nmi_pending = false;
	update_output(l);
	return pending;
}

bool vlapic_extint_pending(const struct vlapic *l)
{
	if (!l->lint[0])
		return false;
	if (!hw_enabled(l))
		return true;
	uint32_t lvt = l->lvt[LVT_LINT0];
	return !(lvt & LVT_MASKED) && delivery_mode(lvt) == DM_EXTINT;
}

void vlapic_lint(struct vlapic *l, unsigned pin, bool asserted)
{
	if (pin > 1)
		return;
	bool rising = asserted && !l->lint[pin];
	l->lint[pin] = asserted;
	if (!hw_enabled(l)) {
		if (pin == 1 && rising)
			l->nmi_pending = true; /* the CPU's NMI pin */
	} else {
		if (rising)
			lint_edge(l, pin);
		lint_level_fixed(l, pin);
	}
	update_output(l);
}

uint8_t vlapic_tpr(const struct vlapic *l)
{
	return (uint8_t)l->tpr;
}

void vlapic_set_tpr(struct vlapic *l, uint8_t tpr)
{
	l->tpr = tpr;
	update_output(l);
}

uint64_t vlapic_cr8(const struct vlapic *l)
{
	return l->tpr >> 4;
}

bool vlapic_set_cr8(struct vlapic *l, uint64_t cr8)
{
	if (cr8 > 0xf)
		return false;
	vlapic_set_tpr(l, (uint8_t)(cr8 << 4));
	return true;
}
