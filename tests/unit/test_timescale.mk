SRC_test_timescale := lib/timescale.c
