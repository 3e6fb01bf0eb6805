SRC_test_xcr0 := vmm/xcr0.c
