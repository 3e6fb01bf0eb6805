; int vmx_enter(uint64_t *gprs, int launched)
; Runs the guest of the current VMCS once. gprs holds its 16 general registers by encoding
; (RSP travels in the VMCS instead). At a VM exit the CPU loads the host state of the VMCS
; (SDM vol.3 §29.5): RSP and RIP as written here, so execution goes on at .exited with the
; stack as it was at entry. Returns 0 after an exit, 1 if VMLAUNCH/VMRESUME failed.
bits 64
default rel

VMCS_HOST_RSP equ 0x6c14
VMCS_HOST_RIP equ 0x6c16

section .text
global vmx_enter

%define GPR(n) [rax + (n) * 8]

vmx_enter:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	push rdi                     ; [rsp]: the guest GPRs, found again at the exit
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	mov rax, VMCS_HOST_RIP
	lea rdx, [.exited]
	vmwrite rax, rdx

	test esi, esi                ; the MOVs below keep these flags
	mov rax, rdi
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
	mov rax, GPR(0)
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:                             ; VMfail: still on our stack, guest values in registers
	pop rdi
	mov eax, 1
	jmp .done

.exited:
	push rax                     ; the guest's RAX
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
	pop qword GPR(0)
	pop rdi
	xor eax, eax
.done:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret
