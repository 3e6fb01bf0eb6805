; int vmx_enter(uint64_t *gprs, int launched, uint64_t *host_rsp)
; Runs the guest of the current VMCS once. gprs holds its 16 general registers by encoding
; (RSP travels in the VMCS instead). At a VM exit the CPU loads the host state of the VMCS
; (SDM vol.3 §29.5): RIP is vmx_exit_rip (vmx.c writes it once per VMCS) and RSP the stack
; pointer as it was at entry, written here only when it differs from *host_rsp, what this
; VMCS holds already. Returns 0 after an exit, 1 if VMLAUNCH/VMRESUME failed.
bits 64
default rel

VMCS_HOST_RSP equ 0x6c14

section .text
global vmx_enter
global vmx_exit_rip

%include "arch/x86/guest_gprs.inc"

vmx_enter:
	PUSH_CALLEE_SAVED
	push rdi                     ; [rsp]: the guest GPRs, found again at the exit
	cmp rsp, [rdx]
	je .host_rsp_written
	mov [rdx], rsp
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
.host_rsp_written:

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
	POP_CALLEE_SAVED
	ret

vmx_exit_rip:
	push rax                     ; the guest's RAX
	mov rax, [rsp + 8]
	SAVE_GUEST_GPRS
	pop qword GUEST_GPR(0)
	pop rdi
	xor eax, eax
	POP_CALLEE_SAVED
	ret
