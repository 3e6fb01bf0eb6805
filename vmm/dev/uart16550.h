/* A model of a 16550A UART (National Semiconductor / TI PC16550D) as a guest sees it
 * through its eight I/O ports. Pure code: no allocation, no globals, no port bus, so it
 * runs in the hypervisor and in host unit tests alike.
 *
 * Transmission is instantaneous: a byte written to THR is handed to tx() at once, so
 * LSR.THRE and LSR.TEMT are always set. The line settings (LCR word length, parity, stop
 * bits, break; the divisor) are stored and read back but change nothing: tx() gets all
 * eight bits. The far end is a connected terminal (CTS, DSR and DCD asserted, RI not).
 *
 * The model keeps no time. The FIFO's character timeout (IIR 0xc: bytes below the trigger
 * level wait and none has entered or left the FIFO for four character times) is its
 * caller's to signal, with uart16550_rx_timed_out; rx_moves tells it when the FIFO moved.
 *
 * Not modelled:
 * - parity, framing and break errors (the host hands over whole bytes): LSR.PE/FE/BI and
 *   LSR bit 7 are never set; only the overrun error OE is;
 * - the DMA mode (FCR bit 3, the RXRDY/TXRDY pins) and the transmit FIFO, which is never
 *   needed as transmission is instant. */
#ifndef KEEL_VMM_DEV_UART16550_H
#define KEEL_VMM_DEV_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART16550_PORTS 8 /* registers at base + 0 .. base + 7 */
#define UART16550_FIFO 16 /* bytes in the receive FIFO */

typedef void (*uart16550_tx_fn)(void *ctx, uint8_t byte);

struct uart16550 {
	uint8_t ier;        /* bits 0-3 */
	uint8_t lcr;
	uint8_t mcr;        /* bits 0-4 */
	uint8_t lsr_errors; /* OE, PE, FE, BI as in LSR, until LSR is read */
	uint8_t msr;        /* bits 4-7 the modem inputs, bits 0-3 their deltas until read */
	uint8_t scr;
	uint8_t dll, dlm;   /* divisor latch */
	uint8_t fcr;        /* FIFO enable (bit 0), DMA mode (bit 3), trigger level (bits 6-7) */
	bool thre_pending;  /* the THRE interrupt is latched */
	uint8_t rbr;        /* the last byte the guest read from RBR */
	uint8_t rx[UART16550_FIFO]; /* receiver ring; with FIFOs off it holds one byte (RBR) */
	uint8_t rx_head;    /* index of the oldest byte */
	uint8_t rx_count;
	bool rx_timeout;    /* the character timeout indication is pending */
	uint32_t rx_moves;  /* bytes put into or taken from the receiver, and its resets */
	uart16550_tx_fn tx;
	void *ctx;
};

/* Power-on state (the datasheet's reset values), transmitted bytes go to tx(ctx, byte)
 * (tx may be NULL: they are dropped). The datasheet's Master Reset leaves the divisor
 * latch alone; the model starts it at 0 (not programmed), and SCR at 0. */
void uart16550_init(struct uart16550 *u, uart16550_tx_fn tx, void *ctx);

/* A guest's IN / OUT of one byte at register offset 0..7 (other offsets: read 0xff,
 * write ignored). */
uint8_t uart16550_read(struct uart16550 *u, unsigned offset);
void uart16550_write(struct uart16550 *u, unsigned offset, uint8_t value);

/* A byte arriving on the serial line (from the host side). Returns false and sets the
 * overrun error if the receiver has no room: with FIFOs the byte is lost, without them it
 * overwrites the unread byte in RBR, as on the chip. In loopback mode the
 * receiver is disconnected from the line: the byte is dropped and false returned, with
 * no error. */
bool uart16550_receive(struct uart16550 *u, uint8_t byte);
/* Whether a byte arriving now would be kept: the receiver listens to the line (no
 * loopback) and has room (with FIFOs, 16 bytes; without, an empty RBR). */
bool uart16550_can_receive(const struct uart16550 *u);

/* The FIFO has not moved for four character times: the timeout indication (IIR 0xc, as
 * "received data available" an interrupt while IER bit 0 is set) if bytes wait with FIFOs
 * on. Reading RBR or a new byte ends it. */
void uart16550_rx_timed_out(struct uart16550 *u);
/* How long one character takes on the line as programmed (start bit, LCR's data, parity
 * and stop bits, at 115200 / divisor baud; a divisor of 0 counts as 1), in ns. */
uint64_t uart16550_char_ns(const struct uart16550 *u);

/* True when the chip would assert its interrupt output (IIR bit 0 clear). */
bool uart16550_interrupt_pending(const struct uart16550 *u);
/* The OUT2 output (MCR bit 3), through which a PC's board enables the interrupt. */
bool uart16550_out2(const struct uart16550 *u);

#endif
