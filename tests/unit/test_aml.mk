SRC_test_aml := vmm/dev/aml.c
