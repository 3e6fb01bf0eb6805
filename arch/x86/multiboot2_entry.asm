; The Multiboot2 entry (Multiboot2 spec §3.1), used by GRUB 2 on BIOS machines and the Bochs
; test bed. GRUB loads core.elf's segments at their physical addresses and jumps to the
; entry-address tag's address in 32-bit protected mode, paging off, EAX = the Multiboot2
; magic, EBX = the boot information. This stub checks that the CPU has long mode, builds a
; temporary identity map of the low 4 GiB, enters long mode (SDM vol.3 §10.8.5) and calls
; multiboot2_start(mbi) in C, which loads Keel's IDT first thing. No IDT of Keel's is in
; force here: the check comes before the only instructions that could fault (a CPU without
; long mode raises #GP for EFER.LME), and a CPU without it is told so on COM1.
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

section .text
bits 32
global multiboot2_entry
extern multiboot2_start
extern boot_stack_top

multiboot2_entry:
	cli
	cld
	cmp eax, MB2_BOOTED
	jne .not_multiboot2
	mov esi, ebx                      ; keep the boot information pointer
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
	lgdt [mb2_gdt_pointer]
	jmp 0x08:.long_mode

.no_long_mode:
	mov dx, COM1 + 3                  ; LCR: DLAB, then divisor 1, then 8N1
	mov al, 0x80
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
	mov esi, no_long_mode_text
.next_char:
	mov dx, COM1 + 5                  ; LSR: wait for THRE
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	lodsb
	test al, al
	jz .not_multiboot2
	mov dx, COM1
	out dx, al
	jmp .next_char
.not_multiboot2:
	hlt
	jmp .not_multiboot2

bits 64
.long_mode:
	mov eax, 0x10
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov rsp, boot_stack_top
	mov edi, esi                      ; multiboot2_start(boot information address)
	call multiboot2_start
.hang:
	hlt
	jmp .hang

section .rodata
; The refusal and Keel's exit status line (docs/architecture.md), as the C code would print
; them; the exit ports are not known before keel.cfg is read.
no_long_mode_text:
	db 10, "[error] Keel cannot run on this CPU: it has no long mode (64-bit mode, CPUID 0x80000001 EDX bit 29).", 10
	db "Keel exit status 2", 10, 0
align 8
mb2_gdt:
	dq 0
	dq 0x00af9a000000ffff             ; 0x08: 64-bit code
	dq 0x00cf92000000ffff             ; 0x10: data
mb2_gdt_pointer:
	dw mb2_gdt_pointer - mb2_gdt - 1
	dd mb2_gdt

section .bss
alignb 4096
mb2_pml4: resb 4096
mb2_pdpt: resb 4096
mb2_pd:   resb 4 * 4096
