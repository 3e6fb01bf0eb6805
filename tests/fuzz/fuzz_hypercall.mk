SRC_fuzz_hypercall := vmm/hypercall.c
