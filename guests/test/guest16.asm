; Test guest for Keel, real mode (16-bit). See README.md.
;
; Built once per variant: nasm -f bin -DVARIANT_<hello|oob|mmio>, a flat binary.
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
%elifdef VARIANT_mmio
	; Real-mode accesses to space nothing backs, which Keel runs itself: 5 nested-paging
	; faults; a REP OUTSB, 1 I/O exit; then a report and CLI; HLT. The first failing
	; check skips the rest.
	mov ax, 0xffff
	mov es, ax
	mov al, [es:0x0010]         ; 0x100000, past our 1 MiB: reads all ones
	cmp al, 0xff
	jne .fail_1
	mov ax, 0xb000
	mov es, ax
	mov bx, 0xfff0
	mov si, 0x0020
	mov word [es:bx+si], 0x1234 ; BX + SI wraps to 0x0010 (16-bit addressing):
	mov dx, [es:bx+si]          ; 0xb0010 in the VGA window, not 0xc0010 in the
	cmp dx, 0xffff              ; BIOS area's RAM; the write went nowhere
	jne .fail_2
	mov ax, 0xb800
	mov fs, ax
	mov ecx, [fs:0]             ; 32-bit operand (0x66), FS override: 0xb8000
	cmp ecx, 0xffffffff
	jne .fail_3
	push ds                     ; REP MOVSB from the VGA window into our RAM
	mov ax, 0xb800
	mov ds, ax
	xor si, si
	xor ax, ax
	mov es, ax
	mov di, mmio_copy
	mov cx, 16
	cld
	rep movsb
	pop ds
	cmp cx, 0
	jne .fail_4
	cmp si, 16
	jne .fail_4
	cmp di, mmio_copy + 16
	jne .fail_4
	cmp dword [mmio_copy], 0xffffffff
	jne .fail_4
	cmp dword [mmio_copy + 12], 0xffffffff
	jne .fail_4
	mov si, msg_outs            ; REP OUTSB of a line to the debug console, which
	mov cx, msg_outs_len        ; Keel runs itself: one exit
	mov dx, DEBUG_PORT
	rep outsb
	cmp cx, 0
	jne .fail_5
	SET_TEXT msg_mmio_ok
	jmp .report
.fail_1:
	SET_TEXT msg_mmio_fail_1
	jmp .report
.fail_2:
	SET_TEXT msg_mmio_fail_2
	jmp .report
.fail_3:
	SET_TEXT msg_mmio_fail_3
	jmp .report
.fail_4:
	SET_TEXT msg_mmio_fail_4
	jmp .report
.fail_5:
	SET_TEXT msg_mmio_fail_5
.report:
	mov eax, KEEL_HC_CONSOLE_WRITE
	HYPERCALL                   ; exit: hypercall
	cli
	hlt                         ; a poweroff
%else
%error "define one of VARIANT_hello, VARIANT_oob, VARIANT_mmio"
%endif

	; Not reached: Keel ends the domain at the exit above. Were we resumed,
	; halt again so the extra exit shows in Keel's statistics.
dead:
	cli
	hlt
	jmp dead

	TEST_DATA
%ifdef VARIANT_mmio
MESSAGE msg_mmio_ok,     "mmio checks passed"
MESSAGE msg_mmio_fail_1, "mmio check failed: 1"
MESSAGE msg_mmio_fail_2, "mmio check failed: 2"
MESSAGE msg_mmio_fail_3, "mmio check failed: 3"
MESSAGE msg_mmio_fail_4, "mmio check failed: 4"
MESSAGE msg_mmio_fail_5, "mmio check failed: 5"
MESSAGE msg_outs,        "rep outsb works"
mmio_copy: times 16 db 0
%endif
