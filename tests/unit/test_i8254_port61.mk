SRC_test_i8254_port61 := vmm/dev/i8254.c tests/unit/i8254_fixture.c
