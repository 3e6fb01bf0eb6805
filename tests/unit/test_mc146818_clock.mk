SRC_test_mc146818_clock := vmm/dev/mc146818.c lib/calendar.c tests/unit/mc146818_fixture.c
