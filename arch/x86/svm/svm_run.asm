; void svm_run(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_state_pa, struct svm_vcpu *sv)
; Runs the guest: enters it, and after each exit calls svm_exit_continues(sv) (svm_exit.c), which
; handles the exit and prepares the next entry; enters again while that returns true.
; gprs holds the guest's 16 general registers by encoding; RAX and RSP travel in the VMCB
; instead. VMRUN itself saves and restores only part of the host state (APM vol.2 §15.5.1);
; FS, GS, TR, LDTR and the syscall MSRs are swapped with VMLOAD/VMSAVE, the host's own copy
; living at host_state_pa. GIF stays clear from before VMRUN until the host state is whole
; again, so no interrupt or NMI sees half-switched state. RFLAGS.IF is set for VMRUN alone:
; with V_INTR_MASKING the host's IF decides whether a physical interrupt ends the guest's
; run (APM vol.2 §15.21.1), and Keel wants each one to.
bits 64
default rel

section .text
global svm_run
extern svm_exit_continues

%include "arch/x86/guest_gprs.inc"
%include "arch/x86/extable.inc"

svm_run:
	PUSH_CALLEE_SAVED
	push rcx                 ; [rsp + 24] sv
	push rdx                 ; [rsp + 16] host state
	push rsi                 ; [rsp + 8]  guest GPRs
	push rdi                 ; [rsp + 0]  VMCB
	sub rsp, 8               ; the stack 16-byte aligned at the call below (System V ABI)
%define FRAME(n) [rsp + 8 + (n)]

.enter:
	clgi
	sti                     ; GIF = 0 holds every interrupt until VMRUN
	mov rax, FRAME(8)
	LOAD_GUEST_GPRS
	mov rax, FRAME(0)
	vmload                  ; address in RAX
	vmrun                   ; address in RAX
.after_vmrun:
	; Bochs 2.7 delivers a guest's pending single-step trap here, to Keel: the guest's
	; registers are still in the CPU, TR is still the guest's. Keel's #DB handler drops it
	; and returns here (arch/x86/extable.h); svm_exit_continues gives the guest its own.
	EXTABLE_ENTRY .after_vmrun, .after_vmrun, 1 << 1, EXTABLE_GUEST_DEBUG_TRAP
	vmsave                  ; RAX is the host's again: the VMCB address

	mov rax, FRAME(8)
	SAVE_GUEST_GPRS
	mov rax, FRAME(16)
	vmload                  ; address in RAX
	cli                     ; an interrupt waits for Keel (svm_exit_continues), an NMI does not
	stgi

	mov rdi, FRAME(24)
	call svm_exit_continues
	test al, al
	jnz .enter

	add rsp, 40
	POP_CALLEE_SAVED
	ret
