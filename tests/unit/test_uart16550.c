#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/dev/uart16550.h"

/* Register offsets, spelled out here rather than shared with the model. */
enum {
	RBR = 0, THR = 0, DLL = 0,
	IER = 1, DLM = 1,
	IIR = 2, FCR = 2,
	LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7,
};

/* Collects what the UART hands to the line. */
struct line {
	uint8_t bytes[64];
	size_t count;
};

static void line_tx(void *ctx, uint8_t byte)
{
	struct line *l = ctx;
	assert_true(l->count < sizeof(l->bytes));
	l->bytes[l->count++] = byte;
}

static uint8_t rd(struct uart16550 *u, unsigned offset)
{
	return uart16550_read(u, offset);
}

static void wr(struct uart16550 *u, unsigned offset, uint8_t value)
{
	uart16550_write(u, offset, value);
}

static void reset_values(void **state)
{
	(void)state;
	struct line line = { 0 };
	struct uart16550 u;
	uart16550_init(&u, line_tx, &line);
	assert_false(uart16550_interrupt_pending(&u));
	assert_int_equal(rd(&u, RBR), 0x00); /* empty receiver, nothing read yet */
	assert_int_equal(rd(&u, IER), 0x00);
	assert_int_equal(rd(&u, IIR), 0x01);
	assert_int_equal(rd(&u, LCR), 0x00);
	assert_int_equal(rd(&u, MCR), 0x00);
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_int_equal(rd(&u, MSR), 0xb0);
	assert_int_equal(rd(&u, SCR), 0x00);
	wr(&u, LCR, 0x80);
	assert_int_equal(rd(&u, DLL), 0x00);
	assert_int_equal(rd(&u, DLM), 0x00);
	assert_int_equal(line.count, 0);
}

static void init_resets_a_used_uart(void **state)
{
	(void)state;
	struct line line = { 0 };
	struct uart16550 u;
	uart16550_init(&u, line_tx, &line);
	wr(&u, FCR, 0xc1);
	wr(&u, IER, 0x0f);
	wr(&u, MCR, 0x1f);
	wr(&u, SCR, 0x55);
	wr(&u, THR, 'x');
	wr(&u, LCR, 0x83);
	wr(&u, DLL, 0x0c);
	uart16550_init(&u, line_tx, &line);
	assert_int_equal(rd(&u, IIR), 0x01);
	assert_int_equal(rd(&u, IER), 0x00);
	assert_int_equal(rd(&u, MCR), 0x00);
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_int_equal(rd(&u, MSR), 0xb0);
	assert_int_equal(rd(&u, SCR), 0x00);
	assert_int_equal(rd(&u, RBR), 0x00);
	wr(&u, LCR, 0x80);
	assert_int_equal(rd(&u, DLL), 0x00);
}

static void thr_goes_to_tx_at_once(void **state)
{
	(void)state;
	struct line line = { 0 };
	struct uart16550 u;
	uart16550_init(&u, line_tx, &line);
	wr(&u, THR, 'K');
	assert_int_equal(line.count, 1);
	assert_int_equal(rd(&u, LSR), 0x60); /* THRE and TEMT again at once */
	wr(&u, THR, 0x00);
	wr(&u, THR, 0xff);
	assert_int_equal(line.count, 3);
	assert_int_equal(line.bytes[0], 'K');
	assert_int_equal(line.bytes[1], 0x00);
	assert_int_equal(line.bytes[2], 0xff);
	/* all eight bits, whatever the word length in LCR (here 5 bits) */
	wr(&u, LCR, 0x00);
	wr(&u, THR, 0xa5);
	assert_int_equal(line.bytes[3], 0xa5);
}

static void no_tx_callback_drops_bytes(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, THR, 'a');
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_int_equal(rd(&u, RBR), 0x00);
}

static void dlab_switches_offsets_0_and_1(void **state)
{
	(void)state;
	struct line line = { 0 };
	struct uart16550 u;
	uart16550_init(&u, line_tx, &line);
	wr(&u, IER, 0x05);
	wr(&u, LCR, 0x83);
	assert_int_equal(rd(&u, LCR), 0x83);
	wr(&u, DLL, 0x0c);
	wr(&u, DLM, 0x12);
	assert_int_equal(line.count, 0); /* not transmitted */
	assert_int_equal(rd(&u, DLL), 0x0c);
	assert_int_equal(rd(&u, DLM), 0x12);
	/* the other registers do not move */
	wr(&u, SCR, 0x77);
	assert_int_equal(rd(&u, SCR), 0x77);
	assert_int_equal(rd(&u, IIR), 0x01);
	wr(&u, LCR, 0x03);
	assert_int_equal(rd(&u, IER), 0x05);
	assert_true(uart16550_receive(&u, 'r'));
	assert_int_equal(rd(&u, RBR), 'r');
	wr(&u, THR, 't');
	assert_int_equal(line.count, 1);
	assert_int_equal(line.bytes[0], 't');
	/* the divisor is kept; reading DLL does not consume the receiver */
	assert_true(uart16550_receive(&u, 's'));
	wr(&u, LCR, 0x80);
	assert_int_equal(rd(&u, DLL), 0x0c);
	assert_int_equal(rd(&u, DLM), 0x12);
	assert_int_equal(rd(&u, LSR), 0x61);
	wr(&u, LCR, 0x00);
	assert_int_equal(rd(&u, RBR), 's');
}

static void ier_keeps_bits_0_to_3(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, IER, 0xff);
	assert_int_equal(rd(&u, IER), 0x0f);
	wr(&u, IER, 0xa4);
	assert_int_equal(rd(&u, IER), 0x04);
	wr(&u, IER, 0x00);
	assert_int_equal(rd(&u, IER), 0x00);
}

static void lcr_and_scr_keep_all_bits(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, LCR, 0x7f);
	assert_int_equal(rd(&u, LCR), 0x7f);
	wr(&u, LCR, 0xff);
	assert_int_equal(rd(&u, LCR), 0xff);
	wr(&u, LCR, 0x1b);
	assert_int_equal(rd(&u, LCR), 0x1b);
	wr(&u, SCR, 0xa5);
	assert_int_equal(rd(&u, SCR), 0xa5);
	wr(&u, SCR, 0xff);
	assert_int_equal(rd(&u, SCR), 0xff);
}

static void mcr_keeps_bits_0_to_4(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, MCR, 0xef);
	assert_int_equal(rd(&u, MCR), 0x0f);
	/* not in loopback: MCR does not reach MSR */
	assert_int_equal(rd(&u, MSR), 0xb0);
	wr(&u, MCR, 0xff);
	assert_int_equal(rd(&u, MCR), 0x1f);
	wr(&u, MCR, 0x00);
	assert_int_equal(rd(&u, MCR), 0x00);
}

static void lsr_and_msr_writes_ignored(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, LSR, 0x00);
	wr(&u, LSR, 0x9f);
	assert_int_equal(rd(&u, LSR), 0x60);
	wr(&u, MSR, 0x0f);
	wr(&u, MSR, 0x00);
	assert_int_equal(rd(&u, MSR), 0xb0);
	assert_int_equal(rd(&u, IIR), 0x01);
}

static void other_offsets_read_ff_and_ignore_writes(void **state)
{
	(void)state;
	struct line line = { 0 };
	struct uart16550 u;
	uart16550_init(&u, line_tx, &line);
	assert_int_equal(rd(&u, 8), 0xff);
	assert_int_equal(rd(&u, 0x3f8), 0xff);
	assert_int_equal(rd(&u, ~0u), 0xff);
	wr(&u, 8, 0x80);
	wr(&u, 9, 0x0f);
	wr(&u, ~0u, 0x41);
	assert_int_equal(line.count, 0);
	assert_int_equal(rd(&u, LCR), 0x00);
	assert_int_equal(rd(&u, IER), 0x00);
	assert_int_equal(rd(&u, IIR), 0x01);
}

static void holding_register_without_fifos(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	assert_true(uart16550_receive(&u, 'a'));
	assert_int_equal(rd(&u, LSR), 0x61);
	/* the one-byte RBR is full: the new byte overwrites the unread one, OE set (LSR bit 1) */
	assert_false(uart16550_receive(&u, 'b'));
	assert_int_equal(rd(&u, LSR), 0x63);
	assert_int_equal(rd(&u, LSR), 0x61); /* OE cleared by the read, DR stays */
	assert_int_equal(rd(&u, RBR), 'b');
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_int_equal(rd(&u, RBR), 'b'); /* empty: the last byte read */
	assert_true(uart16550_receive(&u, 'c'));
	assert_int_equal(rd(&u, RBR), 'c');
	assert_int_equal(rd(&u, IIR), 0x01); /* FIFO bits 7-6 clear */
}

/* Room for a byte from the line: an empty RBR without FIFOs, 16 bytes with them, none in
 * loopback (the receiver listens to the transmitter). */
static void can_receive_says_whether_a_byte_would_be_kept(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	assert_true(uart16550_can_receive(&u));
	assert_true(uart16550_receive(&u, 'a'));
	assert_false(uart16550_can_receive(&u));
	rd(&u, RBR);
	assert_true(uart16550_can_receive(&u));
	wr(&u, FCR, 0x01);
	for (unsigned i = 0; i < UART16550_FIFO; i++) {
		assert_true(uart16550_can_receive(&u));
		assert_true(uart16550_receive(&u, (uint8_t)i));
	}
	assert_false(uart16550_can_receive(&u));
	rd(&u, RBR);
	assert_true(uart16550_can_receive(&u));
	wr(&u, MCR, 0x10);
	assert_false(uart16550_can_receive(&u));
	assert_int_equal(rd(&u, LSR) & 0x02, 0); /* no overrun from asking */
}

static void fifo_fills_overruns_and_drains_in_order(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, FCR, 0x01);
	assert_int_equal(rd(&u, IIR), 0xc1);
	for (unsigned i = 0; i < UART16550_FIFO; i++)
		assert_true(uart16550_receive(&u, (uint8_t)(0x30 + i)));
	assert_int_equal(rd(&u, LSR), 0x61);
	assert_false(uart16550_receive(&u, 0x99));
	/* OE, and no bit 7: that reports PE/FE/BI in the FIFO, not overruns */
	assert_int_equal(rd(&u, LSR), 0x63);
	assert_int_equal(rd(&u, LSR), 0x61);
	for (unsigned i = 0; i < UART16550_FIFO; i++)
		assert_int_equal(rd(&u, RBR), 0x30 + i);
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_int_equal(rd(&u, RBR), 0x3f); /* empty: the last byte read */
}

static void fifo_wraps_around(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, FCR, 0x01);
	uint8_t next_in = 0, next_out = 0;
	/* keep 1..16 bytes in the FIFO while the ring goes round several times */
	for (unsigned round = 0; round < 5; round++) {
		while (uart16550_receive(&u, next_in))
			next_in++;
		assert_int_equal((uint8_t)(next_in - next_out), UART16550_FIFO);
		assert_int_equal(rd(&u, LSR), 0x63);
		for (unsigned i = 0; i < 5 + round; i++)
			assert_int_equal(rd(&u, RBR), next_out++);
	}
	while (next_out != next_in)
		assert_int_equal(rd(&u, RBR), next_out++);
	assert_int_equal(rd(&u, LSR), 0x60);
}

static void fcr_bit_1_clears_the_receive_fifo_only(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, FCR, 0x01);
	assert_true(uart16550_receive(&u, 'a'));
	assert_int_equal(rd(&u, RBR), 'a');
	assert_true(uart16550_receive(&u, 'b'));
	assert_true(uart16550_receive(&u, 'c'));
	wr(&u, FCR, 0x05); /* transmit FIFO reset: nothing to clear */
	assert_int_equal(rd(&u, LSR), 0x61);
	wr(&u, FCR, 0x03);
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_int_equal(rd(&u, RBR), 'a'); /* the last byte read, not 'b' */
	assert_int_equal(rd(&u, IIR), 0xc1); /* FIFOs still on; bits 1-2 self-clearing */
	/* a full FIFO takes 16 bytes again after the clear */
	for (unsigned i = 0; i < UART16550_FIFO; i++)
		assert_true(uart16550_receive(&u, (uint8_t)i));
	wr(&u, FCR, 0x07);
	assert_int_equal(rd(&u, LSR), 0x60);
	for (unsigned i = 0; i < UART16550_FIFO; i++)
		assert_true(uart16550_receive(&u, (uint8_t)i));
	assert_int_equal(rd(&u, LSR), 0x61);
}

