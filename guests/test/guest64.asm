; Test guest for Keel, long mode (64-bit). See README.md.
;
; Built once per variant: nasm -f elf64 -DVARIANT_<hello|oob|triple|unknown>,
; linked at 0x100000 with entry point `start`.
; Keel starts us in long mode with paging on (identity map of the low 4 GiB),
; RSP at the top of our 4 MiB and interrupts off. Everything, code and data,
; lives in .text so the ELF has a single loadable segment.

bits 64
default rel                     ; [label] is RIP-relative

%define GUEST_MODE "long mode"
OUTSIDE_GPA equ 0x40000000      ; 1 GiB: far beyond our 4 MiB

%include "keel_abi.inc"
%include "hypercall.inc"
%include "checks.inc"

section .text
global start
start:
	CPUID_CHECKS                ; steps 1-5: 4 CPUID exits, 1 hypercall exit
	HYPERCALL_CHECKS            ; steps 6-9: 4 hypercall exits
	DEBUG_PORT_HELLO            ; step 10: 34 I/O exits

	; Step 11: the variant's ending, one last exit.
%ifdef VARIANT_hello
	cli                         ; no interrupt can wake us up...
	hlt                         ; ...so Keel records this HLT as "stopped"
%elifdef VARIANT_oob
	mov al, [abs OUTSIDE_GPA]   ; our page tables map it, Keel's nested ones do not:
	                            ; nested-paging fault, "crashed"
%elifdef VARIANT_triple
	lidt [empty_idt]            ; an IDT with no entries at all
	int3                        ; #BP has no entry -> #GP has none -> #DF has none:
	                            ; triple fault, the CPU shuts down, "crashed"
%elifdef VARIANT_unknown
	invd                        ; Keel intercepts INVD but has no handler for it:
	                            ; "unknown exit", "crashed"
%else
%error "define one of VARIANT_hello, VARIANT_oob, VARIANT_triple, VARIANT_unknown"
%endif

	; Not reached: Keel ends the domain at the exit above. Were we resumed,
	; halt again so the extra exit shows in Keel's statistics.
dead:
	cli
	hlt
	jmp dead

%ifdef VARIANT_triple
empty_idt:
	dw 0                        ; limit 0: not even vector 0 fits
	dq 0                        ; base
%endif

	TEST_DATA
