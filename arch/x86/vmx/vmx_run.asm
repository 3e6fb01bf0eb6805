; int vmx_run(uint64_t *gprs, int launched, uint64_t *host_rsp, struct vmx_vcpu *xv)
; Runs the guest of the current VMCS: enters it, and after each exit calls
; vmx_exit_continues(xv) (vmx_exit.c), which handles the exit and prepares the next entry;
; enters again while that returns true. gprs holds the guest's 16 general registers by
; encoding (RSP travels in the VMCS instead). At a VM exit the CPU loads the host state of
; the VMCS (SDM vol.3 §29.5): RIP is vmx_exit_rip (vmx.c writes it once per VMCS) and RSP
; the stack pointer of this frame, the same at every entry of the run, written here only
; when it differs from *host_rsp, what this VMCS holds already. Returns 0 when the run is
; over, 1 if VMLAUNCH/VMRESUME failed.
bits 64
default rel

VMCS_HOST_RSP equ 0x6c14

section .text
global vmx_run
global vmx_exit_rip
extern vmx_exit_continues

%include "arch/x86/guest_gprs.inc"
%include "arch/x86/extable.inc"

vmx_run:
	PUSH_CALLEE_SAVED
	sub rsp, 8                   ; the stack 16-byte aligned at the call below (System V ABI)
	push rcx                     ; [rsp + 8]: xv, for vmx_exit_continues
	push rdi                     ; [rsp]: the guest GPRs, found again at each exit
	cmp rsp, [rdx]
	je .host_rsp_written
	mov [rdx], rsp
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
.host_rsp_written:
	test esi, esi
	jnz .resume
	mov rax, rdi
	LOAD_GUEST_GPRS
	mov rax, GUEST_GPR(0)
	vmlaunch
	jmp .failed
.resume:
	mov rax, [rsp]
	LOAD_GUEST_GPRS
	mov rax, GUEST_GPR(0)
	vmresume
.failed:                             ; VMfail: still on our stack, guest values in registers
	add rsp, 24
	mov eax, 1
	POP_CALLEE_SAVED
	ret

vmx_exit_rip:
	; A guest's debug trap left pending at the exit must not reach Keel, but where an
	; emulator delivers it here, Keel's #DB handler drops it and returns here
	; (arch/x86/extable.h); vmx_exit_continues gives the guest its own.
	EXTABLE_ENTRY vmx_exit_rip, vmx_exit_rip, 1 << 1, EXTABLE_GUEST_DEBUG_TRAP
	push rax                     ; the guest's RAX
	mov rax, [rsp + 8]
	SAVE_GUEST_GPRS
	pop qword GUEST_GPR(0)
	mov rdi, [rsp + 8]
	call vmx_exit_continues
	test al, al
	jnz vmx_run.resume
	add rsp, 24
	xor eax, eax
	POP_CALLEE_SAVED
	ret
