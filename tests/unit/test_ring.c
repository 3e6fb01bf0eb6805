#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/ring.h"

static uint8_t buf[8];
static struct ring r;

static void read_all(uint64_t *pos, const char *want, uint64_t want_lost)
{
	char out[64] = "";
	uint64_t lost = 99;
	uint64_t n = ring_read(&r, pos, out, sizeof(out), &lost);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	assert_int_equal(lost, want_lost);
}

static void fills_and_reads(void **state)
{
	(void)state;
	uint64_t pos = 0;
	ring_init(&r, buf, sizeof(buf));
	read_all(&pos, "", 0);
	ring_write(&r, "abc", 3);
	read_all(&pos, "abc", 0);
	assert_int_equal(pos, 3);
	read_all(&pos, "", 0);
	ring_write(&r, "defgh", 5); /* exactly full */
	read_all(&pos, "defgh", 0);
	assert_int_equal(ring_oldest(&r), 0);
}

static void overwrites_the_oldest(void **state)
{
	(void)state;
	uint64_t pos = 0, late = 0;
	ring_init(&r, buf, sizeof(buf));
	ring_write(&r, "0123456", 7);
	read_all(&pos, "0123456", 0);
	ring_write(&r, "789ab", 5); /* wraps: "456789ab" kept */
	assert_int_equal(ring_oldest(&r), 4);
	read_all(&pos, "789ab", 0);
	read_all(&late, "456789ab", 4);
	assert_int_equal(late, 12);
}

static void longer_than_the_ring(void **state)
{
	(void)state;
	uint64_t pos = 0;
	ring_init(&r, buf, sizeof(buf));
	ring_write(&r, "x", 1);
	ring_write(&r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26);
	assert_int_equal(r.written, 27);
	read_all(&pos, "STUVWXYZ", 19);
}

static void partial_reads(void **state)
{
	(void)state;
	uint64_t pos = 0;
	char out[3];
	ring_init(&r, buf, sizeof(buf));
	ring_write(&r, "0123456789", 10); /* "23456789" kept, starting at index 2 */
	assert_int_equal(ring_read(&r, &pos, out, 3, NULL), 3);
	assert_memory_equal(out, "234", 3);
	assert_int_equal(ring_read(&r, &pos, out, 3, NULL), 3);
	assert_memory_equal(out, "567", 3);
	assert_int_equal(ring_read(&r, &pos, out, 3, NULL), 2);
	assert_memory_equal(out, "89", 2);
	/* a position beyond the end reads nothing */
	pos = 100;
	assert_int_equal(ring_read(&r, &pos, out, 3, NULL), 0);
}

static void empty_ring(void **state)
{
	(void)state;
	uint64_t pos = 0;
	ring_init(&r, NULL, 0);
	ring_write(&r, "abc", 3);
	read_all(&pos, "", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fills_and_reads),
		cmocka_unit_test(overwrites_the_oldest),
		cmocka_unit_test(longer_than_the_ring),
		cmocka_unit_test(partial_reads),
		cmocka_unit_test(empty_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
