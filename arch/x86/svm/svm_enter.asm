; void svm_enter(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_state_pa)
; Runs the guest once. gprs holds the guest's 16 general registers by encoding; RAX and RSP
; travel in the VMCB instead. VMRUN itself saves and restores only part of the host state
; (APM vol.2 §15.5.1); FS, GS, TR, LDTR and the syscall MSRs are swapped with VMLOAD/VMSAVE,
; the host's own copy living at host_state_pa. GIF stays clear from before VMRUN until the
; host state is whole again, so no interrupt or NMI sees half-switched state.
bits 64
default rel

section .text
global svm_enter

%define GPR(n) [rax + (n) * 8]

svm_enter:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	push rdx                 ; [rsp + 16] host state
	push rsi                 ; [rsp + 8]  guest GPRs
	push rdi                 ; [rsp + 0]  VMCB

	clgi
	mov rax, rsi
	mov rcx, GPR(1)
	mov rdx, GPR(2)
	mov rbx, GPR(3)
	mov rbp, GPR(5)
	mov rsi, GPR(6)
	mov rdi, GPR(7)
	mov r8,  GPR(8)
	mov r9,  GPR(9)
	mov r10, GPR(10)
	mov r11, GPR(11)
	mov r12, GPR(12)
	mov r13, GPR(13)
	mov r14, GPR(14)
	mov r15, GPR(15)
	mov rax, [rsp]
	vmload                  ; address in RAX
	vmrun                   ; address in RAX
	vmsave                  ; RAX is the host's again: the VMCB address

	mov rax, [rsp + 8]
	mov GPR(1), rcx
	mov GPR(2), rdx
	mov GPR(3), rbx
	mov GPR(5), rbp
	mov GPR(6), rsi
	mov GPR(7), rdi
	mov GPR(8), r8
	mov GPR(9), r9
	mov GPR(10), r10
	mov GPR(11), r11
	mov GPR(12), r12
	mov GPR(13), r13
	mov GPR(14), r14
	mov GPR(15), r15
	mov rax, [rsp + 16]
	vmload                  ; address in RAX
	stgi

	add rsp, 24
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret
