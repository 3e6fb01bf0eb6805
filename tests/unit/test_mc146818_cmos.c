/* The CMOS RTC model (vmm/dev/mc146818.c) around its clock: the bytes at power-on, the
 * NVRAM, the index port's NMI-disable bit, and accesses wider than a byte. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/mc146818_fixture.h"

/* Power-on ------------------------------------------------------------------------- */

static void power_on_state(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(w.fake.deadline_calls, 0);
	assert_int_equal(cmos(&rtc, REG_A), 0x26);
	assert_int_equal(cmos(&rtc, REG_B), 0x02);
	assert_int_equal(cmos(&rtc, REG_C), 0x00);
	assert_int_equal(cmos(&rtc, REG_D), 0x80);
	for (unsigned i = 0x0e; i < MC146818_CMOS; i++)
		if (i != CENTURY)
			assert_int_equal(cmos(&rtc, (uint8_t)i), 0);
	assert_int_equal(cmos(&rtc, CENTURY), 0x20);
	assert_int_equal(cmos(&rtc, ALARM_SEC), 0);
	assert_int_equal(inb(&rtc, INDEX), 0xff);
	/* Reading changed nothing: no interrupt is enabled. */
	assert_int_equal(w.fake.irq_calls, 0);
	assert_int_equal(w.fake.deadline_calls, 0);
}

/* NVRAM, the index port, access sizes ---------------------------------------------- */

static void nvram_is_kept(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	for (unsigned i = 0x0e; i < MC146818_CMOS; i++)
		if (i != CENTURY)
			set_cmos(&rtc, (uint8_t)i, (uint8_t)(i * 7 + 3));
	for (unsigned i = 0x0e; i < MC146818_CMOS; i++)
		if (i != CENTURY)
			assert_int_equal(cmos(&rtc, (uint8_t)i), (uint8_t)(i * 7 + 3));
	assert_int_equal(cmos(&rtc, CENTURY), 0x20);
	/* C and D are read-only. */
	set_cmos(&rtc, REG_C, 0xff);
	set_cmos(&rtc, REG_D, 0x00);
	assert_int_equal(cmos(&rtc, REG_C), 0x00);
	assert_int_equal(cmos(&rtc, REG_D), 0x80);
	assert_int_equal(w.fake.irq_calls, 0);
}

/* Bit 7 of the index is NMI disable: kept, not part of the index. */
static void index_bit_7_is_nmi_disable(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	set_cmos(&rtc, 0x40, 0x5a);
	outb(&rtc, INDEX, 0x8a);
	assert_true(rtc.nmi_disabled);
	assert_int_equal(inb(&rtc, DATA), 0x26); /* register A */
	assert_int_equal(inb(&rtc, INDEX), 0xff);
	outb(&rtc, INDEX, 0xc0);
	assert_int_equal(inb(&rtc, DATA), 0x5a); /* 0x40 */
	outb(&rtc, INDEX, 0x40);
	assert_false(rtc.nmi_disabled);
	assert_int_equal(inb(&rtc, DATA), 0x5a);
}

static void multi_byte_accesses(void **state)
{
	(void)state;
	struct mc146818 rtc;
	struct world w;
	start(&rtc, &w, SUNDAY_MORNING);

	/* A 16-bit write: the index, then the data. */
	mc146818_write(&rtc, 0, 2, 0x5540);
	assert_int_equal(cmos(&rtc, 0x40), 0x55);
	/* Reads: 0xff from the index port and past the range. */
	outb(&rtc, INDEX, 0x40);
	assert_int_equal(mc146818_read(&rtc, 0, 2), 0x55ff);
	assert_int_equal(mc146818_read(&rtc, 0, 4), 0xffff55ff);
	assert_int_equal(mc146818_read(&rtc, 1, 2), 0xff55);
	assert_int_equal(mc146818_read(&rtc, 1, 8), 0xffffffffffffff55ull);
	assert_int_equal(mc146818_read(&rtc, 2, 1), 0xff);
	/* Bytes past the range are dropped. */
	mc146818_write(&rtc, 1, 4, 0x11223366);
	assert_int_equal(cmos(&rtc, 0x40), 0x66);
	mc146818_write(&rtc, 2, 1, 0x0a);
	assert_int_equal(inb(&rtc, DATA), 0x66);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(power_on_state),
		cmocka_unit_test(nvram_is_kept),
		cmocka_unit_test(index_bit_7_is_nmi_disable),
		cmocka_unit_test(multi_byte_accesses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
