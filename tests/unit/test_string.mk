SRC_test_string := lib/memory.c lib/string.c
# Calls must reach lib/memory.c and lib/string.c, not gcc's built-in versions of the same functions.
CFLAGS_test_string := -fno-builtin
