SRC_test_nested_pt := arch/x86/nested_pt.c
