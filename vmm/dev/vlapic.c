/* The local APIC model (see vlapic.h). Register numbers, bits and reset values follow Intel
 * SDM vol.3 chapter 11: Table 11-1 (the xAPIC page), Table 11-6 (the x2APIC MSRs), figure
 * 11-8 (the LVT), and the sections cited below. */
#include "vmm/dev/vlapic_internal.h"
#include "vmm/dev/pc.h"

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

/* §11.12.10.2: the logical x2APIC ID, x2APIC ID[19:4] << 16 | 1 << x2APIC ID[3:0]. */
static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
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

static void write_lvt(struct vlapic *l, enum lvt entry, uint32_t value)
{
	if (entry == LVT_TIMER && timer_mode_reserved(l, value))
		return; /* mode 11: the write is ignored */
	if (entry == LVT_TIMER)
		vlapic_timer_catch_up(l);
	uint32_t old = l->lvt[entry];
	uint32_t lvt = value & lvt_writable(l, entry);
	if (!vlapic_sw_enabled(l))
		lvt |= LVT_MASKED; /* §11.4.7.2: cannot be unmasked while disabled */
	l->lvt[entry] = lvt | (old & LVT_REMOTE_IRR);
	if (entry == LVT_TIMER && (lvt & LVT_TIMER_MODE) != (old & LVT_TIMER_MODE)) {
		/* §11.5.4.1: a write that changes the mode disarms the timer. */
		vlapic_timer_disarm(l);
		l->tsc_deadline = 0;
	}
	if (entry == LVT_LINT0 || entry == LVT_LINT1)
		vlapic_lint_level_fixed(l, entry - LVT_LINT0);
}

/* Other registers ---------------------------------------------------------------------- */

static void write_svr(struct vlapic *l, uint32_t value)
{
	l->svr = value & SVR_WRITABLE;
	if (!vlapic_sw_enabled(l))
		for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
			l->lvt[i] |= LVT_MASKED;
}

/* §11.5.3: the write makes the errors collected since the last one readable. */
static void write_esr(struct vlapic *l)
{
	l->esr = l->esr_pending;
	l->esr_pending = 0;
}

/* §11.8.5: an EOI ends the highest in-service vector. False if none was in service: then it
 * changes nothing. */
static bool write_eoi(struct vlapic *l)
{
	int vector = vec_highest(&l->isr);
	if (vector < 0)
		return false;
	vlapic_end_interrupt(l, (uint8_t)vector);
	return true;
}

/* §11.12.11: SELF IPI, a register of x2APIC mode alone: a fixed, edge-triggered IPI to self. */
static void write_self_ipi(struct vlapic *l, uint32_t value)
{
	if (value < 16)
		vlapic_record_error(l, ESR_SEND_ILLEGAL);
	else
		vlapic_accept_fixed(l, (uint8_t)value, false);
}

/* Register reads and writes, once the mode's interface has let them through ---------- */

static uint32_t read_reg(const struct vlapic *l, unsigned reg)
{
	if (reg >= REG_ISR && reg < REG_ISR + 8)
		return l->isr.word[reg - REG_ISR];
	if (reg >= REG_TMR && reg < REG_TMR + 8)
		return l->tmr.word[reg - REG_TMR];
	if (reg >= REG_IRR && reg < REG_IRR + 8)
		return l->irr.word[reg - REG_IRR];
	if (reg >= REG_LVT_TIMER && reg < REG_LVT_TIMER + VLAPIC_LVT_COUNT)
		return l->lvt[reg - REG_LVT_TIMER];
	switch (reg) {
	case REG_ID:
		return vlapic_in_x2apic(l) ? l->config.apic_id : l->id;
	case REG_VERSION:
		return VERSION_VALUE;
	case REG_TPR:
		return l->tpr;
	case REG_PPR:
		return vlapic_ppr(l);
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
		return vlapic_timer_current(l);
	case REG_TIMER_DIVIDE:
		return l->timer_divide_config;
	default: /* APR, RRD, EOI */
		return 0;
	}
}

