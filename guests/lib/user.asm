; Entering and leaving CPL 3 for guests/lib/user.c.

bits 64
default rel

section .text
global guest_user_enter
global guest_user_leave
global guest_user_trampoline
global guest_user_trampoline_end
extern guest_user_call

section .bss
kernel_rsp: resq 1                      ; the stack guest_user_enter left from

section .text
; long guest_user_enter(uint64_t rip, uint64_t rsp, uint16_t cs, uint16_t ss, uint64_t rflags)
; Keeps the callee-saved registers and the stack pointer, then IRETQs to CPL 3.
; guest_user_leave comes back here.
guest_user_enter:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov [kernel_rsp], rsp
	movzx ecx, cx
	push rcx                        ; SS
	push rsi                        ; RSP
	push r8                         ; RFLAGS
	movzx edx, dx
	push rdx                        ; CS
	push rdi                        ; RIP
	iretq

; _Noreturn void guest_user_leave(long value): from an exception handler at CPL 0, on the
; TSS's stack; that frame is dropped, and guest_user_enter returns value.
guest_user_leave:
	mov rax, rdi
	mov rsp, [kernel_rsp]
	mov ecx, 0x10                   ; the kernel's data segment (user.c's GDT)
	mov ds, ecx
	mov es, ecx
	mov ss, ecx
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; At CPL 3: calls the user function through guest_user_call, then UD2, which user.c takes
; as its return.
guest_user_trampoline:
	call guest_user_call
	ud2
guest_user_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
