; The core's 64-bit entry. A loader jumps here in long mode with RDI = struct boot_info *,
; interrupts off, on its own (soon freed) stack and page tables. The UEFI loader zeroes .bss.
bits 64
default rel

section .text.entry
global core_entry
extern core_start_uefi

core_entry:
	cli
	cld
	lea rsp, [boot_stack_top]
	xor rbp, rbp
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
