; Test guest for Keel, real mode (16-bit). See README.md.
;
; Built once per variant: nasm -f bin -DVARIANT_<hello|oob>, a flat binary.
; Keel loads it at 0000:7C00, like a PC BIOS loads a boot sector, and starts it
; with DS = ES = SS = 0, SP = 0x7C00, interrupts off, 1 MiB of memory.
; With DS = 0 a label's offset is also its guest-physical address. The image
; stays far below 64 KiB, so every offset fits in 16 bits.
;
; Real mode code can still use the 32-bit registers (nasm adds the 0x66
; operand-size prefix): the hypercall number and arguments go in EAX, EDI, ESI
; and CPUID leaves need all 32 bits of EAX.

bits 16
org 0x7c00

%define GUEST_MODE "real mode"
OUTSIDE_GPA equ 0x200000        ; 2 MiB: beyond our 1 MiB

%include "keel_abi.inc"
%include "hypercall.inc"
%include "checks.inc"

start:
	CPUID_CHECKS                ; steps 1-5: 4 CPUID exits, 1 hypercall exit
	HYPERCALL_CHECKS            ; steps 6-9: 4 hypercall exits
	DEBUG_PORT_HELLO            ; step 10: 34 I/O exits

	; Step 11: the variant's ending, one last exit.
%ifdef VARIANT_hello
	cli                         ; no interrupt can wake us up...
	hlt                         ; ...so Keel ends the domain: a poweroff
%elifdef VARIANT_oob
	mov ax, 0xffff
	mov es, ax
	mov al, [es:0x0010]         ; 0xFFFF * 16 + 0x10 = 0x100000, the first byte past
	                            ; our 1 MiB: nested-paging fault, a crash
%else
%error "define one of VARIANT_hello, VARIANT_oob"
%endif

	; Not reached: Keel ends the domain at the exit above. Were we resumed,
	; halt again so the extra exit shows in Keel's statistics.
dead:
	cli
	hlt
	jmp dead

	TEST_DATA
