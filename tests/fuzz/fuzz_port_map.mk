SRC_fuzz_port_map := vmm/port_map.c
