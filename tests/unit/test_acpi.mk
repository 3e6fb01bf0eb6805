SRC_test_acpi := drivers/acpi.c lib/printf.c tests/unit/acpi_fixture.c
