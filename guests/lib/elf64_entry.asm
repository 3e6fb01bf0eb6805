; Entry of an elf64 guest, Keel's own protocol (include/keel/start_info.h): 64-bit mode,
; paging on with the low 4 GiB identity-mapped, interrupts off, RDI = the struct
; keel_start_info, RSP = KEEL_START_STACK_TOP. Records what it found, moves to the
; runtime's own stack and calls guest_start(). Leaves .bss alone: Keel zero-fills it.

bits 64
default rel

%include "entry.inc"

section .text
global _start
_start:
	; First the registers that the next instructions would change.
	mov [guest_entry_state + entry_state.rax], rax
	mov [guest_entry_state + entry_state.rbx], rbx
	mov [guest_entry_state + entry_state.rdi], rdi
	mov [guest_entry_state + entry_state.rsp], rsp
	lea rsp, [guest_stack + GUEST_STACK_SIZE]  ; MOV and LEA leave RFLAGS alone
	RECORD_FLAGS_CRS_SELECTORS rax
	mov dword [guest_entry_state + entry_state.protocol], PROTO_ELF64
	mov dword [guest_entry_state + entry_state.flags], 0
	cld                             ; the C ABI wants DF clear
	xor ebp, ebp
	call guest_start                ; RSP is 16-byte aligned here, as the ABI wants
.hang:
	cli
	hlt
	jmp .hang

section .note.GNU-stack noalloc noexec nowrite progbits
