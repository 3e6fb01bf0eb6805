SRC_test_page_alloc := arch/x86/page_alloc.c lib/bitmap.c
