SRC_test_elf_loader := vmm/elf_loader.c lib/printf.c