static void fcr_enable_change_clears_the_receiver(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	/* 16450 mode -> FIFO mode */
	assert_true(uart16550_receive(&u, 'a'));
	wr(&u, FCR, 0x01);
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_int_equal(rd(&u, IIR), 0xc1);
	for (unsigned i = 0; i < 5; i++)
		assert_true(uart16550_receive(&u, (uint8_t)('0' + i)));
	/* bit 0 unchanged: no clearing */
	wr(&u, FCR, 0xc1);
	assert_int_equal(rd(&u, LSR), 0x61);
	assert_int_equal(rd(&u, RBR), '0');
	/* FIFO mode -> 16450 mode */
	wr(&u, FCR, 0x00);
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_int_equal(rd(&u, IIR), 0x01);
	assert_int_equal(rd(&u, RBR), '0');
	/* one byte of room again */
	assert_true(uart16550_receive(&u, 'x'));
	assert_false(uart16550_receive(&u, 'y'));
	assert_int_equal(rd(&u, LSR), 0x63);
	/* with bit 0 clear the other bits are not acted on (FCR bit 0 description) */
	wr(&u, FCR, 0x06);
	assert_int_equal(rd(&u, LSR), 0x61);
	assert_int_equal(rd(&u, RBR), 'y'); /* the overrun overwrote RBR */
	assert_int_equal(rd(&u, IIR), 0x01);
}

static void trigger_levels(void **state)
{
	(void)state;
	static const struct {
		uint8_t fcr;
		unsigned level;
	} cases[] = { { 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 } };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct uart16550 u;
		uart16550_init(&u, NULL, NULL);
		wr(&u, IER, 0x01);
		wr(&u, FCR, cases[c].fcr);
		for (unsigned i = 0; i + 1 < cases[c].level; i++)
			assert_true(uart16550_receive(&u, (uint8_t)i));
		/* below the level: data ready, but no interrupt until the character timeout */
		assert_int_equal(rd(&u, LSR) & 0x01, cases[c].level > 1);
		assert_false(uart16550_interrupt_pending(&u));
		assert_int_equal(rd(&u, IIR), 0xc1);
		assert_true(uart16550_receive(&u, 0xee));
		assert_true(uart16550_interrupt_pending(&u));
		assert_int_equal(rd(&u, IIR), 0xc4);
		assert_int_equal(rd(&u, IIR), 0xc4); /* reading IIR does not clear it */
		/* more bytes: still pending; drops below the level: cleared */
		assert_true(uart16550_receive(&u, 0xef));
		assert_int_equal(rd(&u, IIR), 0xc4);
		rd(&u, RBR);
		assert_int_equal(rd(&u, IIR), 0xc4);
		rd(&u, RBR);
		assert_int_equal(rd(&u, IIR), 0xc1);
		assert_false(uart16550_interrupt_pending(&u));
	}
}

/* The character timeout: bytes below the trigger level raise IIR 0xc once the caller says
 * the FIFO has not moved for four character times; a read of RBR or a new byte ends it. */
static void character_timeout(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, IER, 0x01);
	wr(&u, FCR, 0x81); /* trigger level 8 */
	uint32_t moves = u.rx_moves;
	assert_true(uart16550_receive(&u, 'a'));
	assert_true(uart16550_receive(&u, 'b'));
	assert_true(uart16550_receive(&u, 'c'));
	assert_int_equal(u.rx_moves, moves + 3);
	assert_false(uart16550_interrupt_pending(&u));
	uart16550_rx_timed_out(&u);
	assert_true(uart16550_interrupt_pending(&u));
	assert_int_equal(rd(&u, IIR), 0xcc);
	assert_int_equal(rd(&u, IIR), 0xcc); /* reading IIR does not end it */
	assert_int_equal(rd(&u, RBR), 'a');   /* reading RBR does */
	assert_int_equal(u.rx_moves, moves + 4);
	assert_int_equal(rd(&u, IIR), 0xc1);
	uart16550_rx_timed_out(&u);           /* bytes still wait: again */
	assert_int_equal(rd(&u, IIR), 0xcc);
	assert_true(uart16550_receive(&u, 'd')); /* so does a new byte */
	assert_int_equal(rd(&u, IIR), 0xc1);
	/* Not while IER bit 0 is clear, and no longer once the FIFO is empty. */
	uart16550_rx_timed_out(&u);
	wr(&u, IER, 0x00);
	assert_false(uart16550_interrupt_pending(&u));
	wr(&u, IER, 0x01);
	assert_int_equal(rd(&u, IIR), 0xcc);
	rd(&u, RBR);
	rd(&u, RBR);
	rd(&u, RBR);
	uart16550_rx_timed_out(&u);
	assert_int_equal(rd(&u, IIR), 0xc1);
	/* Without FIFOs there is no timeout: one byte is "data available" at once. */
	wr(&u, FCR, 0x00);
	assert_true(uart16550_receive(&u, 'e'));
	uart16550_rx_timed_out(&u);
	assert_int_equal(rd(&u, IIR), 0x04);
}

