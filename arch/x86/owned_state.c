#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/extable.h"
#include "arch/x86/owned_state.h"
#include "arch/x86/paging.h"
#include "arch/x86/page_alloc.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

#define FXSAVE_FCW 0      /* offsets in the legacy region (SDM vol.1 §10.5.1, table 10-2) */
#define FXSAVE_MXCSR 24
#define FCW_INIT 0x037f   /* after FNINIT, and XRSTOR's x87 initial configuration */
#define MXCSR_INIT 0x1f80 /* after RESET: every exception masked */
#define DR6_INIT 0xffff0ff0ull
#define DR7_DISABLED 0x400ull

struct owned_state *owned_state_owner; /* one CPU for now: per CPU with SMP */
static unsigned extra;
static uint64_t host_xcr0;
static uint64_t host_dr[4], host_dr6;

#define READ_DR(n) ({ uint64_t v_; __asm__ volatile("mov %%dr" #n ", %0" : "=r"(v_)); v_; })
#define WRITE_DR(n, v) __asm__ volatile("mov %0, %%dr" #n : : "r"((uint64_t)(v)))

/* XSETBV only where XCR0 differs: it is the slower of the two. What the CPU holds is read
 * back rather than remembered, so that an XSETBV that did not exit (an emulator without
 * the SVM intercept) cannot make Keel save or restore with the wrong components. */
static void set_xcr0(uint64_t value)
{
	if (xgetbv(0) != value)
		xsetbv(0, value);
}

/* MOV to CR4 that the CPU may refuse with #GP (a bit it reports but will not take):
 * false then, CR4 unchanged (SDM vol.3 §2.5: a fault leaves the register as it was). */
static bool try_write_cr4(uint64_t value)
{
	__asm__ goto("1: mov %0, %%cr4\n\t" EXTABLE_ENTRY("1b", "%l1", (1 << X86_GP), EXTABLE_REFUSED)
		     : : "r"(value) : "memory" : refused);
	return true;
refused:
	return false;
}

void owned_state_init_cpu(unsigned vendor_extra)
{
	extra = vendor_extra;
	write_cr0((read_cr0() | CR0_MP) & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if (cpu.xsave && !try_write_cr4(read_cr4() | CR4_OSXSAVE)) {
		cpu_do_without_xsave("the CPU reports XSAVE but refuses CR4.OSXSAVE");
		log_warn("cpu: the CPU reports XSAVE but refuses CR4.OSXSAVE (#GP): guests get x87 and SSE, "
			 "switched with FXSAVE");
	}
	if (cpu.xsave)
		host_xcr0 = xgetbv(0);
	host_dr[0] = READ_DR(0);
	host_dr[1] = READ_DR(1);
	host_dr[2] = READ_DR(2);
	host_dr[3] = READ_DR(3);
	host_dr6 = READ_DR(6);
	WRITE_DR(7, DR7_DISABLED); /* Keel sets no breakpoints; a guest's DR0-3 must not fire in it */
}

int owned_state_create(struct owned_state *s)
{
	uint64_t pa = page_alloc_contig(OWNED_STATE_PAGES, PAGE_SIZE);
	if (!pa)
		return -ENOMEM;
	memset(phys_to_virt(pa), 0, OWNED_STATE_PAGES * PAGE_SIZE);
	*s = (struct owned_state){ .area = phys_to_virt(pa), .area_pa = pa, .xcr0 = XCR0_X87, .dr6 = DR6_INIT };
	/* An XSAVE header of zeros: XRSTOR puts every component in its initial configuration
	 * (SDM vol.1 §13.8.1) but takes MXCSR from the legacy region. FXRSTOR takes it all. */
	uint8_t *legacy = s->area;
	uint16_t fcw = FCW_INIT;
	uint32_t mxcsr = MXCSR_INIT;
	memcpy(legacy + FXSAVE_FCW, &fcw, sizeof(fcw));
	memcpy(legacy + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
	return 0;
}

void owned_state_destroy(struct owned_state *s)
{
	if (owned_state_owner == s)
		owned_state_owner = NULL; /* the next vCPU loads all of its own over what is left */
	page_free(s->area_pa, OWNED_STATE_PAGES);
	s->area = NULL;
}

static void save(struct owned_state *s)
{
	if (cpu.xsave) {
		s->xcr0 = xgetbv(0);
		set_xcr0(cpu.switched_xcr0); /* XSAVE stores only what XCR0 enables */
		__asm__ volatile("xsave64 %0" : "=m"(*(uint8_t(*)[4096])s->area)
				 : "a"((uint32_t)cpu.switched_xcr0), "d"((uint32_t)(cpu.switched_xcr0 >> 32)));
	} else {
		__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])s->area));
	}
	s->dr[0] = READ_DR(0);
	s->dr[1] = READ_DR(1);
	s->dr[2] = READ_DR(2);
	s->dr[3] = READ_DR(3);
	if (extra & OWNED_DR6)
		s->dr6 = READ_DR(6);
	if (extra & OWNED_CR2)
		s->cr2 = read_cr2();
}

static void restore(const struct owned_state *s)
{
	if (cpu.xsave) {
		set_xcr0(cpu.switched_xcr0);
		__asm__ volatile("xrstor64 %0" : : "m"(*(const uint8_t(*)[4096])s->area),
				 "a"((uint32_t)cpu.switched_xcr0), "d"((uint32_t)(cpu.switched_xcr0 >> 32)));
		set_xcr0(s->xcr0);
	} else {
		__asm__ volatile("fxrstor64 %0" : : "m"(*(const uint8_t(*)[512])s->area));
	}
	WRITE_DR(0, s->dr[0]);
	WRITE_DR(1, s->dr[1]);
	WRITE_DR(2, s->dr[2]);
	WRITE_DR(3, s->dr[3]);
	if (extra & OWNED_DR6)
		WRITE_DR(6, s->dr6);
	if (extra & OWNED_CR2)
		write_cr2(s->cr2);
}

void owned_state_switch(struct owned_state *s)
{
	if (owned_state_owner)
		save(owned_state_owner);
	restore(s);
	owned_state_owner = s;
}

void owned_state_set_xcr0(struct owned_state *s, uint64_t xcr0)
{
	s->xcr0 = xcr0;
	if (owned_state_owner == s)
		set_xcr0(xcr0);
}

void owned_state_set_dr6_bits(struct owned_state *s, uint64_t bits)
{
	if (owned_state_owner == s)
		WRITE_DR(6, READ_DR(6) | bits);
	else
		s->dr6 |= bits;
}

void owned_state_set_cr2(struct owned_state *s, uint64_t value)
{
	if (owned_state_owner == s)
		write_cr2(value);
	else
		s->cr2 = value;
}

void owned_state_restore_host(void)
{
	if (owned_state_owner)
		save(owned_state_owner);
	owned_state_owner = NULL;
	if (cpu.xsave)
		set_xcr0(host_xcr0);
	WRITE_DR(0, host_dr[0]);
	WRITE_DR(1, host_dr[1]);
	WRITE_DR(2, host_dr[2]);
	WRITE_DR(3, host_dr[3]);
	WRITE_DR(6, host_dr6);
}

uint64_t owned_state_host_xcr0(void)
{
	return host_xcr0;
}
