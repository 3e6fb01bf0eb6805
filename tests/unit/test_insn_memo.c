/* The emulator's memo of decoded instructions (vmm/insn_memo.c): it serves a decoding only
 * for the same address, the same mode and the same bytes, and keeps no instruction that
 * crosses a page. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/insn_memo.h"
#include "vmm/x86_decode.h"

/* mov (%rdi), %eax at linear, decoded in 64-bit mode and kept. */
static const uint8_t mov_load[] = { 0x8b, 0x07 };

static struct insn_memo kept(uint64_t linear)
{
	struct insn_memo m = { 0 };
	struct x86_insn insn;
	assert_int_equal(x86_decode(mov_load, sizeof(mov_load), X86_MODE_64, &insn), X86_DECODED);
	insn_memo_keep(&m, linear, X86_MODE_64, mov_load, &insn);
	return m;
}

static void serves_the_instruction_for_the_same_bytes(void **state)
{
	(void)state;
	struct insn_memo m = kept(0x401000);
	const struct insn_memo_slot *s = insn_memo_find(&m, 0x401000, X86_MODE_64);
	assert_non_null(s);
	uint8_t code[] = { 0x8b, 0x07, 0xcc }; /* what follows the instruction does not count */
	assert_true(insn_memo_matches(s, code));
	assert_int_equal(s->insn.op, X86_MOV);
	assert_int_equal(s->insn.form, X86_REG_MEM);
	assert_int_equal(s->insn.length, 2);
	assert_int_equal(s->insn.mem.base, X86_RDI);
}

static void rewritten_code_does_not_match(void **state)
{
	(void)state;
	struct insn_memo m = kept(0x401000);
	const struct insn_memo_slot *s = insn_memo_find(&m, 0x401000, X86_MODE_64);
	assert_non_null(s);
	uint8_t stores[] = { 0x89, 0x07 };
	uint8_t other_operand[] = { 0x8b, 0x06 };
	assert_false(insn_memo_matches(s, stores));
	assert_false(insn_memo_matches(s, other_operand));
}

static void another_address_or_mode_finds_nothing(void **state)
{
	(void)state;
	struct insn_memo m = kept(0x401000);
	assert_null(insn_memo_find(&m, 0x401004, X86_MODE_64)); /* the same slot */
	assert_null(insn_memo_find(&m, 0x401001, X86_MODE_64));
	assert_null(insn_memo_find(&m, 0x401000, X86_MODE_32)); /* 8B 07 means another register size there */
	struct insn_memo empty = { 0 };
	assert_null(insn_memo_find(&empty, 0, X86_MODE_16));
}

static void an_instruction_across_a_page_is_not_kept(void **state)
{
	(void)state;
	struct insn_memo m = kept(0x401fff);
	assert_null(insn_memo_find(&m, 0x401fff, X86_MODE_64));
	m = kept(0x401ffe); /* its last byte is the page's */
	assert_non_null(insn_memo_find(&m, 0x401ffe, X86_MODE_64));
}

static void a_new_instruction_in_the_slot_replaces_the_old(void **state)
{
	(void)state;
	struct insn_memo m = kept(0x401000);
	const uint8_t store_imm[] = { 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12 };
	struct x86_insn insn;
	assert_int_equal(x86_decode(store_imm, sizeof(store_imm), X86_MODE_64, &insn), X86_DECODED);
	insn_memo_keep(&m, 0x401004, X86_MODE_64, store_imm, &insn);
	assert_null(insn_memo_find(&m, 0x401000, X86_MODE_64));
	const struct insn_memo_slot *s = insn_memo_find(&m, 0x401004, X86_MODE_64);
	assert_non_null(s);
	assert_true(insn_memo_matches(s, store_imm));
	assert_int_equal(s->insn.imm, 0x12345678);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(serves_the_instruction_for_the_same_bytes),
		cmocka_unit_test(rewritten_code_does_not_match),
		cmocka_unit_test(another_address_or_mode_finds_nothing),
		cmocka_unit_test(an_instruction_across_a_page_is_not_kept),
		cmocka_unit_test(a_new_instruction_in_the_slot_replaces_the_old),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
