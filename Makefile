# Keel — build, run and test. See README.md.
#   make            build the hypervisor, its UEFI loader, the test guests and build/esp.img
#   make run        install what is missing, build, boot Keel and its default guests in QEMU
#                   (BED=bochs: in Bochs on an Intel CPU, through GRUB and Multiboot2;
#                    BED=bochs-uefi: in Bochs through OVMF and the UEFI loader, slower)
#   make debug      the same machine, paused, with a GDB server (docs/debugging.md)
#   make test       install what is missing, build, run unit and integration tests
B := build
CC := gcc
NASM := nasm
LD := ld
OBJCOPY := objcopy

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# The core: freestanding, no SSE (guest state lives in those registers), no red zone
# (interrupts use the current stack), linked at fixed physical addresses (linker.ld).
CORE_CFLAGS := -std=c11 $(WARN) -O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-omit-frame-pointer \
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

# Test guests: one source per mode, one image per variant (see guests/test/README.md).
GUESTS64 := hello oob triple unknown
GUESTS16 := hello oob
GUEST_IMAGES := $(patsubst %,$(B)/guests/%64.elf,$(GUESTS64)) $(patsubst %,$(B)/guests/%16.bin,$(GUESTS16))

CONFIG ?= guests/configs/default.cfg
BED ?= qemu

.PHONY: all deps run run-qemu run-bochs run-bochs-uefi debug test unit integration clean FORCE
all: $(B)/esp.img $(B)/keel.iso $(B)/disk.img

$(B)/core/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c -o $@ $<
$(B)/core/%.asm.o: %.asm $(wildcard arch/x86/*.inc)
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -I./ -o $@ $<
$(B)/core.elf: $(CORE_OBJ) linker.ld
	$(LD) -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T linker.ld -o $@ $(CORE_OBJ)

$(B)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c -o $@ $<
$(B)/bootx64.so: $(EFI_OBJ)
	$(LD) -nostdlib -znocombreloc -shared -Bsymbolic -T /usr/lib/elf_x86_64_efi.lds \
		/usr/lib/crt0-efi-x86_64.o $(EFI_OBJ) -o $@ -L/usr/lib -lefi -lgnuefi
$(B)/BOOTX64.EFI: $(B)/bootx64.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

$(B)/guests/%64.elf: guests/test/guest64.asm $(wildcard guests/test/*.inc)
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -DVARIANT_$* -Iguests/test/ -o $(B)/guests/$*64.o $<
	$(LD) -m elf_x86_64 -n -nostdlib -static --build-id=none -Ttext=0x100000 -e start -o $@ $(B)/guests/$*64.o
$(B)/guests/%16.bin: guests/test/guest16.asm $(wildcard guests/test/*.inc)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -DVARIANT_$* -Iguests/test/ -o $@ $<

# Remembers which CONFIG the image holds, so `make run CONFIG=...` rebuilds it.
$(B)/esp.config: FORCE
	@mkdir -p $(B)
	@echo '$(CONFIG)' | cmp -s - $@ || echo '$(CONFIG)' > $@
$(B)/esp.img: $(B)/BOOTX64.EFI $(B)/core.elf $(GUEST_IMAGES) $(CONFIG) $(B)/esp.config scripts/mkesp.sh
	scripts/mkesp.sh $@ $(B) $(CONFIG)

$(B)/keel.iso: $(B)/core.elf $(GUEST_IMAGES) $(CONFIG) $(B)/esp.config scripts/mkiso.sh
	scripts/mkiso.sh $@ $(B) $(CONFIG)

$(B)/disk.img: $(B)/BOOTX64.EFI $(B)/core.elf $(GUEST_IMAGES) $(CONFIG) $(B)/esp.config scripts/mkesp.sh scripts/mkdisk.sh
	scripts/mkdisk.sh $@ $(B) $(CONFIG)

deps:
	scripts/install-deps.sh

run: deps
	$(MAKE) all
	$(MAKE) run-$(BED)
run-qemu:
	scripts/run-qemu.sh $(B)/esp.img
run-bochs:
	scripts/run-bochs.sh $(B)/keel.iso
run-bochs-uefi:
	scripts/run-bochs.sh --uefi $(B)/disk.img

debug: deps
	$(MAKE) all
	scripts/run-qemu.sh --debug $(B)/esp.img

unit:
	$(MAKE) -C tests/unit run

# Boots run on both cores; BED=qemu limits the run to one test bed.
integration: all
	/usr/bin/python3 -m pytest -v -n 2 tests/integration $(if $(filter command line,$(origin BED)),--bed=$(BED))

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration

clean:
	rm -rf $(B)

-include $(CORE_OBJ:.o=.d) $(EFI_OBJ:.o=.d)
