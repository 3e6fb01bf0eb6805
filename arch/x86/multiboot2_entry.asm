; The Multiboot2 entry (Multiboot2 spec §3.1), used by GRUB 2 on BIOS machines and the Bochs
; test bed. GRUB loads core.elf's segments at their physical addresses and jumps to the
; entry-address tag's address in 32-bit protected mode, paging off, EAX = the Multiboot2
; magic, EBX = the boot information. This stub loads its own GDT and a 32-bit IDT, whose
; handlers say on COM1 which exception came where, checks that the CPU has long mode (one
; without it is told so on COM1), builds a temporary identity map of the low 4 GiB, enters
; long mode (SDM vol.3 §10.8.5), loads Keel's GDT and IDT and calls multiboot2_start(mbi)
; in C. From its first instructions on, an exception is reported, never a silent reset.
; (The UEFI loader ignores all this and enters at core_entry, already in long mode.)

MB2_MAGIC      equ 0xe85250d6
MB2_ARCH_I386  equ 0
MB2_BOOTED     equ 0x36d76289 ; what the loader leaves in EAX
MB2_TAG_ENTRY  equ 3
MB2_TAG_END    equ 0

section .multiboot
align 8
mb2_header:
	dd MB2_MAGIC, MB2_ARCH_I386, mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
align 8
	dw MB2_TAG_ENTRY, 0
	dd 12
	dd multiboot2_entry
align 8
	dw MB2_TAG_END, 0
	dd 8
mb2_header_end:

PTE_P_RW  equ 0x003
PTE_LARGE equ 0x083
CR4_PAE   equ 1 << 5
EFER      equ 0xc0000080
EFER_LME  equ 1 << 8
CR0_PE_PG equ (1 << 0) | (1 << 31)
CPUID_EXT_LM equ 1 << 29          ; CPUID 0x80000001:EDX, long mode
COM1      equ 0x3f8               ; 115200 8N1, as drivers/serial.c sets it

MB2_CODE64 equ 0x08                ; mb2_gdt's selectors
MB2_DATA   equ 0x10
MB2_CODE32 equ 0x18

section .text
bits 32
global multiboot2_entry
extern multiboot2_start, gdt_init, idt_init
extern boot_stack_top

multiboot2_entry:
	cli
	cld
	mov edi, eax                      ; the loader's magic
	mov esi, ebx                      ; the boot information
	; Keel's own GDT, a stack and a 32-bit IDT before anything else: the loader's GDT is
	; not Keel's to keep (Multiboot2 spec §3.3 defines only the segments' bases and
	; limits), and without an IDT any exception would reset the machine without a word.
	lgdt [mb2_gdt_pointer]
	jmp MB2_CODE32:.flat
.flat:
	mov eax, MB2_DATA
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov esp, boot_stack_top
	xor ecx, ecx
.gate:                                    ; 32-bit interrupt gates (SDM vol.3 §6.11)
	mov eax, [fault32_stubs + ecx * 4]
	mov [mb2_idt + ecx * 8], ax
	mov word [mb2_idt + ecx * 8 + 2], MB2_CODE32
	mov word [mb2_idt + ecx * 8 + 4], 0x8e00 ; present, DPL 0, 32-bit interrupt gate
	shr eax, 16
	mov [mb2_idt + ecx * 8 + 6], ax
	inc ecx
	cmp ecx, 32
	jne .gate
	lidt [mb2_idt_pointer]
