SRC_test_walk_memo := vmm/walk_memo.c
