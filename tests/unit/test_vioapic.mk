SRC_test_vioapic := vmm/dev/vioapic.c
