; The runtime's exception and interrupt entry points (guests/lib/traps.c): one stub per
; vector 0-255.
; The CPU pushes an error code for some vectors (SDM Vol. 3A §6.15); the others push 0, so
; every frame looks alike: vector, error code, then what the CPU pushed (RIP, CS, RFLAGS,
; RSP, SS). guest_trap() may change the saved RIP; IRETQ resumes there.

bits 64
default rel

section .text
extern guest_trap
global guest_trap_stubs

%macro STUB 1
align 16
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
	push qword %1                   ; the CPU pushed the error code
%else
	push qword 0                    ; no error code: a 0 in its place
	push qword %1
%endif
	jmp trap_common
%endmacro

align 16
guest_trap_stubs:                       ; stub v is at guest_trap_stubs + 16 * v
%assign v 0
%rep 256
	STUB v
%assign v v + 1
%endrep

trap_common:
	push rbx
	push rax
	push rcx
	push rdx
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	lea rdi, [rsp + 10 * 8]         ; the frame: vector, error code, RIP ...
	mov rbx, rsp                    ; RBX survives the call (and was saved above)
	and rsp, -16                    ; the C ABI's alignment
	call guest_trap
	mov rsp, rbx
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rax
	pop rbx
	add rsp, 16                     ; vector and error code
	iretq

section .note.GNU-stack noalloc noexec nowrite progbits
