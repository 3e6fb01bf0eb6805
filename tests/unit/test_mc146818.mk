SRC_test_mc146818 := vmm/dev/mc146818.c lib/calendar.c
