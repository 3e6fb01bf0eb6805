; The Multiboot2 header and entry (Multiboot2 §3.1). Assembled twice: as is, the loader
; starts the kernel at its ELF entry; with -DENTRY_TAG the header has an entry address
; tag (§3.1.6) naming another label, and the entry state says which one ran.
; Constants as in include/multiboot2.h.

bits 32

%include "entry.inc"

MB2_HEADER_MAGIC        equ 0xe85250d6
MB2_ARCH_I386           equ 0
MB2_TAG_END             equ 0
MB2_TAG_INFO_REQUEST    equ 1
MB2_TAG_ENTRY_ADDRESS   equ 3
MB2_HEADER_LENGTH       equ multiboot2_header_end - multiboot2_header

extern multiboot_entry

; First in the image (guest.ld): within the file's first 32 KiB, 8-byte aligned (§3.1.1).
section .multiboot progbits alloc noexec nowrite align=8
multiboot2_header:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd MB2_HEADER_LENGTH
	dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + MB2_HEADER_LENGTH)  ; the four sum to 0
.info_request:                  ; §3.1.4; flags 0: required, not optional
	dw MB2_TAG_INFO_REQUEST, 0
	dd .info_request_end - .info_request
	dd 1                    ; command line
	dd 2                    ; boot loader name
	dd 3                    ; modules
	dd 4                    ; basic memory information
	dd 6                    ; memory map
.info_request_end:
	align 8, db 0           ; tags are 8-byte aligned (§3.1.3)
%ifdef ENTRY_TAG
	dw MB2_TAG_ENTRY_ADDRESS, 0
	dd 12
	dd entry_via_tag
	align 8, db 0
%endif
	dw MB2_TAG_END, 0
	dd 8
multiboot2_header_end:

section .text
global _start
_start:                         ; the ELF entry point
%ifdef ENTRY_TAG
	; A loader that honours the entry address tag never comes here.
	mov dword [guest_entry_state + entry_state.flags], ENTRY_HAS_ENTRY_TAG
	jmp common_entry
entry_via_tag:
	mov dword [guest_entry_state + entry_state.flags], ENTRY_HAS_ENTRY_TAG | ENTRY_VIA_ENTRY_TAG
%else
	mov dword [guest_entry_state + entry_state.flags], 0
%endif
common_entry:
	mov dword [guest_entry_state + entry_state.protocol], PROTO_MULTIBOOT2
	jmp multiboot_entry             ; MOV and JMP change no register and no flag

section .note.GNU-stack noalloc noexec nowrite progbits
