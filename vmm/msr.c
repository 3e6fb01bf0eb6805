/* RDMSR and WRMSR: one table for both vendors of the MSRs a guest may use, each with the
 * check its values get. Every access exits (the MSR permission maps are all ones). An MSR
 * not in the table ends the domain: a real CPU would raise #GP, which Keel cannot inject
 * yet. */
#include "arch/x86/cpu.h"
#include "lib/errno.h"
#include "vmm/domain.h"
#include "vmm/exit.h"

#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)

struct msr_entry {
	uint32_t index;
	const char *name;
	uint64_t (*read)(struct vcpu *v);
	/* Returns NULL, or why a real CPU would refuse the value with #GP. */
	const char *(*write)(struct vcpu *v, uint64_t value);
};

static uint64_t efer_read(struct vcpu *v)
{
	return hvm->read_state(v->vendor, GUEST_EFER);
}

/* AMD APM vol.2 §3.1.7, SDM vol.3 §2.2.1: the bits a guest may set; LMA is the CPU's to
 * set (writes leave it as it is), and LME may not change while paging is on. */
static const char *efer_write(struct vcpu *v, uint64_t value)
{
	uint64_t old = hvm->read_state(v->vendor, GUEST_EFER);
	if (value & ~(EFER_GUEST_WRITABLE | EFER_LMA))
		return "sets reserved or unsupported bits";
	if (((value ^ old) & EFER_LME) && (hvm->read_state(v->vendor, GUEST_CR0) & CR0_PG))
		return "changes LME while paging is on";
	hvm->write_state(v->vendor, GUEST_EFER, (value & ~EFER_LMA) | (old & EFER_LMA));
	return NULL;
}

static const struct msr_entry msrs[] = {
	{ MSR_EFER, "EFER", efer_read, efer_write },
};

void handle_msr(struct vcpu *v, const struct vm_exit *exit)
{
	uint64_t *g = v->regs.gpr;
	uint32_t index = (uint32_t)g[REG_RCX];
	const struct msr_entry *m = NULL;
	for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		if (msrs[i].index == index)
			m = &msrs[i];
	if (!m) {
		domain_crash(v->dom, "%s of MSR 0x%x, which Keel does not emulate (a CPU would raise #GP) at rip 0x%llx",
			     exit->msr.write ? "WRMSR" : "RDMSR", index, (unsigned long long)v->regs.rip);
		return;
	}
	if (exit->msr.write) {
		uint64_t value = (g[REG_RDX] << 32) | (uint32_t)g[REG_RAX];
		const char *why = m->write(v, value);
		if (why) {
			domain_crash(v->dom, "WRMSR of 0x%llx to %s %s (a CPU would raise #GP) at rip 0x%llx",
				     (unsigned long long)value, m->name, why, (unsigned long long)v->regs.rip);
			return;
		}
	} else {
		uint64_t value = m->read(v);
		g[REG_RAX] = (uint32_t)value; /* RDMSR writes EDX:EAX, clearing the upper halves */
		g[REG_RDX] = value >> 32;
	}
	v->regs.rip += exit->instr_len;
}