/* A character's time on the line: 8N1 at 115200 baud is 10 bits, 86,805 ns; 7 bits with
 * parity and 2 stop bits at 9600 baud (divisor 12) is 11 bits. */
static void character_time(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, LCR, 0x83);
	wr(&u, DLL, 1);
	wr(&u, LCR, 0x03);
	assert_int_equal(uart16550_char_ns(&u), 86805);
	wr(&u, LCR, 0x80 | 0x0e);
	wr(&u, DLL, 12);
	wr(&u, LCR, 0x0e);
	assert_int_equal(uart16550_char_ns(&u), 1145833);
	wr(&u, LCR, 0x80);
	wr(&u, DLL, 0); /* divisor 0 counts as 1 */
	wr(&u, LCR, 0x00);
	assert_int_equal(uart16550_char_ns(&u), 7 * 1000000000ull / 115200);
}

static void data_available_without_fifos(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	assert_true(uart16550_receive(&u, 'a'));
	assert_int_equal(rd(&u, IIR), 0x01); /* ERBFI off */
	wr(&u, IER, 0x01);
	assert_int_equal(rd(&u, IIR), 0x04);
	assert_int_equal(rd(&u, RBR), 'a');
	assert_int_equal(rd(&u, IIR), 0x01);
	/* the trigger level of an earlier FIFO mode does not apply in 16450 mode */
	wr(&u, FCR, 0xc1);
	wr(&u, FCR, 0x00);
	assert_true(uart16550_receive(&u, 'b'));
	assert_int_equal(rd(&u, IIR), 0x04);
}

static void iir_reports_by_priority(void **state)
{
	(void)state;
	struct line line = { 0 };
	struct uart16550 u;
	uart16550_init(&u, line_tx, &line);
	/* all four sources at once: loopback entry sets modem deltas, enabling ETBEI
	 * latches THRE, two looped bytes fill RBR and overrun it */
	wr(&u, MCR, 0x10);
	wr(&u, THR, 'p');
	wr(&u, THR, 'q');
	wr(&u, IER, 0x00);
	assert_int_equal(rd(&u, IIR), 0x01); /* all masked */
	assert_false(uart16550_interrupt_pending(&u));
	wr(&u, IER, 0x0f);
	assert_true(uart16550_interrupt_pending(&u));
	assert_int_equal(rd(&u, IIR), 0x06);
	assert_int_equal(rd(&u, IIR), 0x06);
	assert_int_equal(rd(&u, LSR), 0x63);
	assert_int_equal(rd(&u, IIR), 0x04);
	assert_int_equal(rd(&u, IIR), 0x04); /* THRE not acknowledged behind it */
	assert_int_equal(rd(&u, RBR), 'q'); /* the overrun overwrote RBR */
	assert_int_equal(rd(&u, IIR), 0x02);
	assert_int_equal(rd(&u, IIR), 0x00); /* THRE acknowledged by the read */
	assert_int_equal(rd(&u, MSR), 0x0b);
	assert_int_equal(rd(&u, IIR), 0x01);
	assert_false(uart16550_interrupt_pending(&u));
	assert_int_equal(line.count, 0);
}

static void iir_with_fifos_and_masked_sources(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, FCR, 0x01);
	for (unsigned i = 0; i < UART16550_FIFO + 1; i++)
		uart16550_receive(&u, (uint8_t)i);
	/* OE and data, but only ERBFI: the line status is not reported */
	wr(&u, IER, 0x01);
	assert_int_equal(rd(&u, IIR), 0xc4);
	wr(&u, IER, 0x05);
	assert_int_equal(rd(&u, IIR), 0xc6);
	wr(&u, IER, 0x04);
	assert_int_equal(rd(&u, IIR), 0xc6);
	assert_int_equal(rd(&u, LSR), 0x63);
	assert_int_equal(rd(&u, IIR), 0xc1);
}

