SRC_fuzz_elf := vmm/elf_loader.c lib/printf.c
