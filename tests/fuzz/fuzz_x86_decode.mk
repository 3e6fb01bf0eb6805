SRC_fuzz_x86_decode := vmm/x86_decode.c
LIBS_fuzz_x86_decode := -lZydis
