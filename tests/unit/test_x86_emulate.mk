SRC_test_x86_emulate := vmm/x86_emulate.c vmm/x86_decode.c
