/* The emulator's memo of decoded instructions (vmm/insn_memo.c): it serves a decoding only
 * for the same address and mode, while the walk that translated the address would answer
 * the same (the same paging registers, every entry as it was, the same p2m generation) and
 * the bytes there are the same; it keeps no instruction that crosses a page, or that is
 * not in the guest's RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/insn_memo.h"
#include "vmm/x86_decode.h"

#define GEN 3
#define CODE 0x401000ull /* the code's linear address: page 0x401000 */

/* The entries of the 4-level walk that translated CODE, and the page it found. */
static uint64_t tables[4];
static uint8_t page[4096];

static struct guest_paging paging(void)
{
	return (struct guest_paging){ .cr0 = 0x80050033, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0xd00, .cpl = 0 };
}

/* A fetch at linear, walked through tables (kept in a walk memo) to page, holding bytes
 * there, decoded in 64-bit mode and kept. */
static struct insn_memo kept(uint64_t linear, const uint8_t *bytes, size_t n)
{
	static const uint64_t entries[4] = { 0x2023, 0x3023, 0x4023, 0x56023 };
	memcpy(tables, entries, sizeof(tables));
	memcpy(page + linear % 4096, bytes, n);
	struct guest_paging p = paging();
	struct walk_record r;
	walk_record_start(&r);
	for (unsigned i = 0; i < 4; i++)
		walk_record_read(&r, &tables[i], tables[i]);
	struct walk_memo walks = { 0 };
	walk_memo_keep(&walks, GEN, &p, linear, GUEST_FETCH, 0x56000 | (linear & 0xfff), page, &r);
	struct insn_memo m = { 0 };
	struct x86_insn insn;
	assert_int_equal(x86_decode(bytes, n, X86_MODE_64, &insn), X86_DECODED);
	insn_memo_keep(&m, GEN, linear, X86_MODE_64, bytes, &insn, walk_memo_slot_of(&walks, GEN, linear, GUEST_FETCH));
	return m;
}

static const uint8_t mov_load[] = { 0x8b, 0x07 }; /* mov (%rdi), %eax */

static const struct insn_memo_slot *find(const struct insn_memo *m, uint64_t linear)
{
	struct guest_paging p = paging();
	return insn_memo_find(m, GEN, &p, linear, X86_MODE_64);
}

static void serves_the_instruction_while_nothing_changed(void **state)
{
	(void)state;
	struct insn_memo m = kept(CODE, mov_load, sizeof(mov_load));
	page[2] = 0xcc; /* what follows the instruction does not count */
	const struct insn_memo_slot *s = find(&m, CODE);
	assert_non_null(s);
	assert_int_equal(s->insn.op, X86_MOV);
	assert_int_equal(s->insn.form, X86_REG_MEM);
	assert_int_equal(s->insn.length, 2);
	assert_int_equal(s->insn.mem.base, X86_RDI);
}

static void rewritten_code_is_not_served(void **state)
{
	(void)state;
	struct insn_memo m = kept(CODE, mov_load, sizeof(mov_load));
	page[0] = 0x89; /* mov %eax, (%rdi) */
	assert_null(find(&m, CODE));
	m = kept(CODE, mov_load, sizeof(mov_load));
	page[1] = 0x06; /* mov (%rsi), %eax */
	assert_null(find(&m, CODE));
}

static void a_changed_translation_is_not_served(void **state)
{
	(void)state;
	struct insn_memo m = kept(CODE, mov_load, sizeof(mov_load));
	tables[3] = 0x57023; /* the code's page remapped */
	assert_null(find(&m, CODE));
	m = kept(CODE, mov_load, sizeof(mov_load));
	tables[3] &= ~0x20ull; /* its accessed flag cleared */
	assert_null(find(&m, CODE));
	m = kept(CODE, mov_load, sizeof(mov_load));
	struct guest_paging p = paging();
	p.cr3 = 0x9000;
	assert_null(insn_memo_find(&m, GEN, &p, CODE, X86_MODE_64));
	p = paging();
	p.cpl = 3;
	assert_null(insn_memo_find(&m, GEN, &p, CODE, X86_MODE_64));
	p = paging();
	assert_null(insn_memo_find(&m, GEN + 1, &p, CODE, X86_MODE_64)); /* another p2m */
}

static void another_address_or_mode_finds_nothing(void **state)
{
	(void)state;
	struct insn_memo m = kept(CODE, mov_load, sizeof(mov_load));
	assert_null(find(&m, CODE + 4)); /* the same slot */
	assert_null(find(&m, CODE + 1));
	struct guest_paging p = paging();
	assert_null(insn_memo_find(&m, GEN, &p, CODE, X86_MODE_32)); /* 8B 07 reads EAX there too, but decoded anew */
	struct insn_memo empty = { 0 };
	assert_null(insn_memo_find(&empty, 0, &p, 0, X86_MODE_16));
}

static void keeps_nothing_across_a_page_or_outside_ram(void **state)
{
	(void)state;
	/* The two bytes of MOV at the page's last byte: it crosses into the next page. */
	struct insn_memo across = { 0 };
	struct x86_insn insn;
	assert_int_equal(x86_decode(mov_load, sizeof(mov_load), X86_MODE_64, &insn), X86_DECODED);
	struct walk_memo_slot walk = { .record = { .count = 1 }, .host_page = page };
	insn_memo_keep(&across, GEN, CODE + 0xfff, X86_MODE_64, mov_load, &insn, &walk);
	assert_int_equal(across.slot[(CODE + 0xfff) % INSN_MEMO_SLOTS].insn.length, 0);
	struct insn_memo device = { 0 };
	walk.host_page = NULL; /* the code is not in the guest's RAM */
	insn_memo_keep(&device, GEN, CODE, X86_MODE_64, mov_load, &insn, &walk);
	assert_int_equal(device.slot[CODE % INSN_MEMO_SLOTS].insn.length, 0);
	struct insn_memo unwalked = { 0 };
	insn_memo_keep(&unwalked, GEN, CODE, X86_MODE_64, mov_load, &insn, NULL);
	assert_int_equal(unwalked.slot[CODE % INSN_MEMO_SLOTS].insn.length, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(serves_the_instruction_while_nothing_changed),
		cmocka_unit_test(rewritten_code_is_not_served),
		cmocka_unit_test(a_changed_translation_is_not_served),
		cmocka_unit_test(another_address_or_mode_finds_nothing),
		cmocka_unit_test(keeps_nothing_across_a_page_or_outside_ram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
