/* The local APIC's interrupts (see vlapic.h): priorities (§11.8.3), acceptance (§11.8.4),
 * EOI (§11.8.5), errors (§11.5.3), IPIs (§11.6) and the LINT pins (§11.5.1). */
#include "vmm/dev/vlapic_internal.h"

/* §11.8.3.1: PPR is TPR if TPR's class is at least that of the highest in-service vector,
 * else that class with sub-class 0. */
uint8_t vlapic_ppr(const struct vlapic *l)
{
	int isrv = vec_highest(&l->isr);
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
void vlapic_update_output(struct vlapic *l)
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
bool vlapic_accept_fixed(struct vlapic *l, uint8_t vector, bool level)
{
	if (!vlapic_hw_on(l) || !vlapic_sw_enabled(l))
		return false;
	if (vector < 16) {
		vlapic_record_error(l, ESR_RECEIVE_ILLEGAL);
		return false;
	}
	vec_set(&l->irr, vector);
	if (level)
		vec_set(&l->tmr, vector);
	else
		vec_clear(&l->tmr, vector);
	return true;
}

/* The timer's and the error's LVT entries: always fixed, edge-triggered (§11.5.1). */
void vlapic_raise_local(struct vlapic *l, enum lvt entry)
{
	uint32_t lvt = l->lvt[entry];
	if (!(lvt & LVT_MASKED))
		vlapic_accept_fixed(l, lvt & LVT_VECTOR, false);
}

/* §11.5.3: an error interrupts when its bit is newly collected; the next ESR write
 * clears what was collected and so rearms it. Bounded: an illegal error vector can only
 * add bit 6 once. */
void vlapic_record_error(struct vlapic *l, uint32_t error)
{
	if ((l->esr_pending & error) == error)
		return;
	l->esr_pending |= error;
	vlapic_raise_local(l, LVT_ERROR);
}

/* LINT0/LINT1 in fixed, level-triggered mode: while the pin is asserted the vector is
 * raised, once until the EOI that clears remote IRR (§11.5.1, "Remote IRR Flag"). */
void vlapic_lint_level_fixed(struct vlapic *l, unsigned pin)
{
	uint32_t *lvt = &l->lvt[LVT_LINT0 + pin];
	if (!l->lint[pin] || (*lvt & (LVT_MASKED | LVT_REMOTE_IRR)) || !(*lvt & LVT_LEVEL) ||
	    vlapic_delivery_mode(*lvt) != DM_FIXED)
		return;
	if (vlapic_accept_fixed(l, *lvt & LVT_VECTOR, true))
		*lvt |= LVT_REMOTE_IRR;
}

/* A rising edge on LINT0/LINT1 with the APIC enabled. ExtINT is a level, seen by
 * vlapic_extint_pending; SMI and INIT are not modelled. */
static void lint_edge(struct vlapic *l, unsigned pin)
{
	uint32_t lvt = l->lvt[LVT_LINT0 + pin];
	if (lvt & LVT_MASKED)
		return;
	if (vlapic_delivery_mode(lvt) == DM_NMI)
		l->nmi_pending = true; /* the vector is ignored */
	else if (vlapic_delivery_mode(lvt) == DM_FIXED && !(lvt & LVT_LEVEL))
		vlapic_accept_fixed(l, lvt & LVT_VECTOR, false);
}

/* §11.8.5: an EOI's in-service vector is done; a level-triggered one is told to the
 * IO-APICs, and ends a LINT pin's remote IRR if it is that pin's vector. */
void vlapic_end_interrupt(struct vlapic *l, uint8_t vector)
{
	vec_clear(&l->isr, vector);
	if (!vec_test(&l->tmr, vector))
		return;
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t *lvt = &l->lvt[LVT_LINT0 + pin];
		if ((*lvt & LVT_REMOTE_IRR) && (*lvt & LVT_VECTOR) == vector) {
			*lvt &= ~LVT_REMOTE_IRR;
			vlapic_lint_level_fixed(l, pin);
		}
	}
	if (l->env.eoi)
		l->env.eoi(l->env.dev.ctx, vector);
}

static uint32_t own_dest(const struct vlapic *l)
{
	return vlapic_in_x2apic(l) ? l->config.apic_id : l->id >> 24;
}

