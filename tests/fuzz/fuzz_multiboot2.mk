SRC_fuzz_multiboot2 := arch/x86/multiboot2.c boot/mem_ranges.c lib/printf.c
