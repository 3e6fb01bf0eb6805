; Entry stubs for the interrupts Keel takes (the vectors of arch/x86/interrupts.h): each saves the registers
; a C function may change, calls host_interrupt(vector) on an aligned stack and returns with
; IRETQ, which also ends the NMI's blocking of further NMIs (SDM vol.3 §6.7.1).
bits 64
default rel

extern host_interrupt

%include "arch/x86/saved_registers.inc"

%macro STUB 2
global %1
%1:
	PUSH_CALLER_SAVED
	push rbp
	mov rbp, rsp
	and rsp, -16
	mov edi, %2
	call host_interrupt
	mov rsp, rbp
	pop rbp
	POP_CALLER_SAVED
	iretq
%endmacro

section .text
STUB interrupt_nmi, 2
STUB interrupt_timer, 0xf0
STUB interrupt_spurious, 0xff
