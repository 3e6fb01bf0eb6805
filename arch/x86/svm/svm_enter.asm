; void svm_enter(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_state_pa)
; Runs the guest once. gprs holds the guest's 16 general registers by encoding; RAX and RSP
; travel in the VMCB instead. VMRUN itself saves and restores only part of the host state
; (APM vol.2 §15.5.1); FS, GS, TR, LDTR and the syscall MSRs are swapped with VMLOAD/VMSAVE,
; the host's own copy living at host_state_pa. GIF stays clear from before VMRUN until the
; host state is whole again, so no interrupt or NMI sees half-switched state. RFLAGS.IF is
; set for VMRUN alone: with V_INTR_MASKING the host's IF decides whether a physical
; interrupt ends the guest's run (APM vol.2 §15.21.1), and Keel wants each one to.
bits 64
default rel

section .text
global svm_enter

%include "arch/x86/guest_gprs.inc"

svm_enter:
	PUSH_CALLEE_SAVED
	push rdx                 ; [rsp + 16] host state
	push rsi                 ; [rsp + 8]  guest GPRs
	push rdi                 ; [rsp + 0]  VMCB

	clgi
	sti                     ; GIF = 0 holds every interrupt until VMRUN
	mov rax, rsi
	LOAD_GUEST_GPRS
	mov rax, [rsp]
	vmload                  ; address in RAX
	vmrun                   ; address in RAX
	vmsave                  ; RAX is the host's again: the VMCB address

	mov rax, [rsp + 8]
	SAVE_GUEST_GPRS
	mov rax, [rsp + 16]
	vmload                  ; address in RAX
	cli                     ; an interrupt waits for Keel (svm_vcpu_run), an NMI does not
	stgi

	add rsp, 24
	POP_CALLEE_SAVED
	ret
