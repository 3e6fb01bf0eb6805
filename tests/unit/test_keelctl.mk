SRC_test_keelctl := guests/dom0/keelctl/format.c guests/dom0/keelctl/args.c guests/dom0/keelctl/config_files.c vmm/config.c vmm/config_keys.c lib/printf.c
