SRC_fuzz_config := vmm/config.c lib/printf.c
