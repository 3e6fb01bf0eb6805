SRC_test_rtc := drivers/rtc.c lib/calendar.c lib/timescale.c
