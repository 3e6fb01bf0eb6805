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

%include "arch/x86/guest_gprs.inc"

vmx_enter:
	PUSH_CALLEE_SAVED
	push rdi                     ; [rsp]: the guest GPRs, found again at the exit
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	mov rax, VMCS_HOST_RIP
	lea rdx, [.exited]
	vmwrite rax, rdx

	test esi, esi                ; the MOVs below keep these flags
	mov rax, rdi
	LOAD_GUEST_GPRS
	mov rax, GUEST_GPR(0)
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
	SAVE_GUEST_GPRS
	pop qword GUEST_GPR(0)
	pop rdi
	xor eax, eax
.done:
	POP_CALLEE_SAVED
	ret
