SRC_test_i8259_reads := vmm/dev/i8259.c tests/unit/i8259_fixture.c
