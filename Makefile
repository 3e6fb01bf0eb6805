# Keel — build, run and test. See README.md.
#   make            build the hypervisor, its UEFI loader, the test guests and build/esp.img
#   make run        install what is missing, build, boot Keel and its default guests in QEMU
#                   (BED=bochs: in Bochs on an Intel CPU, through GRUB and Multiboot2;
#                    BED=bochs-uefi: in Bochs through OVMF and the UEFI loader, slower)
#   make debug      the same machine, paused, with a GDB server (docs/debugging.md)
#   make test       install what is missing, build, run unit and integration tests
#   make bench      exit costs in instructions on the deterministic beds (docs/performance.md)
#   V=1             with any of them: the build's whole commands, not one short line a step
B := build
# Each build step prints one short line, what it does and to what, as Linux's kbuild does;
# V=1 prints the whole commands instead.
V ?= 0
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-7s %s\n' '$(1)' '$(2)'
MAKEFLAGS += --no-print-directory
endif
CC := gcc
NASM := nasm
LD := ld
OBJCOPY := objcopy

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# The core: freestanding, no SSE (guest state lives in those registers), no red zone
# (interrupts use the current stack), linked at fixed physical addresses (linker.ld).
CORE_CFLAGS := -std=c11 $(WARN) -O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-asynchronous-unwind-tables -I. -MMD -MP
CORE_SRC := $(wildcard arch/x86/*.c arch/x86/svm/*.c arch/x86/vmx/*.c vmm/*.c vmm/dev/*.c drivers/*.c lib/*.c) boot/mem_ranges.c
CORE_ASM := $(wildcard arch/x86/*.asm arch/x86/svm/*.asm arch/x86/vmx/*.asm)
CORE_OBJ := $(patsubst %.c,$(B)/core/%.o,$(CORE_SRC)) $(patsubst %.asm,$(B)/core/%.asm.o,$(CORE_ASM))

# The UEFI loader, built with gnu-efi as a PE32+ application.
EFI_CFLAGS := -std=c11 $(WARN) -Wno-missing-prototypes -Wno-strict-prototypes -O2 -fpic -ffreestanding \
	-fno-stack-protector -fshort-wchar -mno-red-zone -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -I/usr/include/efi -I/usr/include/efi/x86_64 -I. -MMD -MP
# The loader checks the core with the guest-image ELF parser (libefi brings memcpy/memset).
EFI_SRC := $(wildcard boot/*.c) vmm/elf_loader.c lib/printf.c lib/string.c
EFI_OBJ := $(patsubst %.c,$(B)/efi/%.o,$(EFI_SRC))

# Test guests (guests/test/README.md): the C ones on guests/lib/ (guests/guests.mk), the
# real-mode ones in assembly, one image per variant.
include guests/guests.mk
.DEFAULT_GOAL := all
GUESTS16 := hello oob mmio
GUEST_IMAGES = $(C_GUEST_IMAGES) $(patsubst %,$(B)/guests/%16.bin,$(GUESTS16)) $(GUEST_DATA) $(LINUX_GUEST) \
	$(DOM0_GUEST)
# The Linux guest (guests/linux/README.md): Debian's kernel and busybox, fetched with apt
# and packed into $(B)/linux/ when its VERSION is missing or older than the recipe.
LINUX_GUEST := $(B)/linux/VERSION
# Linux as dom0 (docs/dom0.md): the Linux guest's kernel with an initramfs of its own, which
# holds keel.ko (built against Debian's linux-headers of that kernel) and keelctl.
DOM0_GUEST := $(B)/dom0/dom0-initramfs.gz
KEELCTL := $(B)/dom0/keelctl
include guests/dom0/keelctl/keelctl.mk

# Host tools: the image builders ask Keel's own parser which files a keel.cfg names.
HOST_CFLAGS := -std=c11 $(WARN) -Wno-missing-prototypes -O2 -I. -D_GNU_SOURCE
CONFIG_FILES := $(B)/host/config-files

CONFIG ?= guests/configs/default.cfg
# What a configuration's image holds: the configuration, the files next to it (unless it
# was made in $(B)), the guests.
CONFIG_INPUTS = $(1) $(if $(filter $(B)/%,$(1)),,$(filter-out %.cfg,$(wildcard $(dir $(1))*))) $(GUEST_IMAGES) \
	$(CONFIG_FILES) scripts/boot-files.sh
# For real hardware: the default configuration without its emulator ports (README.md).
HARDWARE_CONFIG := $(B)/hardware.cfg
# Data files the configurations hand to guests as modules.
GUEST_DATA := $(patsubst guests/data/%,$(B)/guests/%,$(wildcard guests/data/*))

# Test beds: where `make run` boots Keel, and which `make integration BED=` may name.
BED ?= qemu
RUN_BEDS := qemu bochs bochs-amd bochs-uefi
TEST_BEDS := qemu bochs bochs-amd
ifneq ($(filter run shell,$(MAKECMDGOALS)),)
ifeq ($(filter $(BED),$(RUN_BEDS)),)
$(error BED=$(BED) is not a test bed: make run and make shell know $(RUN_BEDS))
endif
endif
ifneq ($(filter integration test fuzz-guests,$(MAKECMDGOALS)),)
ifeq ($(filter $(BED),$(TEST_BEDS)),)
$(error BED=$(BED) is not a test bed: make integration knows $(TEST_BEDS))
endif
endif

.PHONY: all deps run shell dom0 run-qemu run-bochs run-bochs-amd run-bochs-uefi debug test unit integration fuzz fuzz-smoke fuzz-guests bench bench-check bench-baseline clean FORCE
all: $(B)/esp.img $(B)/keel.iso $(B)/disk.img $(B)/esp-hardware.img $(B)/keel-hardware.iso

$(B)/core/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CORE_CFLAGS) -c -o $@ $<
$(B)/core/%.asm.o: %.asm $(wildcard arch/x86/*.inc)
	@mkdir -p $(dir $@)
	$(call say,AS,$@)
	$(Q)$(NASM) -f elf64 -g -F dwarf -I./ -o $@ $<
$(B)/core.elf: $(CORE_OBJ) linker.ld
	$(call say,LD,$@)
	$(Q)$(LD) -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T linker.ld -o $@ $(CORE_OBJ)

$(B)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(EFI_CFLAGS) -c -o $@ $<
$(B)/bootx64.so: $(EFI_OBJ)
	$(call say,LD,$@)
	$(Q)$(LD) -nostdlib -znocombreloc -shared -Bsymbolic -T /usr/lib/elf_x86_64_efi.lds \
		/usr/lib/crt0-efi-x86_64.o $(EFI_OBJ) -o $@ -L/usr/lib -lefi -lgnuefi
$(B)/BOOTX64.EFI: $(B)/bootx64.so
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

# nasm cannot read C headers: the ABI constants come from include/keel/hypercall.h.
$(B)/guests/keel_abi.inc: include/keel/hypercall.h
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)sed -n -E 's/^#define (KEEL_[A-Z0-9_]+) +(0x[0-9a-fA-F]+|[0-9]+)([^0-9a-zA-Z_].*)?$$/\1 equ \2/p' $< >$@
$(B)/guests/%16.bin: guests/test/guest16.asm $(wildcard guests/test/*.inc) $(B)/guests/keel_abi.inc
	@mkdir -p $(dir $@)
	$(call say,AS,$@)
	$(Q)$(NASM) -f bin -DVARIANT_$* -Iguests/test/ -I$(B)/guests/ -o $@ $<

$(B)/guests/%: guests/data/%
	@mkdir -p $(dir $@)
	$(call say,CP,$@)
	$(Q)cp $< $@

$(LINUX_GUEST): guests/linux/build.sh guests/linux/extract-vmlinux.py guests/linux/init guests/linux/inittab
	$(Q)guests/linux/build.sh $(B)/linux

# keelctl reads a configuration with Keel's own parser, to find the files it names.
$(KEELCTL): $(KEELCTL_SRC) $(wildcard guests/dom0/keelctl/*.h) vmm/config.c vmm/config_keys.c vmm/config.h \
		vmm/config_parser.h lib/printf.c include/keel/hypercall.h include/keel/keel_dev.h
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(CC) $(HOST_CFLAGS) -static -o $@ $(KEELCTL_SRC)

$(DOM0_GUEST): $(LINUX_GUEST) $(KEELCTL) guests/dom0/build.sh guests/dom0/init guests/dom0/driver/keel.c \
		guests/dom0/driver/Kbuild include/keel/hypercall.h include/keel/keel_dev.h
	$(Q)guests/dom0/build.sh $(B)/dom0 $(B)/linux $(KEELCTL)

$(HARDWARE_CONFIG): guests/configs/default.cfg
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)sed -E '/^(exit_port|shutdown_port) *=/d' $< >$@

$(CONFIG_FILES): scripts/config-files.c vmm/config.c vmm/config_keys.c vmm/config.h vmm/config_parser.h lib/printf.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ scripts/config-files.c vmm/config.c vmm/config_keys.c lib/printf.c

# Remembers which CONFIG the image holds, so `make run CONFIG=...` rebuilds it.
$(B)/esp.config: FORCE
	@mkdir -p $(B)
	@echo '$(CONFIG)' | cmp -s - $@ || echo '$(CONFIG)' > $@
$(B)/esp.img: $(B)/BOOTX64.EFI $(B)/core.elf $(call CONFIG_INPUTS,$(CONFIG)) $(B)/esp.config scripts/mkesp.sh
	$(Q)scripts/mkesp.sh $@ $(B) $(CONFIG)

$(B)/keel.iso: $(B)/core.elf $(call CONFIG_INPUTS,$(CONFIG)) $(B)/esp.config scripts/mkiso.sh
	$(Q)scripts/mkiso.sh $@ $(B) $(CONFIG)

$(B)/disk.img: $(B)/BOOTX64.EFI $(B)/core.elf $(call CONFIG_INPUTS,$(CONFIG)) $(B)/esp.config scripts/mkesp.sh scripts/mkdisk.sh
	$(Q)scripts/mkdisk.sh $@ $(B) $(CONFIG)

$(B)/esp-hardware.img: $(B)/BOOTX64.EFI $(B)/core.elf $(call CONFIG_INPUTS,$(HARDWARE_CONFIG)) scripts/mkesp.sh
	$(Q)scripts/mkesp.sh $@ $(B) $(HARDWARE_CONFIG)

$(B)/keel-hardware.iso: $(B)/core.elf $(call CONFIG_INPUTS,$(HARDWARE_CONFIG)) scripts/mkiso.sh
	$(Q)scripts/mkiso.sh $@ $(B) $(HARDWARE_CONFIG)

deps:
	$(Q)scripts/install-deps.sh

# The machine's memory for make run and make shell: the Linux guest's 256 MiB and its
# kernel image (a boot module of 66 MB) beside the other domains.
RUN_MEMORY ?= 1024
run: deps
	$(Q)$(MAKE) all
	$(Q)$(MAKE) run-$(BED)
# Debian's Linux with a login shell on this terminal (guests/configs/shell.cfg).
shell: deps
	$(Q)$(MAKE) all CONFIG=guests/configs/shell.cfg
	$(Q)$(MAKE) run-$(BED)
# Linux as dom0 with its shell and keelctl on this terminal (guests/configs/dom0.cfg).
dom0: deps
	$(Q)$(MAKE) all CONFIG=guests/configs/dom0.cfg
	$(Q)$(MAKE) run-$(BED)
run-qemu:
	$(Q)scripts/run-qemu.sh --memory $(RUN_MEMORY) $(B)/esp.img
run-bochs:
	$(Q)scripts/run-bochs.sh --memory $(RUN_MEMORY) $(B)/keel.iso
run-bochs-amd:
	$(Q)scripts/run-bochs.sh --memory $(RUN_MEMORY) --cpu ryzen $(B)/keel.iso
run-bochs-uefi:
	$(Q)scripts/run-bochs.sh --memory $(RUN_MEMORY) --uefi $(B)/disk.img

debug: deps
	$(Q)$(MAKE) all
	$(Q)scripts/run-qemu.sh --debug $(B)/esp.img

unit:
	$(MAKE) -C tests/unit run

# Boots run on both cores; BED=qemu limits the run to one test bed.
integration: all
	/usr/bin/python3 -m pytest -v -n 2 --durations=15 tests/integration $(if $(filter command line,$(origin BED)),--bed=$(BED))

test: deps
	$(Q)$(MAKE) all
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) integration
	$(MAKE) bench-check

# libFuzzer on every parser of untrusted bytes (tests/fuzz/): FUZZ_SECONDS each (default
# 300), two at a time; make test runs each for 20 s.
FUZZ_SECONDS ?= 300
fuzz:
	$(MAKE) -j2 -C tests/fuzz run SECONDS=$(FUZZ_SECONDS)
fuzz-smoke:
	$(MAKE) -j2 -C tests/fuzz run SECONDS=20

# The hostile guests' random campaigns (docs/security.md) at length, on every bed (or BED=):
# COUNT operations each (default 200000; make test runs each with its own short count),
# from SEED (default 1).
COUNT ?= 200000
SEED ?= 1
fuzz-guests: all
	/usr/bin/python3 -m pytest -v -n 2 tests/integration -m campaign --campaign-count=$(COUNT) \
		--campaign-seed=$(SEED) $(if $(filter command line,$(origin BED)),--bed=$(BED))

# Exit costs in instructions on the deterministic beds (docs/performance.md). bench-check
# fails when a figure is more than 2% above tests/bench-baseline.json; bench-baseline makes
# the new figures the baseline (a deliberate step, committed on its own).
bench: all
	/usr/bin/python3 scripts/bench.py
bench-check: all
	/usr/bin/python3 scripts/bench.py --check
bench-baseline: all
	/usr/bin/python3 scripts/bench.py --baseline

clean:
	rm -rf $(B)

-include $(CORE_OBJ:.o=.d) $(EFI_OBJ:.o=.d)
