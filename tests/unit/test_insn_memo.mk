SRC_test_insn_memo := vmm/insn_memo.c vmm/walk_memo.c vmm/x86_decode.c
