/* What Keel does when the CPU raises an exception in Keel itself: go on where the exception
 * was expected (arch/x86/extable.h), else say everything useful about it on the console,
 * what Keel was doing among it, and stop. A guest's exceptions never come here, but for a
 * debug trap some emulators hand Keel after a VM exit. */
#include <stdint.h>
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_activity.h"
#include "arch/x86/extable.h"
#include "arch/x86/interrupts.h"
#include "arch/x86/platform.h"
#include "arch/x86/setup.h"
#include "lib/log.h"

/* The layout exception_stubs.asm builds on the stack, lowest address first. */
struct exception_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx;
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax; /* saved_registers.inc */
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization exception", "#CP control protection",
	"reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
	"#HV hypervisor injection", "#VC VMM communication", "#SX security exception", "reserved",
};

#define VEC_DEBUG 1

static void report_activity(void)
{
	const struct cpu_activity *a = cpu_activity();
	if (!a->what)
		log_error("  Keel was starting: no activity recorded yet");
	else if (a->domain_name)
		log_error("  Keel was %s dom%u %s", a->what, a->domain_id, a->domain_name);
	else
		log_error("  Keel was %s", a->what);
}

static __attribute__((noreturn)) void report(const struct exception_frame *f)
{
	console_start(); /* if the exception came before the entry started the console */
	log_error("CPU exception %llu (%s) in Keel, error code 0x%llx",
		  (unsigned long long)f->vector, exception_names[f->vector & 31],
		  (unsigned long long)f->error_code);
	report_activity();
	log_error("  rip %016llx  cs %04llx  rflags %016llx  cr2 %016llx",
		  (unsigned long long)f->rip, (unsigned long long)f->cs,
		  (unsigned long long)f->rflags, (unsigned long long)read_cr2());
	log_error("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx",
		  (unsigned long long)f->rax, (unsigned long long)f->rbx,
		  (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	log_error("  rsi %016llx  rdi %016llx  rbp %016llx  rsp %016llx",
		  (unsigned long long)f->rsi, (unsigned long long)f->rdi,
		  (unsigned long long)f->rbp, (unsigned long long)f->rsp);
	log_error("  r8  %016llx  r9  %016llx  r10 %016llx  r11 %016llx",
		  (unsigned long long)f->r8, (unsigned long long)f->r9,
		  (unsigned long long)f->r10, (unsigned long long)f->r11);
	log_error("  r12 %016llx  r13 %016llx  r14 %016llx  r15 %016llx",
		  (unsigned long long)f->r12, (unsigned long long)f->r13,
		  (unsigned long long)f->r14, (unsigned long long)f->r15);
	log_error("  cr0 %016llx  cr3 %016llx  cr4 %016llx",
		  (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
		  (unsigned long long)read_cr4());
	log_error("Keel stopped.");
	platform_exit(KEEL_STATUS_PANIC);
}

/* A guest's debug trap, delivered after its VM exit: one line for the first, a count for
 * all (the end-of-run "host interrupts taken:" line), as a guest single-stepping would
 * bring one per emulated instruction. */
static void drop_guest_debug_trap(const struct exception_frame *f)
{
	uint64_t dr6;
	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	if (!host_interrupts.guest_debug_traps++)
		log_warn("a debug trap of a guest (DR6 0x%llx) reached Keel at 0x%llx, after its VM exit: dropped, "
			 "as the guest gets its single-step trap from Keel (further ones are counted, not shown)",
			 (unsigned long long)dr6, (unsigned long long)f->rip);
}

void exception_handle(struct exception_frame *f);

void exception_handle(struct exception_frame *f)
{
	const struct extable_entry *e = extable_find(f->rip, (unsigned)f->vector);
	if (!e)
		report(f);
	if (e->kind == EXTABLE_GUEST_DEBUG_TRAP && f->vector == VEC_DEBUG)
		drop_guest_debug_trap(f);
	f->rip = e->resume;
}
