SRC_test_x86_emulate_faults := vmm/x86_emulate.c vmm/x86_decode.c tests/unit/x86_emulate_fixture.c
