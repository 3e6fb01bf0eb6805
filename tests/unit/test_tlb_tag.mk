SRC_test_tlb_tag := arch/x86/tlb_tag.c