/* A write of a 32-bit register: bits it does not keep are dropped. ICR in x2APIC mode, one
 * 64-bit register, is written by x2apic_write_reg. False if the write changed nothing (an
 * EOI with no vector in service): then the output stays as it is. Inlined into its two
 * callers (always_inline), so that a write costs no call of its own. */
static inline __attribute__((always_inline)) bool write_reg(struct vlapic *l, unsigned reg, uint32_t value)
{
	if (reg >= REG_LVT_TIMER && reg < REG_LVT_TIMER + VLAPIC_LVT_COUNT) {
		write_lvt(l, reg - REG_LVT_TIMER, value);
		return true;
	}
	switch (reg) {
	case REG_ID:
		l->id = value & 0xff000000u;
		break;
	case REG_TPR:
		l->tpr = value & 0xff;
		break;
	case REG_EOI:
		return write_eoi(l);
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
		vlapic_send_ipi(l);
		break;
	case REG_ICR_HIGH:
		l->icr = (l->icr & 0xffffffffull) | ((uint64_t)(value & ICR_HIGH_XAPIC) << 32);
		break;
	case REG_TIMER_INITIAL:
		vlapic_write_timer_initial(l, value);
		break;
	case REG_TIMER_DIVIDE:
		vlapic_write_timer_divide(l, value);
		break;
	case REG_SELF_IPI:
		write_self_ipi(l, value);
		break;
	default:
		break;
	}
	return true;
}

/* In x2APIC mode the bits a WRMSR may set, by register: the others are reserved
 * (§11.12.1.3), bits 63:32 of every register but ICR with them. EOI and ESR have none:
 * WRMSR of non-zero #GPs (Table 11-6). An LVT's are its entry's (x2apic_settable). */
static const uint64_t x2apic_settable_bits[REG_COUNT] = {
	[REG_TPR] = 0xff,
	[REG_SVR] = SVR_WRITABLE,
	[REG_ICR] = ~X2APIC_ICR_RESERVED,
	[REG_TIMER_INITIAL] = 0xffffffffu,
	[REG_TIMER_DIVIDE] = DIVIDE_WRITABLE,
	[REG_SELF_IPI] = 0xff,
};

static uint64_t x2apic_settable(const struct vlapic *l, unsigned reg)
{
	if (reg >= REG_LVT_TIMER && reg < REG_LVT_TIMER + VLAPIC_LVT_COUNT)
		return lvt_defined(l, reg - REG_LVT_TIMER);
	return x2apic_settable_bits[reg];
}

/* Reset ------------------------------------------------------------------------------- */

/* §11.4.7.1's register values, for all but APIC_BASE and the ID. */
static void reset_registers(struct vlapic *l)
{
	vlapic_timer_disarm(l);
	l->tpr = 0;
	l->ldr = vlapic_in_x2apic(l) ? x2apic_ldr(l->config.apic_id) : 0;
	l->dfr_model = DFR_FLAT;
	l->svr = SVR_VECTOR;
	l->irr = l->isr = l->tmr = (struct vlapic_vectors){ 0 };
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
	vlapic_update_output(l);
}

/* xAPIC: the page ------------------------------------------------------------------- */

uint64_t vlapic_mmio_read(void *dev, uint64_t offset, unsigned size)
{
	struct vlapic *l = dev;
	if (!vlapic_in_xapic(l))
		return UINT64_MAX;
	/* The common read, a whole register: reading one changes nothing (only a reserved
	 * slot's read records an error), so the output stays as it is. */
	if (size == 4 && !(offset & 0xf) && offset < REG_COUNT * 16 && (xapic_registers & R(offset >> 4)))
		return read_reg(l, (unsigned)(offset >> 4));
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
			vlapic_record_error(l, ESR_ILLEGAL_REGISTER);
		for (uint64_t at = slot; at < slot + 4; at++)
			if (at >= offset && at < end)
				value |= (uint64_t)((reg_value >> (8 * (at - slot))) & 0xff) << (8 * (at - offset));
	}
	vlapic_update_output(l);
	return value;
}

void vlapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct vlapic *l = dev;
	if (!vlapic_in_xapic(l) || size != 4 || (offset & 0xf) || offset >= VLAPIC_PAGE_SIZE)
		return;
	unsigned reg = (unsigned)(offset >> 4);
	if (reg < REG_COUNT && (xapic_writable & R(reg))) {
		if (!write_reg(l, reg, (uint32_t)value))
			return; /* it changed nothing */
	} else if (reg >= REG_COUNT || !(xapic_registers & R(reg))) {
		vlapic_record_error(l, ESR_ILLEGAL_REGISTER);
	}
	vlapic_update_output(l);
}

uint64_t vlapic_mmio_base(const struct vlapic *l)
{
	if (!vlapic_in_xapic(l))
		return VLAPIC_NO_MMIO;
	return l->base & ~0xfffull;
}

/* x2APIC: the MSRs ------------------------------------------------------------------- */

bool vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *value)
{
	if (!vlapic_in_x2apic(l) || msr < VLAPIC_MSR_X2APIC_FIRST || msr >= VLAPIC_MSR_X2APIC_FIRST + REG_COUNT)
		return false;
	unsigned reg = msr - VLAPIC_MSR_X2APIC_FIRST;
	if (!(x2apic_readable & R(reg)))
		return false;
	*value = reg == REG_ICR ? l->icr : read_reg(l, reg);
	return true;
}

/* Whether WRMSR may write value to reg (false: #GP): a register that can be written, with
 * no reserved bit set (§11.12.1.3) and, in the LVT timer, no reserved mode. */
static bool x2apic_write_allowed(const struct vlapic *l, unsigned reg, uint64_t value)
{
	if (!(x2apic_writable & R(reg)) || (value & ~x2apic_settable(l, reg)))
		return false;
	return !(reg == REG_LVT_TIMER && timer_mode_reserved(l, (uint32_t)value));
}

/* An allowed write; false if it changed nothing, as write_reg. ICR is one 64-bit register
 * here (§11.12.9). */
static bool x2apic_write_reg(struct vlapic *l, unsigned reg, uint64_t value)
{
	if (reg != REG_ICR)
		return write_reg(l, reg, (uint32_t)value);
	l->icr = value & ~(uint64_t)ICR_STATUS;
	vlapic_send_ipi(l);
	return true;
}

bool vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t value)
{
	if (!vlapic_in_x2apic(l) || msr < VLAPIC_MSR_X2APIC_FIRST || msr >= VLAPIC_MSR_X2APIC_FIRST + REG_COUNT)
		return false;
	unsigned reg = msr - VLAPIC_MSR_X2APIC_FIRST;
	if (!x2apic_write_allowed(l, reg, value))
		return false;
	if (x2apic_write_reg(l, reg, value))
		vlapic_update_output(l);
	return true;
}

/* IA32_APIC_BASE ------------------------------------------------------------------- */

uint64_t vlapic_base(const struct vlapic *l)
{
	return l->base;
}

bool vlapic_hw_enabled(const struct vlapic *l)
{
	return vlapic_hw_on(l);
}

bool vlapic_x2apic_mode(const struct vlapic *l)
{
	return vlapic_in_x2apic(l);
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

	bool was_x2apic = vlapic_in_x2apic(l), was_enabled = vlapic_hw_on(l);
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
	} else if (!was_x2apic && vlapic_in_x2apic(l)) {
		l->ldr = x2apic_ldr(l->config.apic_id); /* §11.12.10.2 */
	}
	vlapic_update_output(l);
	return true;
}

