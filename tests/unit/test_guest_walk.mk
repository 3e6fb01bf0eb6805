SRC_test_guest_walk := vmm/guest_walk.c
