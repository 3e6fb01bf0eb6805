; The 32-bit half of the Multiboot stubs, shared by multiboot1.asm, multiboot2.asm and
; pvh.asm. They set guest_entry_state.protocol and .flags and jump here in the machine
; state of Multiboot 0.6.96 §3.2 (Multiboot2 §3.3 and PVH are the same): 32-bit protected
; mode, paging off, CS a flat 32-bit execute/read segment, DS/ES/FS/GS/SS flat read/write
; segments, EFLAGS.IF and VM clear, EAX = the magic (PVH: unspecified), EBX = the
; information, ESP undefined.
; This records that state, builds an identity map of the low 4 GiB, enters long mode
; and calls guest_start() on the runtime's stack.

bits 32

%include "entry.inc"

PTE_P           equ 1 << 0
PTE_RW          equ 1 << 1
PTE_PS          equ 1 << 7      ; a page directory entry that maps a 2 MiB page
PAGE            equ 4096
LARGE_PAGE      equ 0x200000
MSR_EFER        equ 0xc0000080
EFER_LME        equ 1 << 8
CR4_PAE         equ 1 << 5
CR0_PG          equ 1 << 31
CODE64          equ 0x08        ; selectors of our own GDT below
DATA            equ 0x10
BASE_PROBE      equ 0x4c45454b  ; "KEEL": read through every segment register

; PROBE_SEGMENT i: LAR and LSL of sel[i] (SDM Vol. 2A "LAR", "LSL": ZF set = valid).
%macro PROBE_SEGMENT 1
	movzx ecx, word [guest_entry_state + entry_state.sel + 2 * %1]
	lar eax, ecx
	jnz %%no_lar
	mov [guest_entry_state + entry_state.lar + 4 * %1], eax
	or byte [guest_entry_state + entry_state.lar_valid], 1 << %1
%%no_lar:
	lsl eax, ecx
	jnz %%no_lsl
	mov [guest_entry_state + entry_state.lsl + 4 * %1], eax
	or byte [guest_entry_state + entry_state.lsl_valid], 1 << %1
%%no_lsl:
%endmacro

; PROBE_BASE sreg, i: does base_probe read the same through sreg? Then its base is 0
; like the others (or they all share one base, which the C side cannot tell apart).
%macro PROBE_BASE 2
	cmp dword [%1:base_probe], BASE_PROBE
	jne %%differs
	or byte [guest_entry_state + entry_state.base_match], 1 << %2
%%differs:
%endmacro

section .text
global multiboot_entry
multiboot_entry:
	mov [guest_entry_state + entry_state.rax], eax
	mov [guest_entry_state + entry_state.rbx], ebx
	mov [guest_entry_state + entry_state.rsp], esp
	mov esp, guest_stack + GUEST_STACK_SIZE  ; ESP is undefined (§3.2): ours from here on
	RECORD_FLAGS_CRS_SELECTORS eax

	; The 32-bit stores above left the upper halves alone; .bss may not be zero yet
	; under another loader, so clear them and the masks.
	xor eax, eax
	mov [guest_entry_state + entry_state.rax + 4], eax
	mov [guest_entry_state + entry_state.rbx + 4], eax
	mov [guest_entry_state + entry_state.rdi], eax
	mov [guest_entry_state + entry_state.rdi + 4], eax
	mov [guest_entry_state + entry_state.rsp + 4], eax
	mov [guest_entry_state + entry_state.cr0 + 4], eax
	mov [guest_entry_state + entry_state.cr4 + 4], eax
	mov [guest_entry_state + entry_state.rflags + 4], eax
	mov [guest_entry_state + entry_state.lar_valid], eax  ; lar_valid, lsl_valid, base_match
	or dword [guest_entry_state + entry_state.flags], ENTRY_SEGMENTS_PROBED

	PROBE_SEGMENT 0
	PROBE_SEGMENT 1
	PROBE_SEGMENT 2
	PROBE_SEGMENT 3
	PROBE_SEGMENT 4
	PROBE_SEGMENT 5
	PROBE_BASE cs, 0
	PROBE_BASE ds, 1
	PROBE_BASE es, 2
	PROBE_BASE fs, 3
	PROBE_BASE gs, 4
	PROBE_BASE ss, 5

	; Identity page tables for the low 4 GiB (SDM Vol. 3A §4.5, 4-level paging):
	; PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 512 2 MiB pages each.
	mov edi, pml4
	xor eax, eax
	mov ecx, 2 * PAGE / 4           ; the PML4 and the PDPT
.clear:
	mov [edi], eax
	add edi, 4
	dec ecx
	jnz .clear
	mov dword [pml4], pdpt + PTE_P + PTE_RW
	mov edi, pdpt
	mov eax, page_directories + PTE_P + PTE_RW
	mov ecx, 4
.pdpt:
	mov [edi], eax
	add eax, PAGE
	add edi, 8
	dec ecx
	jnz .pdpt
	mov edi, page_directories
	mov eax, PTE_P + PTE_RW + PTE_PS
	mov ecx, 4 * 512
.pd:
	mov [edi], eax
	mov dword [edi + 4], 0
	add eax, LARGE_PAGE
	add edi, 8
	dec ecx
	jnz .pd

	; Long mode, in the order of SDM Vol. 3A "Initializing IA-32e Mode" and APM Vol. 2
	; §14.6.1 "Activating Long Mode": CR4.PAE, CR3, EFER.LME, then CR0.PG activates
	; it; a far jump to a 64-bit code segment leaves compatibility mode.
	mov eax, pml4
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov ecx, MSR_EFER               ; the one MSR Keel emulates
	rdmsr
	or eax, EFER_LME
	wrmsr
	lgdt [gdt_descriptor]           ; ours: the loader's GDT may be anywhere, or gone
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax
	jmp CODE64:long_mode

base_probe:
	dd BASE_PROBE

bits 64
default rel
long_mode:
	mov ax, DATA
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	lea rsp, [guest_stack + GUEST_STACK_SIZE]
	cld                             ; the C ABI wants DF clear
	xor ebp, ebp
	call guest_start
.hang:
	cli
	hlt
	jmp .hang

section .rodata
align 8
; Descriptors with the accessed bit preset, so the CPU need not write them
; (SDM Vol. 3A §3.4.5; §5.2.1 for the L bit of 64-bit code).
gdt:
	dq 0                            ; null
	dq 0x00af9b000000ffff           ; 0x08: 64-bit code, execute/read, L = 1, D = 0
	dq 0x00cf93000000ffff           ; 0x10: flat data, read/write, B = 1, 4 GiB
gdt_end:
gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt                          ; LGDT in 32-bit mode takes a 32-bit base

section .bss nobits alloc noexec write align=4096
pml4:
	resb PAGE
pdpt:
	resb PAGE
page_directories:
	resb 4 * PAGE

section .note.GNU-stack noalloc noexec nowrite progbits
