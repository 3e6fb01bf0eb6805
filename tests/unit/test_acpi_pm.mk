SRC_test_acpi_pm := vmm/dev/acpi_pm.c vmm/dev/acpi_tables.c vmm/dev/aml.c
