/* Keel's hypercalls (include/keel/hypercall.h): RAX = number, RDI, RSI, RDX, R10, R8 =
 * arguments, RAX = result; every other register is preserved. VMCALL (0F 01 C1, SDM
 * Vol. 2B "VMCALL") exits to a VT-x hypervisor, VMMCALL (0F 01 D9, APM Vol. 3 "VMMCALL")
 * to an SVM one; each raises #UD on the other vendor's CPUs, so the vendor picks one.
 * Pointers are passed as they are: the runtime runs identity-mapped, so they are
 * guest-physical. */
#include "guests/lib/guest.h"
#include "lib/string.h"

static bool use_vmcall;

void guest_hypercall_init(void)
{
	char vendor[12];
	struct cpuid_regs r = cpuid(0, 0);

	/* CPUID leaf 0: the vendor string in EBX, EDX, ECX. */
	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	use_vmcall = memcmp(vendor, "GenuineIntel", sizeof(vendor)) == 0;
}

bool guest_cpu_is_intel(void)
{
	return use_vmcall;
}

long guest_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	uint64_t rax = nr;

	/* "memory": Keel reads and writes our buffers. */
	if (use_vmcall)
		__asm__ volatile("vmcall"
				 : "+a"(rax)
				 : "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
				 : "memory", "cc");
	else
		__asm__ volatile("vmmcall"
				 : "+a"(rax)
				 : "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
				 : "memory", "cc");
	return (long)rax;
}

static uint64_t gpa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

long hc_console_write(const void *buf, uint64_t len)
{
	return guest_hypercall(KEEL_HC_CONSOLE_WRITE, gpa_of(buf), len, 0, 0, 0);
}

long hc_yield(void)
{
	return guest_hypercall(KEEL_HC_YIELD, 0, 0, 0, 0, 0);
}

long hc_block(uint64_t deadline_ns)
{
	return guest_hypercall(KEEL_HC_BLOCK, deadline_ns, 0, 0, 0, 0);
}

long hc_shutdown(uint64_t reason, uint64_t status)
{
	return guest_hypercall(KEEL_HC_SHUTDOWN, reason, status, 0, 0, 0);
}

long hc_domain_info(struct keel_domain_info *info)
{
	return guest_hypercall(KEEL_HC_DOMAIN_INFO, gpa_of(info), sizeof(*info), 0, 0, 0);
}

long hc_time(struct keel_time *t)
{
	return guest_hypercall(KEEL_HC_TIME, gpa_of(t), sizeof(*t), 0, 0, 0);
}

uint64_t guest_now_ns(void)
{
	struct keel_time t;
	hc_time(&t);
	return t.now_ns;
}

long hc_set_timer(uint64_t deadline_ns)
{
	return guest_hypercall(KEEL_HC_SET_TIMER, deadline_ns, 0, 0, 0, 0);
}

long hc_vcpu_exits(void)
{
	return guest_hypercall(KEEL_HC_VCPU_EXITS, 0, 0, 0, 0, 0);
}

long hc_domain_list(struct keel_domain_status *out, unsigned count, uint64_t first_id)
{
	return guest_hypercall(KEEL_HC_DOMAIN_LIST, gpa_of(out), count * sizeof(*out), first_id, 0, 0);
}

long hc_domain_pause(uint64_t id)
{
	return guest_hypercall(KEEL_HC_DOMAIN_PAUSE, id, 0, 0, 0, 0);
}

long hc_domain_unpause(uint64_t id)
{
	return guest_hypercall(KEEL_HC_DOMAIN_UNPAUSE, id, 0, 0, 0, 0);
}

long hc_domain_destroy(uint64_t id)
{
	return guest_hypercall(KEEL_HC_DOMAIN_DESTROY, id, 0, 0, 0, 0);
}

long hc_domain_sched(uint64_t id, uint64_t weight, uint64_t cap)
{
	return guest_hypercall(KEEL_HC_DOMAIN_SCHED, id, weight, cap, 0, 0);
}

long hc_host_info(struct keel_host_info *info)
{
	return guest_hypercall(KEEL_HC_HOST_INFO, gpa_of(info), sizeof(*info), 0, 0, 0);
}

long hc_domain_shutdown(uint64_t id, uint64_t reason)
{
	return guest_hypercall(KEEL_HC_DOMAIN_SHUTDOWN, id, reason, 0, 0, 0);
}

long hc_console_read(uint64_t id, void *buf, uint64_t size, uint64_t *position)
{
	return guest_hypercall(KEEL_HC_CONSOLE_READ, id, gpa_of(buf), size, gpa_of(position), 0);
}

long hc_console_input(uint64_t id, const void *buf, uint64_t len)
{
	return guest_hypercall(KEEL_HC_CONSOLE_INPUT, id, gpa_of(buf), len, 0, 0);
}

long hc_keel_log(void *buf, uint64_t size, uint64_t *position)
{
	return guest_hypercall(KEEL_HC_KEEL_LOG, gpa_of(buf), size, gpa_of(position), 0, 0);
}
