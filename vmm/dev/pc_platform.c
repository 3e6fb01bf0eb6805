#include "arch/x86/cpu_features.h"
#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "drivers/rtc.h"
#include "drivers/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "vmm/dev/acpi_tables.h"
#include "vmm/dev/pc.h"
#include "vmm/dev/serial_port.h"
#include "vmm/dev/pc_platform.h"
#include "vmm/dev/pvpanic.h"
#include "vmm/domain.h"
#include "vmm/events.h"
#include "vmm/sched.h"

/* The local APIC's registers the firmware sets (SDM vol.3 §11.4.1, figures 11-8, 11-23). */
#define LAPIC_SVR 0xf0
#define LAPIC_SVR_ENABLED 0x1ff
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_DELIVERY_EXTINT 0x700
#define LAPIC_DELIVERY_NMI 0x400

static uint64_t now_ns(void *ctx)
{
	(void)ctx;
	return tsc_now_ns();
}

/* The local APIC's output: an interrupt for the vCPU (vmm/events.c takes it). */
static void lapic_output(void *ctx, unsigned line, bool level)
{
	struct pc_platform *pc = ctx;
	(void)line;
	if (level) {
		pc->bsp->events_due = true;
		sched_wake(pc->bsp);
	}
}

static void lapic_set_deadline(void *ctx, uint64_t deadline_ns)
{
	vtimer_set_deadline(((struct pc_platform *)ctx)->lapic_timer, deadline_ns);
}

static void lapic_timer_fired(void *dev)
{
	struct pc_platform *pc = dev;
	vlapic_timer(&pc->lapic);
}

/* A level-triggered vector's EOI: the I/O APIC's remote IRR (SDM vol.3 §11.8.5). */
static void lapic_eoi(void *ctx, uint8_t vector)
{
	vioapic_eoi(&((struct pc_platform *)ctx)->ioapic, vector);
}

/* IA32_TSC_DEADLINE holds a value of the guest's TSC, which is the TSC plus its offset. */
static uint64_t guest_tsc_to_ns(void *ctx, uint64_t guest_tsc)
{
	struct vcpu *v = ((struct pc_platform *)ctx)->bsp;
	uint64_t tsc = guest_tsc - hvm->read_state(v->vendor, GUEST_TSC_OFFSET);
	uint64_t ns = timescale_ns(&tsc_scale, tsc);
	return tsc >= (uint64_t)1 << 63 || ns >= tsc_scale.horizon_ns ? DEVICE_NO_DEADLINE : ns;
}

/* The PICs' INTR is LINT0 (the local APIC passes it on in ExtINT mode). */
static void pic_intr(void *ctx, unsigned line, bool level)
{
	(void)line;
	vlapic_lint(&((struct pc_platform *)ctx)->lapic, 0, level);
}

/* An I/O APIC message: fixed, lowest-priority and NMI reach the local APIC it names; SMI,
 * INIT and ExtINT through the I/O APIC are not something a PC's OS sends and are dropped. */
static void ioapic_deliver(void *ctx, uint8_t vector, uint8_t mode, bool logical, uint8_t destination, bool level)
{
	struct pc_platform *pc = ctx;
	struct vlapic *l = &pc->lapic;
	if (!vlapic_match_dest(l, destination, logical))
		return;
	if (mode == VIOAPIC_FIXED || mode == VIOAPIC_LOWEST_PRIORITY) {
		vlapic_set_irq(l, vector, level);
	} else if (mode == VIOAPIC_NMI) {
		vlapic_nmi(l);
	}
}

void pc_set_isa_irq(struct pc_platform *pc, unsigned irq, bool level)
{
	i8259_set_irq(&pc->pic, irq, level);
	vioapic_set_irq(&pc->ioapic, irq == PC_IRQ_PIT ? PC_GSI_PIT : irq, level);
}

/* The SCI is level-triggered and active low at the I/O APIC, as the MADT says (ACPI
 * §5.2.12.5); the PICs see it as an ISA level interrupt (ELCR). */
static void set_sci(struct pc_platform *pc, bool asserted)
{
	i8259_set_irq(&pc->pic, PC_IRQ_SCI, asserted);
	vioapic_set_irq(&pc->ioapic, PC_IRQ_SCI, !asserted);
}

/* A timer device's callbacks (struct device_env), with its struct pc_link as context: its
 * timer is one of the BSP's, its interrupt an ISA IRQ. */
static void link_set_deadline(void *ctx, uint64_t deadline_ns)
{
	vtimer_set_deadline(((struct pc_link *)ctx)->timer, deadline_ns);
}

static void link_set_irq(void *ctx, unsigned line, bool level)
{
	struct pc_link *link = ctx;
	(void)line;
	if (link->irq == PC_IRQ_SCI)
		set_sci(link->pc, level);
	else
		pc_set_isa_irq(link->pc, link->irq, level);
}

static void pit_timer_fired(void *dev)
{
	i8254_timer(dev);
}

