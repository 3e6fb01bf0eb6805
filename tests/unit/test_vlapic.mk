SRC_test_vlapic := vmm/dev/vlapic.c vmm/dev/vlapic_irq.c vmm/dev/vlapic_timer.c
