SRC_test_layout := vmm/layout.c lib/printf.c
