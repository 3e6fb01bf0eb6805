; The Multiboot 1 header and entry (Multiboot 0.6.96 §3.1). Assembled twice: as is, the
; loader takes the image from its ELF program headers; with -DAOUT_KLUDGE (flag 16) it
; takes it from the address fields (§3.1.3), for the flat binary bootcheck-mb1k.bin.
; Constants as in include/multiboot1.h.

bits 32

%include "entry.inc"

MB1_HEADER_MAGIC        equ 0x1badb002
MB1_PAGE_ALIGN          equ 1 << 0      ; modules page-aligned
MB1_MEMORY_INFO         equ 1 << 1      ; mem_* and the memory map, please
MB1_AOUT_KLUDGE         equ 1 << 16     ; the address fields are valid

%ifdef AOUT_KLUDGE
MB1_FLAGS               equ MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_AOUT_KLUDGE
%else
MB1_FLAGS               equ MB1_PAGE_ALIGN | MB1_MEMORY_INFO
%endif

extern multiboot_entry
%ifdef AOUT_KLUDGE
extern guest_image_start, guest_load_end, guest_bss_end
%endif

; First in the image (guest.ld): within the file's first 8 KiB, 4-byte aligned (§3.1.1).
section .multiboot progbits alloc noexec nowrite align=4
multiboot1_header:
	dd MB1_HEADER_MAGIC
	dd MB1_FLAGS
	dd -(MB1_HEADER_MAGIC + MB1_FLAGS)      ; magic + flags + checksum = 0 (mod 2^32)
%ifdef AOUT_KLUDGE
	dd multiboot1_header    ; header_addr: where this header lands in memory
	dd guest_image_start    ; load_addr: where the file's first byte lands
	dd guest_load_end       ; load_end_addr: end of .data, which is the end of the file
	dd guest_bss_end        ; bss_end_addr: the loader zero-fills up to here
	dd _start               ; entry_addr
%endif

section .text
global _start
_start:
	mov dword [guest_entry_state + entry_state.protocol], PROTO_MULTIBOOT1
	mov dword [guest_entry_state + entry_state.flags], 0
	jmp multiboot_entry             ; MOV changes no register and no flag

section .note.GNU-stack noalloc noexec nowrite progbits
