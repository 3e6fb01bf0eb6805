/* The KVM-compatible paravirtual clock and steal time (see kvmclock.h). */
#include <stddef.h>
#include "arch/x86/cpu.h"
#include "drivers/rtc.h"
#include "drivers/tsc.h"
#include "include/kvm_para.h"
#include "lib/string.h"
#include "vmm/domain.h"
#include "vmm/kvmclock.h"

#define NS_PER_S 1000000000ull

/* [gpa, gpa + len) in the guest's RAM, and gpa 4-byte aligned. */
static bool in_ram(const struct vcpu *v, uint64_t gpa, uint64_t len)
{
	return !(gpa & 3) && layout_is_ram(&v->dom->layout, gpa, len);
}

/* The structure body (len bytes, its version field at version_at) at gpa, in the writer's
 * order: an odd version first, the rest, then the next even version, so that a reader on
 * another vCPU never takes a half-written one. */
static void publish(struct vcpu *v, uint64_t gpa, void *body, uint64_t len, size_t version_at, uint32_t *version)
{
	struct p2m *p2m = &v->dom->p2m;
	uint32_t odd = *version + 1, even = *version + 2;
	memcpy((uint8_t *)body + version_at, &odd, sizeof(odd));
	p2m_copy_to_guest(p2m, gpa + version_at, &odd, sizeof(odd));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	p2m_copy_to_guest(p2m, gpa, body, len);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	p2m_copy_to_guest(p2m, gpa + version_at, &even, sizeof(even));
	*version = even;
}

void kvmclock_update(struct vcpu *v)
{
	uint64_t value = v->msrs.kvm_system_time;
	if (!(value & KVM_SYSTEM_TIME_ENABLE))
		return;
	struct kvm_vcpu_time t = { .flags = KVM_PVCLOCK_TSC_STABLE };
	uint64_t tsc = rdtsc();
	t.tsc_timestamp = tsc + hvm->read_state(v->vendor, GUEST_TSC_OFFSET);
	t.system_time = timescale_ns(&tsc_scale, tsc) - v->dom->restart.life_ns;
	timescale_mul_shift(&tsc_scale, &t.tsc_to_system_mul, &t.tsc_shift);
	publish(v, value & ~KVM_SYSTEM_TIME_ENABLE, &t, sizeof(t), offsetof(struct kvm_vcpu_time, version),
		&v->msrs.kvm_time_version);
}

bool kvmclock_system_time_write(struct vcpu *v, uint64_t value)
{
	if ((value & KVM_SYSTEM_TIME_ENABLE) &&
	    !in_ram(v, value & ~KVM_SYSTEM_TIME_ENABLE, sizeof(struct kvm_vcpu_time)))
		return false;
	v->msrs.kvm_system_time = value;
	kvmclock_update(v);
	return true;
}

bool kvmclock_steal_time_write(struct vcpu *v, uint64_t value)
{
	uint64_t gpa = value & ~63ull; /* 64-byte aligned: bits 5:1 are reserved */
	if (value & KVM_STEAL_RESERVED)
		return false;
	if ((value & KVM_MSR_ENABLED) && !in_ram(v, gpa, sizeof(struct kvm_steal_time)))
		return false;
	v->msrs.kvm_steal_time = value;
	kvmclock_steal_time_update(v);
	return true;
}

void kvmclock_steal_time_update(struct vcpu *v)
{
	uint64_t value = v->msrs.kvm_steal_time;
	if (!(value & KVM_MSR_ENABLED))
		return;
	struct kvm_steal_time s = { .steal = v->sched.waited_ns };
	publish(v, value & ~63ull, &s, sizeof(s), offsetof(struct kvm_steal_time, version), &v->msrs.kvm_steal_version);
}

bool kvmclock_wall_clock_write(struct vcpu *v, uint64_t value)
{
	if (!in_ram(v, value, sizeof(struct kvm_wall_clock)))
		return false;
	uint64_t at_life = rtc_epoch_at_boot() * NS_PER_S + v->dom->restart.life_ns;
	struct kvm_wall_clock w = { .sec = (uint32_t)(at_life / NS_PER_S), .nsec = (uint32_t)(at_life % NS_PER_S) };
	v->msrs.kvm_wall_clock = value;
	publish(v, value, &w, sizeof(w), offsetof(struct kvm_wall_clock, version), &v->msrs.kvm_wall_version);
	return true;
}