static void thre_latch_rules(void **state)
{
	(void)state;
	struct line line = { 0 };
	struct uart16550 u;
	uart16550_init(&u, line_tx, &line);
	/* not latched at reset: enabling ETBEI while THR is empty latches it */
	wr(&u, IER, 0x02);
	assert_true(uart16550_interrupt_pending(&u));
	assert_true(uart16550_interrupt_pending(&u)); /* asking does not clear it */
	assert_int_equal(rd(&u, IIR), 0x02);
	assert_int_equal(rd(&u, IIR), 0x01);
	assert_false(uart16550_interrupt_pending(&u));
	/* rewriting IER with ETBEI already set is no new 0 -> 1 change */
	wr(&u, IER, 0x02);
	assert_int_equal(rd(&u, IIR), 0x01);
	/* turning it off and on is */
	wr(&u, IER, 0x00);
	wr(&u, IER, 0x02);
	assert_int_equal(rd(&u, IIR), 0x02);
	assert_int_equal(rd(&u, IIR), 0x01);
	/* each THR write empties THR again at once: latched anew */
	wr(&u, THR, 'a');
	assert_int_equal(rd(&u, IIR), 0x02);
	assert_int_equal(rd(&u, IIR), 0x01);
	/* THR written while ETBEI is off: reported once it is on */
	wr(&u, IER, 0x00);
	wr(&u, THR, 'b');
	assert_int_equal(rd(&u, IIR), 0x01); /* masked: reading does not acknowledge */
	assert_false(uart16550_interrupt_pending(&u));
	wr(&u, IER, 0x0a);
	assert_int_equal(rd(&u, IIR), 0x02);
	assert_int_equal(rd(&u, IIR), 0x01);
	/* behind received data, THRE waits until the data is read */
	wr(&u, IER, 0x03);
	wr(&u, THR, 'c');
	assert_true(uart16550_receive(&u, 'r'));
	assert_int_equal(rd(&u, IIR), 0x04);
	assert_int_equal(rd(&u, RBR), 'r');
	assert_int_equal(rd(&u, IIR), 0x02);
	assert_int_equal(rd(&u, IIR), 0x01);
	assert_int_equal(line.count, 3);
}

static void lsr_clears_errors_on_read(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	assert_true(uart16550_receive(&u, 'a'));
	assert_false(uart16550_receive(&u, 'b'));
	assert_false(uart16550_receive(&u, 'c'));
	/* reading RBR does not clear OE, only reading LSR does; the last byte overwrote RBR */
	assert_int_equal(rd(&u, RBR), 'c');
	assert_int_equal(rd(&u, LSR), 0x62);
	assert_int_equal(rd(&u, LSR), 0x60);
	/* reading other registers leaves OE alone */
	assert_true(uart16550_receive(&u, 'd'));
	assert_false(uart16550_receive(&u, 'e'));
	rd(&u, IIR);
	rd(&u, MSR);
	assert_int_equal(rd(&u, LSR), 0x63);
	assert_int_equal(rd(&u, LSR), 0x61);
}

static void msr_deltas_follow_mcr_in_loopback(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, NULL, NULL);
	wr(&u, IER, 0x08);
	assert_int_equal(rd(&u, IIR), 0x01);
	/* loopback with all outputs off: CTS, DSR, DCD drop from the terminal's on */
	wr(&u, MCR, 0x10);
	assert_int_equal(rd(&u, IIR), 0x00);
	assert_true(uart16550_interrupt_pending(&u));
	assert_int_equal(rd(&u, MSR), 0x0b);
	assert_int_equal(rd(&u, MSR), 0x00); /* deltas cleared by the read */
	assert_int_equal(rd(&u, IIR), 0x01);
	wr(&u, MCR, 0x12); /* RTS -> CTS */
	assert_int_equal(rd(&u, MSR), 0x11);
	wr(&u, MCR, 0x11); /* DTR -> DSR; CTS drops */
	assert_int_equal(rd(&u, MSR), 0x23);
	wr(&u, MCR, 0x14); /* OUT1 -> RI rising: no TERI; DSR drops */
	assert_int_equal(rd(&u, MSR), 0x42);
	wr(&u, MCR, 0x18); /* OUT2 -> DCD; RI falling: TERI */
	assert_int_equal(rd(&u, MSR), 0x8c);
	wr(&u, MCR, 0x1f);
	assert_int_equal(rd(&u, MSR), 0xf3);
	wr(&u, MCR, 0x1f); /* no change, no delta */
	assert_int_equal(rd(&u, MSR), 0xf0);
	assert_int_equal(rd(&u, IIR), 0x01);
	/* deltas collect until MSR is read */
	wr(&u, MCR, 0x1d); /* CTS drops: DCTS */
	wr(&u, MCR, 0x19); /* RI drops: TERI, DCTS still set */
	assert_int_equal(rd(&u, MSR), 0xa5);
	/* a line that goes back still counts as a change */
	wr(&u, MCR, 0x1b);
	wr(&u, MCR, 0x19);
	assert_int_equal(rd(&u, MSR), 0xa1);
	wr(&u, MCR, 0x1f);
	assert_int_equal(rd(&u, MSR), 0xf1);
	/* leaving loopback: the terminal again (CTS, DSR, DCD; RI off: TERI) */
	wr(&u, MCR, 0x0f);
	assert_int_equal(rd(&u, MSR), 0xb4);
	assert_int_equal(rd(&u, MSR), 0xb0);
	wr(&u, MCR, 0x00);
	assert_int_equal(rd(&u, MSR), 0xb0);
	assert_int_equal(rd(&u, IIR), 0x01);
}

