SRC_test_guest_log := vmm/guest_log.c vmm/pc_names.c vmm/layout.c lib/log.c lib/printf.c lib/string.c lib/ring.c
