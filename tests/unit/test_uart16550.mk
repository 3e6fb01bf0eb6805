SRC_test_uart16550 := vmm/dev/uart16550.c
