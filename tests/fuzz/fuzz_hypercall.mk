SRC_fuzz_hypercall := vmm/hypercall.c vmm/layout.c lib/printf.c
