# The C test guests (guests/test/README.md) on their runtime, guests/lib/. Included from
# the top Makefile, run from the repository's top; it defines B, CC, NASM, LD, OBJCOPY.
# Objects go to $(B)/guests/obj/<source path>.o, images to $(B)/guests/.

C_GUEST_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-mcmodel=small -fno-asynchronous-unwind-tables -I. -MMD -MP
C_GUEST_NASMFLAGS := -f elf64 -g -F dwarf -Iguests/lib/
C_GUEST_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--build-id=none -T guests/lib/guest.ld
C_GUEST_OBJ_DIR := $(B)/guests/obj

# The runtime: guests/lib/ and, compiled again with these flags, three files of lib/.
C_GUEST_LIB_SRC := $(wildcard guests/lib/*.c) lib/printf.c lib/string.c lib/memory.c lib/calendar.c
C_GUEST_LIB_OBJ := $(patsubst %.c,$(C_GUEST_OBJ_DIR)/%.o,$(C_GUEST_LIB_SRC)) $(C_GUEST_OBJ_DIR)/guests/lib/traps.asm.o \
	$(C_GUEST_OBJ_DIR)/guests/lib/user.asm.o

# Boot stubs: one per protocol; Multiboot 1 and 2 share multiboot_entry.asm.
C_GUEST_STUB_ELF64 := $(C_GUEST_OBJ_DIR)/guests/lib/elf64_entry.asm.o
C_GUEST_STUB_MB := $(C_GUEST_OBJ_DIR)/guests/lib/multiboot_entry.asm.o
C_GUEST_STUB_MB1 := $(C_GUEST_OBJ_DIR)/guests/lib/multiboot1.asm.o $(C_GUEST_STUB_MB)
C_GUEST_STUB_MB1K := $(C_GUEST_OBJ_DIR)/guests/lib/multiboot1-kludge.asm.o $(C_GUEST_STUB_MB)
C_GUEST_STUB_MB2 := $(C_GUEST_OBJ_DIR)/guests/lib/multiboot2.asm.o $(C_GUEST_STUB_MB)
C_GUEST_STUB_MB2E := $(C_GUEST_OBJ_DIR)/guests/lib/multiboot2-entry-tag.asm.o $(C_GUEST_STUB_MB)
C_GUEST_STUB_PVH := $(C_GUEST_OBJ_DIR)/guests/lib/pvh.asm.o $(C_GUEST_STUB_MB)

C_GUEST_IMAGES := $(addprefix $(B)/guests/, \
	hello-elf64.elf hello-mb1.elf hello-mb2.elf \
	bootcheck-elf64.elf bootcheck-mb1.elf bootcheck-mb1k.bin bootcheck-mb2.elf bootcheck-mb1low.elf bootcheck-pvh.elf \
	hcabuse.elf lifecycle.elf faults.elf instructions.elf msrs.elf leak.elf spin.elf sleep.elf bench.elf \
	canary.elf ports.elf crashme.elf crdr.elf sstep.elf deadline.elf flood.elf mmio.elf apic.elf platform.elf \
	irqchaos.elf probe.elf echo.elf kvmclock.elf domctl.elf)

.PHONY: c-guests
c-guests: $(C_GUEST_IMAGES)

$(C_GUEST_OBJ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(C_GUEST_CFLAGS) -c -o $@ $<

# nasm's -MD leaves %include files out of its list (2.16), so they are named here.
$(C_GUEST_OBJ_DIR)/%.asm.o: %.asm $(wildcard guests/lib/*.inc)
	@mkdir -p $(dir $@)
	$(call say,AS,$@)
	$(Q)$(NASM) $(C_GUEST_NASMFLAGS) -o $@ $<
$(C_GUEST_OBJ_DIR)/guests/lib/multiboot1-kludge.asm.o: guests/lib/multiboot1.asm $(wildcard guests/lib/*.inc)
	@mkdir -p $(dir $@)
	$(call say,AS,$@)
	$(Q)$(NASM) $(C_GUEST_NASMFLAGS) -DAOUT_KLUDGE -o $@ $<
$(C_GUEST_OBJ_DIR)/guests/lib/multiboot2-entry-tag.asm.o: guests/lib/multiboot2.asm $(wildcard guests/lib/*.inc)
	@mkdir -p $(dir $@)
	$(call say,AS,$@)
	$(Q)$(NASM) $(C_GUEST_NASMFLAGS) -DENTRY_TAG -o $@ $<

# $(call c_guest_link,output,program,stub objects[,linker flags]): one ELF64 linked at 1 MiB
# (or where the flags, which come before the script, say).
define c_guest_link
$(1): $(C_GUEST_OBJ_DIR)/guests/test/$(2).o $(3) $(C_GUEST_LIB_OBJ) guests/lib/guest.ld
	@mkdir -p $$(dir $$@)
	$$(call say,LD,$$@)
	$$(Q)$(LD) $(4) $(C_GUEST_LDFLAGS) -o $$@ $(3) $(C_GUEST_OBJ_DIR)/guests/test/$(2).o $(C_GUEST_LIB_OBJ)
endef

$(eval $(call c_guest_link,$(B)/guests/hello-elf64.elf,hello,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(C_GUEST_OBJ_DIR)/hello-mb1.elf64,hello,$(C_GUEST_STUB_MB1)))
$(eval $(call c_guest_link,$(B)/guests/hello-mb2.elf,hello,$(C_GUEST_STUB_MB2)))
$(eval $(call c_guest_link,$(B)/guests/bootcheck-elf64.elf,bootcheck,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(C_GUEST_OBJ_DIR)/bootcheck-mb1.elf64,bootcheck,$(C_GUEST_STUB_MB1)))
$(eval $(call c_guest_link,$(C_GUEST_OBJ_DIR)/bootcheck-mb1k.elf,bootcheck,$(C_GUEST_STUB_MB1K)))
# Its first segment at 0x8000, in the PC's low memory, as GRUB and QEMU load some kernels.
$(eval $(call c_guest_link,$(C_GUEST_OBJ_DIR)/bootcheck-mb1low.elf64,bootcheck,$(C_GUEST_STUB_MB1),--defsym=guest_link_base=0x8000))
$(eval $(call c_guest_link,$(B)/guests/bootcheck-mb2.elf,bootcheck,$(C_GUEST_STUB_MB2E)))
$(eval $(call c_guest_link,$(B)/guests/bootcheck-pvh.elf,bootcheck,$(C_GUEST_STUB_PVH)))
$(eval $(call c_guest_link,$(B)/guests/kvmclock.elf,kvmclock,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/hcabuse.elf,hcabuse,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/lifecycle.elf,lifecycle,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/faults.elf,faults,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/instructions.elf,instructions,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/msrs.elf,msrs,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/leak.elf,leak,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/spin.elf,spin,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/sleep.elf,sleep,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/bench.elf,bench,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/canary.elf,canary,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/ports.elf,ports,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/crashme.elf,crashme,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/crdr.elf,crdr,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/sstep.elf,sstep,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/deadline.elf,deadline,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/flood.elf,flood,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/mmio.elf,mmio,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/apic.elf,apic,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/platform.elf,platform,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/probe.elf,probe,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/irqchaos.elf,irqchaos,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/echo.elf,echo,$(C_GUEST_STUB_ELF64)))
$(eval $(call c_guest_link,$(B)/guests/domctl.elf,domctl,$(C_GUEST_STUB_ELF64)))

# Multiboot 1 kernels as ELF32 (EM_386), as GRUB's multiboot command and QEMU -kernel take
# them: the same image, its headers rewritten by objcopy (addresses are below 4 GiB). The
# DWARF of a 64-bit link does not carry over, so it is left out.
$(B)/guests/hello-mb1.elf: $(C_GUEST_OBJ_DIR)/hello-mb1.elf64
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O elf32-i386 --strip-debug $< $@
$(B)/guests/bootcheck-mb1.elf: $(C_GUEST_OBJ_DIR)/bootcheck-mb1.elf64
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O elf32-i386 --strip-debug $< $@
$(B)/guests/bootcheck-mb1low.elf: $(C_GUEST_OBJ_DIR)/bootcheck-mb1low.elf64
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O elf32-i386 --strip-debug $< $@

# The a.out kludge: a flat binary from 1 MiB to the end of .data; its Multiboot header's
# address fields say where it goes and how much .bss follows.
$(B)/guests/bootcheck-mb1k.bin: $(C_GUEST_OBJ_DIR)/bootcheck-mb1k.elf
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(C_GUEST_LIB_OBJ:.o=.d) $(patsubst %.c,$(C_GUEST_OBJ_DIR)/%.d,$(wildcard guests/test/*.c))
