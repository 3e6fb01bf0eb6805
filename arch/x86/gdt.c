#include <stdint.h>
#include "arch/x86/gdt.h"
#include "arch/x86/interrupts.h"
#include "lib/string.h"

/* 64-bit TSS (SDM vol.3 §8.7): only its interrupt stack table is used, so that a double
 * fault or machine check (IST1) and an NMI (IST2, as it returns) run on a known-good stack
 * whatever RSP held. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

#define IST_STACK_SIZE 16384
static uint8_t ist_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t nmi_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
static struct tss64 tss;

/* Descriptors: flat code with L=1 (64-bit), flat writable data, then the 16-byte TSS
 * descriptor (SDM vol.3 §3.4.5 and §8.2.3). */
static uint64_t gdt[5] = {
	0,
	0x00af9a000000ffffull, /* 0x08: code, DPL 0, present, long mode */
	0x00cf92000000ffffull, /* 0x10: data, DPL 0, present, writable */
	0, 0,                  /* 0x18: TSS, filled in at run time */
};

struct descriptor_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void gdt_init(void)
{
	memset(&tss, 0, sizeof(tss));
	tss.ist[0] = (uint64_t)(ist_stack + IST_STACK_SIZE);
	tss.ist[1] = (uint64_t)(nmi_stack + IST_STACK_SIZE);
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */

	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) /* present, 64-bit TSS available */
		 | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;

	struct descriptor_pointer gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"            /* reload CS with a far return */
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movl %%eax, %%fs\n\t"
		"movl %%eax, %%gs\n\t"
		"movw %3, %%ax\n\t"
		"ltr %%ax\n\t"
		:
		: "m"(gdtr), "i"(GDT_CODE64), "i"(GDT_DATA), "i"(GDT_TSS)
		: "rax", "memory");
}

uint64_t gdt_tss_base(void)
{
	return (uint64_t)&tss;
}

/* A 64-bit interrupt gate (SDM vol.3 §6.14.1). */
struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_entry idt[256]; /* vectors without an entry are not present */
extern const uint64_t exception_stubs[32]; /* arch/x86/exception_stubs.asm */
extern char interrupt_nmi[], interrupt_timer[], interrupt_spurious[]; /* interrupt_stubs.asm */

#define VEC_DOUBLE_FAULT 8
#define VEC_MACHINE_CHECK 18

static void set_gate(unsigned v, uint64_t addr, uint8_t ist)
{
	idt[v] = (struct idt_entry){
		.offset_low = addr & 0xffff,
		.selector = GDT_CODE64,
		.ist = ist,
		.type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate: IF is cleared on entry */
		.offset_mid = (addr >> 16) & 0xffff,
		.offset_high = addr >> 32,
	};
}

/* #DB has no IST stack of its own: on SVM a guest's debug trap can reach Keel right after
 * #VMEXIT (arch/x86/svm/svm_run.asm), before VMLOAD has given Keel its TR back, and the
 * CPU would read the IST pointer from the guest's TSS. On Keel's stack at CPL 0 the CPU
 * switches no stack and reads no TSS (SDM vol.3 §6.14.2). */
void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		set_gate(v, exception_stubs[v], (v == VEC_DOUBLE_FAULT || v == VEC_MACHINE_CHECK) ? 1 : 0);
	set_gate(VEC_NMI, (uint64_t)interrupt_nmi, 2);
	set_gate(VEC_TIMER, (uint64_t)interrupt_timer, 0);
	set_gate(VEC_SPURIOUS, (uint64_t)interrupt_spurious, 0);
	struct descriptor_pointer idtr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));
}
