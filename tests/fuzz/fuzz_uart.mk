SRC_fuzz_uart := vmm/dev/uart16550.c
