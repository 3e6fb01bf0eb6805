SRC_test_printf := lib/printf.c
