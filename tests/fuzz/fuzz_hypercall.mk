SRC_fuzz_hypercall := vmm/hypercall.c vmm/domctl.c vmm/create.c vmm/policy.c vmm/config.c vmm/config_keys.c vmm/layout.c lib/printf.c lib/ring.c
