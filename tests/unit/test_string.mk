SRC_test_string := lib/string.c
# Calls must reach lib/string.c, not gcc's built-in versions of the same functions.
CFLAGS_test_string := -fno-builtin
