; The core's 64-bit entry. A loader jumps here in long mode with RDI = struct boot_info *,
; interrupts off, on its own (soon freed) stack and page tables. The UEFI loader zeroes .bss.
; Keel's own GDT and IDT come first, so that from here on every exception in Keel is
; reported (arch/x86/exceptions.c) rather than left to the firmware's handlers.
bits 64
default rel

section .text.entry
global core_entry
extern core_start_uefi, gdt_init, idt_init

core_entry:
	cli
	cld
	lea rsp, [boot_stack_top]
	xor rbp, rbp
	mov rbx, rdi             ; callee-saved across the calls
	call gdt_init
	call idt_init
	mov rdi, rbx
	call core_start_uefi     ; never returns
.hang:
	hlt
	jmp .hang

section .bss
align 16
global boot_stack_top
boot_stack:
	resb 32768
boot_stack_top:
