SRC_test_switch_keys := vmm/switch_keys.c
