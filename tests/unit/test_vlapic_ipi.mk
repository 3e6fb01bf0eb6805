SRC_test_vlapic_ipi := vmm/dev/vlapic.c vmm/dev/vlapic_irq.c vmm/dev/vlapic_timer.c tests/unit/vlapic_fixture.c
