/* The KVM paravirtual interface Keel offers beside its own (docs/hypercalls.md): the CPUID
 * leaves by which a guest finds it and the MSRs of its clock, as Linux built with
 * CONFIG_KVM_GUEST (Debian's kernel is) uses them (Linux's
 * Documentation/virt/kvm/x86/cpuid.rst and msr.rst, the pvclock ABI). Linux looks for the
 * signature at each 0x100 leaves from 0x40000000 on, so KVM's leaves sit at 0x40000100 and
 * Keel's own stay at 0x40000000. All fields are little endian; addresses guest-physical. */
#ifndef KEEL_INCLUDE_KVM_PARA_H
#define KEEL_INCLUDE_KVM_PARA_H

#include <stdint.h>

/* EAX: the last KVM leaf; EBX, ECX, EDX: "KVMKVMKVM\0\0\0". */
#define KVM_CPUID_SIGNATURE_LEAF 0x40000100
#define KVM_CPUID_SIGNATURE_EBX 0x4b4d564b /* "KVMK" */
#define KVM_CPUID_SIGNATURE_ECX 0x564b4d56 /* "VMKV" */
#define KVM_CPUID_SIGNATURE_EDX 0x0000004d /* "M\0\0\0" */
/* EAX: the features Keel offers; EDX: hints, none. */
#define KVM_CPUID_FEATURES_LEAF 0x40000101
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)             /* the two clock MSRs below */
#define KVM_FEATURE_STEAL_TIME (1u << 5)               /* MSR_KVM_STEAL_TIME */
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT (1u << 24) /* PVCLOCK_TSC_STABLE may be set */

/* Written with the guest-physical address of a struct kvm_wall_clock, which Keel then
 * fills once: the time of day at the guest's system time 0. */
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
/* Written with the guest-physical address of the vCPU's struct kvm_vcpu_time, 4-byte
 * aligned, ORed with KVM_SYSTEM_TIME_ENABLE; Keel keeps it up to date while it is on. */
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_SYSTEM_TIME_ENABLE 1ull

/* The vCPU's clock: system time, in nanoseconds, at tsc_timestamp, and the TSC's rate as
 * ns = ((tsc - tsc_timestamp) << tsc_shift (>> -tsc_shift if negative)) * tsc_to_system_mul
 * >> 32. The writer makes version odd while it changes the rest, even afterwards: a reader
 * reads again if version was odd or changed meanwhile. */
struct kvm_vcpu_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags; /* KVM_PVCLOCK_TSC_STABLE */
	uint8_t pad[2];
};
#define KVM_PVCLOCK_TSC_STABLE (1u << 0) /* every vCPU's TSC runs in step: no fix-ups needed */

/* The time of day (seconds and nanoseconds since the Unix epoch) when system time was 0;
 * version as above. */
struct kvm_wall_clock {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};

/* Written with the guest-physical address of the vCPU's struct kvm_steal_time, 64-byte
 * aligned, ORed with KVM_MSR_ENABLED; bits 5:1 are reserved. */
#define MSR_KVM_STEAL_TIME 0x4b564d03
#define KVM_MSR_ENABLED 1ull
#define KVM_STEAL_RESERVED (0x3eull) /* bits 5:1 */

/* The time the vCPU was ready to run but did not (another domain ran, or its cap held it
 * back): steal, in nanoseconds; version as above. */
struct kvm_steal_time {
	uint64_t steal;
	uint32_t version;
	uint32_t flags;
	uint8_t preempted;
	uint8_t pad0[3];
	uint32_t pad[11];
};

_Static_assert(sizeof(struct kvm_vcpu_time) == 32, "struct kvm_vcpu_time is part of the ABI");
_Static_assert(sizeof(struct kvm_steal_time) == 64, "struct kvm_steal_time is part of the ABI");
_Static_assert(sizeof(struct kvm_wall_clock) == 12, "struct kvm_wall_clock is part of the ABI");

#endif
