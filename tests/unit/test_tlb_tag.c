#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch/x86/tlb_tag.h"

static void first_use_flushes_once(void **state)
{
	(void)state;
	struct tlb_tag_pool pool;
	struct tlb_tag a = { 0 }, b = { 0 };
	tlb_tag_pool_init(&pool, 1, 15);
	assert_true(tlb_tag_refresh(&pool, &a)); /* nothing flushed since boot */
	assert_int_equal(a.id, 1);
	assert_false(tlb_tag_refresh(&pool, &a));
	assert_false(tlb_tag_refresh(&pool, &b));
	assert_int_equal(b.id, 2);
	assert_false(tlb_tag_refresh(&pool, &a));
	assert_int_equal(a.id, 1);
}

/* 16 vCPUs, 15 tags (QEMU's SVM): every vCPU still gets a tag of its own per generation. */
static void more_vcpus_than_tags(void **state)
{
	(void)state;
	struct tlb_tag_pool pool;
	struct tlb_tag v[16] = { { 0 } };
	tlb_tag_pool_init(&pool, 1, 15);
	unsigned flushes = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 16; i++) {
			flushes += tlb_tag_refresh(&pool, &v[i]);
			assert_true(v[i].id >= 1 && v[i].id <= 15);
			/* no other vCPU of this generation holds the same tag */
			for (int j = 0; j < 16; j++)
				if (j != i && v[j].generation == v[i].generation)
					assert_int_not_equal(v[j].id, v[i].id);
		}
	}
	/* 48 assignments of 15 tags a generation: the first flush, then one per new generation */
	assert_int_equal(flushes, 1 + (48 - 1) / 15);
	assert_int_equal(pool.generation, 1 + (48 - 1) / 15);
}

static void a_gone_vcpus_tag_is_not_reused_within_the_generation(void **state)
{
	(void)state;
	struct tlb_tag_pool pool;
	struct tlb_tag a = { 0 }, b = { 0 };
	tlb_tag_pool_init(&pool, 1, 2);
	tlb_tag_refresh(&pool, &a);
	a = (struct tlb_tag){ 0 }; /* its vCPU is destroyed, a new one takes its place */
	assert_false(tlb_tag_refresh(&pool, &a));
	assert_int_equal(a.id, 2);
	assert_true(tlb_tag_refresh(&pool, &b)); /* the pool is dry: new generation */
	assert_int_equal(b.id, 1);
	assert_false(tlb_tag_refresh(&pool, &b));
	assert_false(tlb_tag_refresh(&pool, &a)); /* a is from the old generation: gets 2 again */
	assert_int_equal(a.id, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_use_flushes_once),
		cmocka_unit_test(more_vcpus_than_tags),
		cmocka_unit_test(a_gone_vcpus_tag_is_not_reused_within_the_generation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
