SRC_test_i8254_modes := vmm/dev/i8254.c tests/unit/i8254_fixture.c
