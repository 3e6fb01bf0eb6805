SRC_fuzz_mem_ranges := boot/mem_ranges.c
