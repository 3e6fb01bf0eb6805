/* Where every VM exit goes: handle_exit and its constant table from exit reason to handler. */
#ifndef KEEL_VMM_EXIT_H
#define KEEL_VMM_EXIT_H

#include "arch/x86/hvm.h"
#include "vmm/domain.h"

typedef void (*exit_handler_fn)(struct vcpu *v, const struct vm_exit *exit);

/* What the vendor's vcpu_run calls after each exit (hvm.h): counts the exit, calls its
 * reason's handler from one constant table (bounds-checked), and says whether the vCPU runs
 * on (sched_runs_on). */
bool handle_exit(struct vcpu *v, const struct vm_exit *exit);
const char *exit_reason_name(enum exit_reason reason);

/* Handlers living in their own files. */
void handle_cpuid(struct vcpu *v, const struct vm_exit *exit);
/* vmm/cpuid.c: works out the answers that depend on the leaf alone (after cpu_enable). */
void cpuid_init(void);
void handle_hypercall(struct vcpu *v, const struct vm_exit *exit);
void handle_msr(struct vcpu *v, const struct vm_exit *exit);
/* vmm/msr.c: indexes the MSR table (once, after cpu_enable); the emulated MSRs' values at
 * power-on. */
void msrs_init(void);
void msrs_reset(struct vcpu *v);
/* The performance counter RDPMC's ECX selects, if Keel's CPUID offers it: AMD's four legacy
 * ones (PerfCtrExtCore is hidden), none on Intel (leaf 0xA is zeros). */
bool msr_perf_counter(struct vcpu *v, uint32_t counter, uint64_t *value);
void handle_instruction(struct vcpu *v, const struct vm_exit *exit);
void handle_entry_failed(struct vcpu *v, const struct vm_exit *exit);

#endif