static void loopback_echoes_thr_into_the_receiver(void **state)
{
	(void)state;
	struct line line = { 0 };
	struct uart16550 u;
	uart16550_init(&u, line_tx, &line);
	wr(&u, MCR, 0x13);
	wr(&u, THR, 'L');
	assert_int_equal(line.count, 0);
	assert_int_equal(rd(&u, LSR), 0x61);
	assert_int_equal(rd(&u, RBR), 'L');
	/* the line is disconnected from the receiver: no byte, no error */
	assert_false(uart16550_receive(&u, 'h'));
	assert_int_equal(rd(&u, LSR), 0x60);
	/* with FIFOs: in order, and an overrun past 16 bytes */
	wr(&u, FCR, 0x01);
	for (unsigned i = 0; i < UART16550_FIFO + 1; i++)
		wr(&u, THR, (uint8_t)('a' + i));
	assert_int_equal(rd(&u, LSR), 0x63);
	for (unsigned i = 0; i < UART16550_FIFO; i++)
		assert_int_equal(rd(&u, RBR), 'a' + i);
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_int_equal(line.count, 0);
	/* out of loopback: THR to the line, the line to the receiver */
	wr(&u, MCR, 0x03);
	wr(&u, THR, 'T');
	assert_int_equal(line.count, 1);
	assert_int_equal(line.bytes[0], 'T');
	assert_int_equal(rd(&u, LSR), 0x60);
	assert_true(uart16550_receive(&u, 'R'));
	assert_int_equal(rd(&u, RBR), 'R');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_values),
		cmocka_unit_test(init_resets_a_used_uart),
		cmocka_unit_test(thr_goes_to_tx_at_once),
		cmocka_unit_test(no_tx_callback_drops_bytes),
		cmocka_unit_test(dlab_switches_offsets_0_and_1),
		cmocka_unit_test(ier_keeps_bits_0_to_3),
		cmocka_unit_test(lcr_and_scr_keep_all_bits),
		cmocka_unit_test(mcr_keeps_bits_0_to_4),
		cmocka_unit_test(lsr_and_msr_writes_ignored),
		cmocka_unit_test(other_offsets_read_ff_and_ignore_writes),
		cmocka_unit_test(holding_register_without_fifos),
		cmocka_unit_test(fifo_fills_overruns_and_drains_in_order),
		cmocka_unit_test(fifo_wraps_around),
		cmocka_unit_test(fcr_bit_1_clears_the_receive_fifo_only),
		cmocka_unit_test(fcr_enable_change_clears_the_receiver),
		cmocka_unit_test(trigger_levels),
		cmocka_unit_test(character_timeout),
		cmocka_unit_test(character_time),
		cmocka_unit_test(data_available_without_fifos),
		cmocka_unit_test(iir_reports_by_priority),
		cmocka_unit_test(iir_with_fifos_and_masked_sources),
		cmocka_unit_test(thre_latch_rules),
		cmocka_unit_test(lsr_clears_errors_on_read),
		cmocka_unit_test(msr_deltas_follow_mcr_in_loopback),
		cmocka_unit_test(loopback_echoes_thr_into_the_receiver),
		cmocka_unit_test(can_receive_says_whether_a_byte_would_be_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
