SRC_test_config := vmm/config.c lib/printf.c
