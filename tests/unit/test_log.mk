SRC_test_log := lib/log.c lib/printf.c lib/ring.c
