SRC_fuzz_hypercall := vmm/hypercall.c vmm/domctl.c vmm/policy.c vmm/layout.c lib/printf.c lib/ring.c