static void rtc_timer_fired(void *dev)
{
	mc146818_timer(dev);
}

static void pm_timer_fired(void *dev)
{
	acpi_pm_timer(dev);
}

/* What the guest asks of the platform through its ACPI registers and the 8042 (struct
 * acpi_pm_ops): the domain ends, and its on_poweroff or on_reboot policy applies. */
static void power_off(void *ctx)
{
	struct domain *d = ((struct pc_link *)ctx)->pc->bsp->dom;
	domain_end(d, END_POWEROFF, false, 0, "ACPI S5: sleep type %u written to its PM1a control block at port 0x%x",
		   ACPI_SLP_TYP_S5, PC_PM1A_CONTROL);
}

static void reset(void *ctx)
{
	struct domain *d = ((struct pc_link *)ctx)->pc->bsp->dom;
	domain_end(d, END_REBOOT, false, 0, "a reset through port 0x%x or the keyboard controller (port 0x%x)",
		   PC_RESET, PC_KBD_COMMAND);
}

/* The device's timer and link; false if the vCPU has no timer left. */
static bool link(struct pc_platform *pc, struct pc_link *l, unsigned irq, void (*fired)(void *dev), void *dev,
		 struct device_env *env)
{
	*l = (struct pc_link){ .pc = pc, .timer = vtimer_add(pc->bsp, fired, dev), .irq = irq };
	*env = (struct device_env){ .ctx = l, .now_ns = now_ns, .set_deadline = link_set_deadline,
				    .set_irq = link_set_irq };
	return l->timer != NULL;
}

static const struct io_ops pic_master_ops = { i8259_master_read, i8259_master_write };
static const struct io_ops pic_slave_ops = { i8259_slave_read, i8259_slave_write };
static const struct io_ops elcr_ops = { i8259_elcr_read, i8259_elcr_write };
static const struct io_ops ioapic_ops = { vioapic_read, vioapic_write };
static const struct io_ops pit_ops = { i8254_read, i8254_write };
static const struct io_ops port61_ops = { i8254_port61_read, i8254_port61_write };
static const struct io_ops rtc_ops = { mc146818_read, mc146818_write };
static const struct io_ops pm_event_ops = { acpi_pm_event_read, acpi_pm_event_write };
static const struct io_ops pm_control_ops = { acpi_pm_control_read, acpi_pm_control_write };
static const struct io_ops pm_timer_ops = { acpi_pm_timer_read, acpi_pm_timer_write };
static const struct io_ops reset_ops = { acpi_pm_reset_read, acpi_pm_reset_write };
static const struct io_ops kbd_ops = { acpi_pm_kbd_read, acpi_pm_kbd_write };

static void attach_lapic(struct pc_platform *pc)
{
	struct vcpu *v = pc->bsp;
	const struct vlapic_config lapic_config = { .apic_id = v->id, .bsp = true, .x2apic = true,
						    .tsc_deadline = true, .maxphyaddr = cpu.phys_addr_bits };
	const struct vlapic_env lapic_env = {
		.dev = { .ctx = pc, .now_ns = now_ns, .set_deadline = lapic_set_deadline, .set_irq = lapic_output },
		.eoi = lapic_eoi,
		.send_ipi = NULL,
		.tsc_to_ns = guest_tsc_to_ns,
	};
	vlapic_init(&pc->lapic, &lapic_config, &lapic_env);
	/* As a PC's firmware leaves it: software-enabled, spurious vector 0xff, LINT0 passing
	 * the PIC's interrupts (ExtINT) and LINT1 the NMI: virtual-wire mode (MP specification
	 * 1.4 §3.6.2.2), so that a guest that programs only the PIC gets its interrupts. */
	vlapic_mmio_write(&pc->lapic, LAPIC_SVR, 4, LAPIC_SVR_ENABLED);
	vlapic_mmio_write(&pc->lapic, LAPIC_LVT_LINT0, 4, LAPIC_DELIVERY_EXTINT);
	vlapic_mmio_write(&pc->lapic, LAPIC_LVT_LINT1, 4, LAPIC_DELIVERY_NMI);
	v->lapic = &pc->lapic;
}

