SRC_test_acpi_madt := drivers/acpi.c lib/printf.c tests/unit/acpi_fixture.c
