SRC_fuzz_config := vmm/config.c vmm/config_keys.c lib/printf.c