static int register_ranges(struct domain *d, struct pc_platform *pc)
{
	int err;
	if ((err = io_register_ports(d, PC_PIC_MASTER, I8259_PORTS, &pic_master_ops, &pc->pic)) ||
	    (err = io_register_ports(d, PC_PIC_SLAVE, I8259_PORTS, &pic_slave_ops, &pc->pic)) ||
	    (err = io_register_ports(d, PC_ELCR, I8259_PORTS, &elcr_ops, &pc->pic)) ||
	    (err = io_register_mmio(d, PC_IOAPIC_BASE, VIOAPIC_MMIO_SIZE, &ioapic_ops, &pc->ioapic)) ||
	    (err = io_register_ports(d, PC_PIT, I8254_PORTS, &pit_ops, &pc->pit)) ||
	    (err = io_register_ports(d, PC_PORT_61, 1, &port61_ops, &pc->pit)) ||
	    (err = io_register_ports(d, PC_RTC, MC146818_PORTS, &rtc_ops, &pc->rtc)) ||
	    (err = io_register_ports(d, PC_PM1A_EVENT, ACPI_PM_EVENT_PORTS, &pm_event_ops, &pc->pm)) ||
	    (err = io_register_ports(d, PC_PM1A_CONTROL, ACPI_PM_CONTROL_PORTS, &pm_control_ops, &pc->pm)) ||
	    (err = io_register_ports(d, PC_PM_TIMER, ACPI_PM_TIMER_PORTS, &pm_timer_ops, &pc->pm)) ||
	    (err = io_register_ports(d, PC_RESET, ACPI_PM_RESET_PORTS, &reset_ops, &pc->pm)) ||
	    (err = io_register_ports(d, PC_KBD_COMMAND, ACPI_PM_KBD_PORTS, &kbd_ops, &pc->pm)) ||
	    (err = pvpanic_attach(d)))
		return err;
	return 0;
}

/* The ACPI tables of this platform, as a PC's firmware leaves them: in the BIOS area, where
 * an OS finds the RSDP by its signature (ACPI §5.2.5.1). Built in a page of Keel's, then
 * copied into the domain's memory. */
static int write_acpi_tables(struct domain *d, const struct pc_platform *pc)
{
	struct acpi_platform p = {
		.vcpus = 1, .lapic_address = (uint32_t)PC_LAPIC_BASE, .ioapic_id = PC_IOAPIC_ID,
		.ioapic_address = (uint32_t)PC_IOAPIC_BASE, .ioapic_gsi_base = 0, .ioapic_pins = PC_IOAPIC_PINS,
		.pm1a_event_port = PC_PM1A_EVENT, .pm1a_control_port = PC_PM1A_CONTROL, .pm_timer_port = PC_PM_TIMER,
		.reset_port = PC_RESET, .sci_irq = PC_IRQ_SCI, .com1_port = SERIAL_PORT_BASE, .com1_irq = PC_IRQ_COM1,
		.pvpanic_port = PC_PVPANIC, .area_address = ACPI_BIOS_AREA, .area_size = PAGE_SIZE,
	};
	p.apic_id[0] = (uint8_t)pc->bsp->id;
	uint64_t page = page_alloc();
	if (!page)
		return -ENOMEM;
	struct acpi_tables built;
	int err = acpi_tables_build(&p, phys_to_virt(page), &built);
	if (!err && p2m_copy_to_guest(&d->p2m, ACPI_BIOS_AREA, phys_to_virt(page), built.used))
		err = -EFAULT;
	if (!err) { /* for the boot protocols (the loader runs next) */
		d->images.rsdp_gpa = built.rsdp_address;
		memcpy(d->images.rsdp, (uint8_t *)phys_to_virt(page) + (built.rsdp_address - ACPI_BIOS_AREA),
		       LOADER_RSDP_BYTES);
	}
	page_free(page, 1);
	return err;
}

int pc_attach(struct domain *d)
{
	struct pc_platform *pc = io_device_state(d, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	pc->bsp = &d->vcpu;
	pc->lapic_timer = vtimer_add(pc->bsp, lapic_timer_fired, pc);
	struct device_env pit_env, rtc_env, pm_env;
	if (!pc->lapic_timer || !link(pc, &pc->pit_link, PC_IRQ_PIT, pit_timer_fired, &pc->pit, &pit_env) ||
	    !link(pc, &pc->rtc_link, PC_IRQ_RTC, rtc_timer_fired, &pc->rtc, &rtc_env) ||
	    !link(pc, &pc->pm_link, PC_IRQ_SCI, pm_timer_fired, &pc->pm, &pm_env))
		return -ENOSPC;
	attach_lapic(pc);
	const struct device_env pic_env = { .ctx = pc, .now_ns = now_ns, .set_deadline = NULL, .set_irq = pic_intr };
	i8259_init(&pc->pic, &pic_env);
	const struct vioapic_env ioapic_env = { .dev = { .ctx = pc }, .deliver = ioapic_deliver };
	vioapic_init(&pc->ioapic, PC_IOAPIC_ID, &ioapic_env);
	set_sci(pc, false); /* the active-low line is high while nothing asserts it */
	i8254_init(&pc->pit, &pit_env);
	/* The time of day the machine's RTC gave at boot, running on Keel's clock. */
	mc146818_init(&pc->rtc, &rtc_env, rtc_epoch_at_boot());
	const struct acpi_pm_ops pm_ops = { .power_off = power_off, .reset = reset };
	acpi_pm_init(&pc->pm, &pm_env, &pm_ops);
	d->pc = pc;
	int err = register_ranges(d, pc);
	return err ? err : write_acpi_tables(d, pc);
}
