SRC_test_acpi_tables := vmm/dev/acpi_tables.c vmm/dev/aml.c drivers/acpi.c lib/printf.c tests/unit/acpi_fixture.c
