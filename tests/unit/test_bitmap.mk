SRC_test_bitmap := lib/bitmap.c
