SRC_test_i8259 := vmm/dev/i8259.c
