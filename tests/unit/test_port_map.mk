SRC_test_port_map := vmm/port_map.c
