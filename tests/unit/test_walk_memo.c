/* The emulator's memo of guest page walks (vmm/walk_memo.c): it answers only while the
 * paging registers, the access and every entry the walk read are as they were. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/walk_memo.h"

#define GEN 7

/* Four page-table entries of a 4-level walk, as the walk left them. */
static uint64_t tables[4] = { 0x2023, 0x3023, 0x4023, 0x56063 };
/* Where Keel reaches the page they lead to, 0x56000. */
static uint8_t page_56000[4096];
static uint8_t *host;

static struct guest_paging paging(void)
{
	return (struct guest_paging){ .cr0 = 0x80050033, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0xd00, .cpl = 0 };
}

static struct walk_record walked(void)
{
	struct walk_record r;
	walk_record_start(&r);
	for (unsigned i = 0; i < 4; i++)
		walk_record_read(&r, &tables[i], tables[i] & ~0x20ull); /* read without A */
	return r;
}

/* A walk that read each entry and set its accessed flag. */
static struct walk_record walked_setting_accessed(void)
{
	struct walk_record r;
	walk_record_start(&r);
	for (unsigned i = 0; i < 4; i++) {
		walk_record_read(&r, &tables[i], tables[i] & ~0x20ull);
		walk_record_set(&r, 0x20);
	}
	return r;
}

static struct walk_memo kept(uint64_t linear, enum guest_access access)
{
	struct walk_memo m = { 0 };
	struct guest_paging p = paging();
	struct walk_record r = walked_setting_accessed();
	walk_memo_keep(&m, GEN, &p, linear, access, 0x56000 | (linear & 0xfff), page_56000, &r);
	return m;
}

static void answers_what_the_walk_found_with_the_offset(void **state)
{
	(void)state;
	struct walk_memo m = kept(0x7000123, GUEST_READ);
	struct guest_paging p = paging();
	uint64_t gpa = 0;
	assert_true(walk_memo_find(&m, GEN, &p, 0x7000abc, GUEST_READ, &gpa, &host));
	assert_int_equal(gpa, 0x56abc);
	assert_ptr_equal(host, page_56000 + 0xabc);
}

/* A page that is not the guest's RAM (a device's) has no host address. */
static void answers_no_host_address_where_the_page_is_not_ram(void **state)
{
	(void)state;
	struct walk_memo m = { 0 };
	struct guest_paging p = paging();
	struct walk_record r = walked_setting_accessed();
	uint64_t gpa = 0;
	walk_memo_keep(&m, GEN, &p, 0x7000000, GUEST_READ, 0xfee00000, NULL, &r);
	assert_true(walk_memo_find(&m, GEN, &p, 0x7000080, GUEST_READ, &gpa, &host));
	assert_int_equal(gpa, 0xfee00080);
	assert_null(host);
}

static void an_empty_memo_answers_nothing(void **state)
{
	(void)state;
	struct walk_memo m = { 0 };
	struct guest_paging p = paging();
	uint64_t gpa = 0;
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
}

static void another_page_access_or_table_generation_is_walked(void **state)
{
	(void)state;
	struct walk_memo m = kept(0x7000000, GUEST_READ);
	struct guest_paging p = paging();
	uint64_t gpa;
	assert_false(walk_memo_find(&m, GEN, &p, 0x7004000, GUEST_READ, &gpa, &host)); /* same slot, other page */
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_WRITE, &gpa, &host));
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_FETCH, &gpa, &host));
	assert_false(walk_memo_find(&m, GEN + 1, &p, 0x7000000, GUEST_READ, &gpa, &host));
}

static void other_paging_registers_are_walked(void **state)
{
	(void)state;
	struct walk_memo m = kept(0x7000000, GUEST_READ);
	uint64_t gpa;
	struct guest_paging p = paging();
	p.cr3 = 0x9000;
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
	p = paging();
	p.cr0 &= ~(1ull << 16); /* WP */
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
	p = paging();
	p.cr4 |= 1ull << 20; /* SMEP */
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
	p = paging();
	p.efer &= ~(1ull << 11); /* NXE */
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
	p = paging();
	p.cpl = 3;
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
	p = paging();
	p.ac = true;
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
	p = paging();
	assert_true(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
}

/* Any entry rewritten, its accessed flag cleared included, means a walk again. */
static void a_changed_entry_is_walked(void **state)
{
	(void)state;
	struct guest_paging p = paging();
	uint64_t gpa;
	for (unsigned i = 0; i < 4; i++) {
		struct walk_memo m = kept(0x7000000, GUEST_READ);
		uint64_t saved = tables[i];
		tables[i] &= ~0x20ull;
		assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
		tables[i] = saved ^ 0x1000;
		assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
		tables[i] = saved;
		assert_true(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
	}
}

/* A walk whose entries were read without their accessed flag and not set (a record that
 * does not match memory) never answers; nor does a walk that read nothing (paging off). */
static void a_record_unlike_memory_or_empty_is_not_used(void **state)
{
	(void)state;
	struct walk_memo m = { 0 };
	struct guest_paging p = paging();
	struct walk_record r = walked();
	uint64_t gpa;
	walk_memo_keep(&m, GEN, &p, 0x7000000, GUEST_READ, 0x56000, page_56000, &r);
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
	walk_record_start(&r);
	walk_memo_keep(&m, GEN, &p, 0x7000000, GUEST_READ, 0x7000000, page_56000, &r);
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
}

/* A record of more entries than a walk reads is not kept (and replaces the slot's). */
static void an_overlong_record_is_not_kept(void **state)
{
	(void)state;
	struct walk_memo m = kept(0x7000000, GUEST_READ);
	struct guest_paging p = paging();
	struct walk_record r;
	uint64_t gpa;
	walk_record_start(&r);
	for (unsigned i = 0; i <= WALK_MEMO_LEVELS; i++)
		walk_record_read(&r, &tables[0], tables[0]);
	walk_memo_keep(&m, GEN, &p, 0x7000000, GUEST_READ, 0x56000, page_56000, &r);
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
}

/* A new table generation empties every slot. */
static void a_new_generation_empties_the_memo(void **state)
{
	(void)state;
	struct walk_memo m = kept(0x7000000, GUEST_READ);
	struct guest_paging p = paging();
	struct walk_record r;
	uint64_t gpa;
	walk_record_start(&r);
	walk_record_read(&r, &tables[0], tables[0]);
	walk_memo_keep(&m, GEN + 1, &p, 0x7001000, GUEST_READ, 0x56000, page_56000, &r); /* another slot */
	assert_false(walk_memo_find(&m, GEN, &p, 0x7000000, GUEST_READ, &gpa, &host));
	assert_false(walk_memo_find(&m, GEN + 1, &p, 0x7000000, GUEST_READ, &gpa, &host));
	assert_true(walk_memo_find(&m, GEN + 1, &p, 0x7001000, GUEST_READ, &gpa, &host));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answers_what_the_walk_found_with_the_offset),
		cmocka_unit_test(answers_no_host_address_where_the_page_is_not_ram),
		cmocka_unit_test(an_empty_memo_answers_nothing),
		cmocka_unit_test(another_page_access_or_table_generation_is_walked),
		cmocka_unit_test(other_paging_registers_are_walked),
		cmocka_unit_test(a_changed_entry_is_walked),
		cmocka_unit_test(a_record_unlike_memory_or_empty_is_not_used),
		cmocka_unit_test(an_overlong_record_is_not_kept),
		cmocka_unit_test(a_new_generation_empties_the_memo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
