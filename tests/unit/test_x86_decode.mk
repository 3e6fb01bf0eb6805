SRC_test_x86_decode := vmm/x86_decode.c