global mb2_idt_loaded
mb2_idt_loaded:                           ; from here on an exception is reported (a test stops here)
	cmp edi, MB2_BOOTED
	jne halt32
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, CPUID_EXT_LM
	jz .no_long_mode

	; PML4[0] -> PDPT, PDPT[0..3] -> four PDs of 2 MiB pages: 0 - 4 GiB identity.
	mov dword [mb2_pml4], mb2_pdpt + PTE_P_RW
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, mb2_pd + PTE_P_RW
	mov [mb2_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jne .pdpt
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_LARGE
	mov [mb2_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11                       ; bits 32+ of (ecx << 21)
	mov [mb2_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 4 * 512
	jne .pd

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, mb2_pml4
	mov cr3, eax
	mov ecx, EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PE_PG
	mov cr0, eax
	jmp MB2_CODE64:long_mode

.no_long_mode:
	call serial32_init
	mov esi, no_long_mode_text
	call print32
halt32:
	cli
	hlt
	jmp halt32

; An exception in the 32-bit code above: its vector, error code (0 where the CPU pushes
; none) and EIP on COM1, as exceptions.c says them in 64-bit mode, then a halt.
%macro FAULT32 1
fault32_%1:
%if %1 != 8 && %1 != 10 && %1 != 11 && %1 != 12 && %1 != 13 && %1 != 14 && %1 != 17 && %1 != 21 && %1 != 29 && %1 != 30
	push dword 0
%endif
	push dword %1
	jmp fault32
%endmacro
%assign v 0
%rep 32
	FAULT32 v
%assign v v+1
%endrep

fault32:                                  ; [esp] vector, [esp + 4] error code, [esp + 8] EIP
	call serial32_init
	mov esi, fault32_text
	call print32
	mov eax, [esp]
	mov ecx, 2
	call hex32
	mov esi, fault32_error_code
	call print32
	mov eax, [esp + 4]
	mov ecx, 8
	call hex32
	mov esi, fault32_eip
	call print32
	mov eax, [esp + 8]
	mov ecx, 8
	call hex32
	mov esi, fault32_stopped
	call print32
	jmp halt32

serial32_init:                            ; 115200 8N1, as drivers/serial.c sets it
	mov dx, COM1 + 3
	mov al, 0x80                      ; DLAB: the divisor follows
	out dx, al
	mov dx, COM1
	mov al, 1
	out dx, al
	inc dx
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 3
	out dx, al
	ret

putc32:                                   ; AL, once the transmitter has room (LSR bit 5)
	push edx
	push eax
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop eax
	mov dx, COM1
	out dx, al
	pop edx
	ret

print32:                                  ; the NUL-terminated string at ESI
	lodsb
	test al, al
	jz .done
	call putc32
	jmp print32
.done:
	ret

hex32:                                    ; the low ECX hexadecimal digits of EAX
	push ebx
	mov ebx, eax
.digit:
	dec ecx
	mov eax, ebx
	push ecx
	shl ecx, 2
	shr eax, cl
	pop ecx
	and eax, 0xf
	mov al, [hex_digits + eax]
	call putc32
	test ecx, ecx
	jnz .digit
	pop ebx
	ret

bits 64
long_mode:
	mov eax, MB2_DATA
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov rsp, boot_stack_top
	mov ebx, esi                      ; the boot information, kept across the calls
	call gdt_init                     ; Keel's GDT and 64-bit IDT, as the UEFI entry does
	call idt_init
	mov edi, ebx                      ; multiboot2_start(boot information address)
	call multiboot2_start
.hang:
	hlt
	jmp .hang

section .rodata
; The refusal and Keel's exit status line (docs/architecture.md), as the C code would print
; them; the exit ports are not known before keel.cfg is read.
no_long_mode_text:
	db 13, 10, "[error] Keel cannot run on this CPU: it has no long mode (64-bit mode, CPUID 0x80000001 EDX bit 29).", 13, 10
	db "Keel exit status 2", 13, 10, 0
fault32_text:
	db 13, 10, "[error] CPU exception 0x", 0
fault32_error_code:
	db " in Keel's 32-bit Multiboot2 entry, error code 0x", 0
fault32_eip:
	db ", eip 0x", 0
fault32_stopped:
	db 13, 10, "[error] Keel stopped.", 13, 10, "Keel exit status 1", 13, 10, 0
hex_digits:
	db "0123456789abcdef"
fault32_stubs:
%assign v 0
%rep 32
	dd fault32_ %+ v
%assign v v+1
%endrep
align 8
mb2_gdt:
	dq 0
	dq 0x00af9a000000ffff             ; 0x08: 64-bit code
	dq 0x00cf92000000ffff             ; 0x10: data
	dq 0x00cf9a000000ffff             ; 0x18: 32-bit code
mb2_gdt_pointer:
	dw mb2_gdt_pointer - mb2_gdt - 1
	dd mb2_gdt
mb2_idt_pointer:
	dw 32 * 8 - 1
	dd mb2_idt

section .bss
alignb 8
mb2_idt:  resb 32 * 8
alignb 4096
mb2_pml4: resb 4096
mb2_pdpt: resb 4096
mb2_pd:   resb 4 * 4096
