SRC_test_ring := lib/ring.c
