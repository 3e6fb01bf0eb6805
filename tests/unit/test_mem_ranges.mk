SRC_test_mem_ranges := boot/mem_ranges.c