static uint32_t broadcast_dest(const struct vlapic *l)
{
	return vlapic_in_x2apic(l) ? UINT32_MAX : 0xff;
}

/* The CPU's own share of an IPI. */
static void ipi_to_self(struct vlapic *l, unsigned mode, uint8_t vector)
{
	if (mode == DM_FIXED || mode == DM_LOWEST)
		vlapic_accept_fixed(l, vector, false); /* IPIs are edge-triggered (Table 11-3, note 2) */
	else if (mode == DM_NMI)
		l->nmi_pending = true;
	/* SMI, INIT, start-up to itself: not modelled. */
}

/* §11.6.1: sends the IPI ICR holds. */
void vlapic_send_ipi(struct vlapic *l)
{
	uint32_t low = (uint32_t)l->icr;
	uint32_t dest = vlapic_in_x2apic(l) ? (uint32_t)(l->icr >> 32) : (uint32_t)(l->icr >> 56);
	unsigned mode = vlapic_delivery_mode(low);
	uint8_t vector = low & ICR_VECTOR;
	bool to_self = false, to_others = false;

	if ((mode == DM_FIXED || mode == DM_LOWEST) && vector < 16) {
		vlapic_record_error(l, ESR_SEND_ILLEGAL);
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

bool vlapic_set_irq(struct vlapic *l, uint8_t vector, bool level_triggered)
{
	bool accepted = vlapic_accept_fixed(l, vector, level_triggered);
	vlapic_update_output(l);
	return accepted;
}

void vlapic_nmi(struct vlapic *l)
{
	if (!vlapic_hw_on(l))
		return;
	l->nmi_pending = true;
	vlapic_update_output(l);
}

bool vlapic_match_dest(const struct vlapic *l, uint32_t dest, bool logical)
{
	if (!vlapic_hw_on(l))
		return false;
	if (dest == broadcast_dest(l))
		return true;
	if (!logical)
		return dest == own_dest(l);
	if (vlapic_in_x2apic(l)) /* §11.12.10.1: cluster in bits 31:16, a bit per APIC in 15:0 */
		return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff);
	uint32_t logical_id = l->ldr >> 24;
	if (l->dfr_model == DFR_FLAT) /* §11.6.2.2: a bit per APIC */
		return dest & logical_id;
	/* The cluster model: cluster in bits 7:4, a bit per APIC in 3:0. */
	return (dest >> 4) == (logical_id >> 4) && (dest & logical_id & 0xf);
}

int vlapic_pending_vector(const struct vlapic *l)
{
	int v = vec_highest(&l->irr);
	if (v < 0 || (v & 0xf0) <= (vlapic_ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_accept(struct vlapic *l, uint8_t vector)
{
	if (!vec_test(&l->irr, vector))
		return;
	vec_clear(&l->irr, vector);
	vec_set(&l->isr, vector);
	vlapic_update_output(l);
}

bool vlapic_take_nmi(struct vlapic *l)
{
	bool pending = l->nmi_pending;
	l->nmi_pending = false;
	vlapic_update_output(l);
	return pending;
}

bool vlapic_nmi_pending(const struct vlapic *l)
{
	return l->nmi_pending;
}

bool vlapic_extint_pending(const struct vlapic *l)
{
	if (!l->lint[0])
		return false;
	if (!vlapic_hw_on(l))
		return true;
	uint32_t lvt = l->lvt[LVT_LINT0];
	return !(lvt & LVT_MASKED) && vlapic_delivery_mode(lvt) == DM_EXTINT;
}

void vlapic_lint(struct vlapic *l, unsigned pin, bool asserted)
{
	if (pin > 1)
		return;
	bool rising = asserted && !l->lint[pin];
	l->lint[pin] = asserted;
	if (!vlapic_hw_on(l)) {
		if (pin == 1 && rising)
			l->nmi_pending = true; /* the CPU's NMI pin */
	} else {
		if (rising)
			lint_edge(l, pin);
		vlapic_lint_level_fixed(l, pin);
	}
	vlapic_update_output(l);
}

uint8_t vlapic_tpr(const struct vlapic *l)
{
	return (uint8_t)l->tpr;
}

void vlapic_set_tpr(struct vlapic *l, uint8_t tpr)
{
	l->tpr = tpr;
	vlapic_update_output(l);
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
