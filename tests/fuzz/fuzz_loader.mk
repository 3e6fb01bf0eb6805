SRC_fuzz_loader := vmm/loader.c vmm/guest_boot.c vmm/load_elf64.c vmm/load_multiboot1.c vmm/load_multiboot2.c vmm/load_real16.c vmm/load_pvh.c vmm/elf_loader.c vmm/layout.c lib/printf.c
