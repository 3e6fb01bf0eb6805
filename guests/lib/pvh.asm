; The PVH boot stub (include/pvh.h): the ELF note that names the kernel's 32-bit entry,
; and the entry, which records the protocol and goes on in the Multiboot stubs' 32-bit
; half (multiboot_entry.asm): the machine state PVH promises is theirs, 32-bit protected
; mode, paging off, flat segments, interrupts off, with EBX the start info's address.

bits 32

%include "entry.inc"

PVH_NOTE_PHYS32_ENTRY   equ 18          ; XEN_ELFNOTE_PHYS32_ENTRY

extern multiboot_entry

; guest.ld puts it in the image's PT_NOTE segment.
section .note.Xen note alloc noexec nowrite align=4
	dd 4                    ; namesz: "Xen" and its NUL
	dd 4                    ; descsz: a 32-bit physical address
	dd PVH_NOTE_PHYS32_ENTRY
	db "Xen", 0
	dd _start

section .text
global _start
_start:
	mov dword [guest_entry_state + entry_state.protocol], PROTO_PVH
	mov dword [guest_entry_state + entry_state.flags], 0
	jmp multiboot_entry             ; MOV changes no register and no flag

section .note.GNU-stack noalloc noexec nowrite progbits
