SRC_fuzz_acpi := drivers/acpi.c lib/printf.c
