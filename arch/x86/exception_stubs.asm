; Entry stubs for CPU exceptions 0-31. Each pushes a uniform frame (a zero where the CPU
; pushes no error code; SDM vol.3 §6.13) and the vector, saves the general registers and
; calls exception_handle(struct exception_frame *), which stops Keel unless the exception
; was expected there (arch/x86/extable.h); then it restores every register and returns to
; the frame's RIP, which exception_handle may have changed. The IDT sends vector 2, the
; NMI, to interrupt_stubs.asm instead.
bits 64
default rel

extern exception_handle

%include "arch/x86/saved_registers.inc"

%macro STUB 1
stub_%1:
%if %1 != 8 && %1 != 10 && %1 != 11 && %1 != 12 && %1 != 13 && %1 != 14 && %1 != 17 && %1 != 21 && %1 != 29 && %1 != 30
	push qword 0             ; no error code for this vector
%endif
	push qword %1
	jmp exception_common
%endmacro

section .text
%assign v 0
%rep 32
	STUB v
%assign v v+1
%endrep

exception_common:
	PUSH_CALLER_SAVED
	PUSH_CALLEE_SAVED
	mov rdi, rsp
	mov rbx, rsp             ; callee-saved: the frame, after the call
	and rsp, -16
	call exception_handle
	mov rsp, rbx
	POP_CALLEE_SAVED
	POP_CALLER_SAVED
	add rsp, 16              ; the vector and the error code
	iretq

section .rodata
global exception_stubs
%macro STUB_ADDRESS 1
	dq stub_%1
%endmacro
exception_stubs:
%assign v 0
%rep 32
	STUB_ADDRESS v
%assign v v+1
%endrep
