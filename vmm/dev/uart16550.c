/* The 16550A UART model (see uart16550.h). Register names, bits and reset values follow
 * the PC16550D datasheet (National Semiconductor, now TI): its register summary, the
 * "UART Reset Configuration" and "Interrupt Control Functions" tables and the register
 * descriptions, cited below by register and bit. */
#include "vmm/dev/uart16550.h"

/* Register offsets; DLAB is LCR bit 7. */
#define REG_RBR_THR 0 /* DLL while DLAB = 1 */
#define REG_IER     1 /* DLM while DLAB = 1 */
#define REG_IIR_FCR 2
#define REG_LCR     3
#define REG_MCR     4
#define REG_LSR     5
#define REG_MSR     6
#define REG_SCR     7

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
#define IER_MASK  0x0f /* bits 4-7 are always 0 */

/* IIR bits 3-1 name the highest-priority source; bit 0 = 1: none pending. */
#define IIR_NONE      0x01
#define IIR_RLS       0x06 /* receiver line status, priority 1 */
#define IIR_RDA       0x04 /* received data available, priority 2 */
#define IIR_TIMEOUT   0x0c /* character timeout, priority 2 */
#define IIR_THRE      0x02 /* transmitter holding register empty, priority 3 */
#define IIR_MODEM     0x00 /* modem status, priority 4 */
#define IIR_FIFOS_ON  0xc0 /* bits 7-6 set while FCR bit 0 is */

#define FCR_ENABLE    0x01
#define FCR_RX_RESET  0x02 /* self-clearing */
#define FCR_TX_RESET  0x04 /* self-clearing */
#define FCR_DMA_MODE  0x08
#define FCR_TRIGGER   0xc0
#define FCR_KEPT      (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER)

#define LCR_DLAB 0x80

#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define MCR_MASK  0x1f /* bits 5-7 are always 0 */

#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_PE    0x04
#define LSR_FE    0x08
#define LSR_BI    0x10
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS  0x01
#define MSR_DDSR  0x02
#define MSR_TERI  0x04 /* RI went from on to off (the ~RI pin from low to high) */
#define MSR_DDCD  0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80

/* The far end: a terminal that is on (CTS, DSR, DCD asserted) and does not ring. */
#define MSR_TERMINAL (MSR_CTS | MSR_DSR | MSR_DCD)

static bool fifos_on(const struct uart16550 *u)
{
	return u->fcr & FCR_ENABLE;
}

static bool loopback(const struct uart16550 *u)
{
	return u->mcr & MCR_LOOP;
}

/* With FIFOs off the receiver is the one-byte RBR (the 16450 mode). */
static unsigned rx_capacity(const struct uart16550 *u)
{
	return fifos_on(u) ? UART16550_FIFO : 1;
}

/* FCR bits 7-6: the receive FIFO interrupt trigger level, in bytes. */
static unsigned rx_trigger(const struct uart16550 *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };
	return levels[(u->fcr & FCR_TRIGGER) >> 6];
}

static void rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->rx_timeout = false;
	u->rx_moves++;
}

/* A character the receiver has assembled goes into the FIFO (or RBR). When there is no
 * room it is an overrun (LSR bit 1): with FIFOs the new character is lost, in the 16450
 * mode it overwrites the unread one in RBR (datasheet, LSR bit 1). */
static bool rx_push(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_errors |= LSR_OE;
		if (!fifos_on(u))
			u->rx[u->rx_head] = byte;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % UART16550_FIFO] = byte;
	u->rx_count++;
	u->rx_timeout = false;
	u->rx_moves++;
	return true;
}

/* RBR: the oldest byte; an empty receiver reads as the last byte read. */
static uint8_t rx_pop(struct uart16550 *u)
{
	if (u->rx_count) {
		u->rbr = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART16550_FIFO;
		u->rx_count--;
		u->rx_timeout = false;
		u->rx_moves++;
	}
	return u->rbr;
}

/* The MSR status bits 7-4 as the modem inputs now stand. In loopback mode the four
 * modem control outputs drive the four inputs inside the chip: RTS -> CTS, DTR -> DSR,
 * OUT1 -> RI, OUT2 -> DCD (datasheet, MCR bit 4). */
static uint8_t modem_inputs(const struct uart16550 *u)
{
	if (!loopback(u))
		return MSR_TERMINAL;
	uint8_t in = 0;
	if (u->mcr & MCR_RTS)
		in |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		in |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		in |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		in |= MSR_DCD;
	return in;
}

/* Takes in the modem inputs after MCR changed, setting the delta bits of those that
 * changed: DCTS, DDSR, DDCD on any change, TERI only when RI turns off. Entering or
 * leaving loopback switches the inputs between the terminal and MCR, which counts too. */
static void modem_update(struct uart16550 *u)
{
	uint8_t old = u->msr & ~MSR_DELTAS;
	uint8_t now = modem_inputs(u);
	uint8_t changed = old ^ now;
	uint8_t deltas = 0;
	if (changed & MSR_CTS)
		deltas |= MSR_DCTS;
	if (changed & MSR_DSR)
		deltas |= MSR_DDSR;
	if ((old & MSR_RI) && !(now & MSR_RI))
		deltas |= MSR_TERI;
	if (changed & MSR_DCD)
		deltas |= MSR_DDCD;
	u->msr = now | (u->msr & MSR_DELTAS) | deltas;
}

static bool rx_data_available(const struct uart16550 *u)
{
	/* With FIFOs on, pending from the trigger level until the FIFO drops below it. */
	if (fifos_on(u))
		return u->rx_count >= rx_trigger(u);
	return u->rx_count > 0;
}

/* IIR bits 3-0: the pending source of highest priority ("Interrupt Control Functions"). */
static uint8_t interrupt_id(const struct uart16550 *u)
{
	if ((u->ier & IER_ELSI) && (u->lsr_errors & LSR_ERRORS))
		return IIR_RLS;
	if ((u->ier & IER_ERBFI) && rx_data_available(u))
		return IIR_RDA;
	if ((u->ier & IER_ERBFI) && u->rx_timeout)
		return IIR_TIMEOUT;
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
		return IIR_MODEM;
	return IIR_NONE;
}

/* THR: the byte leaves at once, so THR is empty again and the THRE interrupt is latched
 * anew (writing THR clears it, THR becoming empty sets it). In loopback mode the
 * transmitter output is looped to the receiver instead of the line. */
static void transmit(struct uart16550 *u, uint8_t byte)
{
	u->thre_pending = false;
	if (loopback(u))
		rx_push(u, byte);
	else if (u->tx)
		u->tx(u->ctx, byte);
	u->thre_pending = true;
}

static void write_ier(struct uart16550 *u, uint8_t value)
{
	uint8_t old = u->ier;
	u->ier = value & IER_MASK;
	/* Enabling ETBEI while THR is empty (always, here) raises the THRE interrupt. */
	if (!(old & IER_ETBEI) && (u->ier & IER_ETBEI))
		u->thre_pending = true;
}

/* FCR: bit 0 must be 1 for the other bits to be written (datasheet, FCR bit 0).
 * Changing bit 0 between the FIFO and the 16450 mode empties both FIFOs. */
static void write_fcr(struct uart16550 *u, uint8_t value)
{
	if ((value ^ u->fcr) & FCR_ENABLE)
		rx_clear(u);
	if (!(value & FCR_ENABLE)) {
		u->fcr &= ~FCR_ENABLE;
		return;
	}
	u->fcr = value & FCR_KEPT;
	if (value & FCR_RX_RESET)
		rx_clear(u);
	/* FCR_TX_RESET: the transmit FIFO is always empty. */
}

static uint8_t read_lsr(struct uart16550 *u)
{
	uint8_t lsr = u->lsr_errors | LSR_THRE | LSR_TEMT;
	if (u->rx_count)
		lsr |= LSR_DR;
	/* The error bits clear on reading LSR. Bit 7 (an error in the receive FIFO) would
	 * report PE, FE or BI, which never occur here. */
	u->lsr_errors = 0;
	return lsr;
}

static uint8_t read_iir(struct uart16550 *u)
{
	uint8_t id = interrupt_id(u);
	/* Reading IIR acknowledges the THRE interrupt only when it is the source reported. */
	if (id == IIR_THRE)
		u->thre_pending = false;
	return id | (fifos_on(u) ? IIR_FIFOS_ON : 0);
}

void uart16550_init(struct uart16550 *u, uart16550_tx_fn tx, void *ctx)
{
	/* "UART Reset Configuration": IER, FCR, LCR, MCR 0; IIR 0x01 and LSR 0x60 follow
	 * from that; MSR bits 7-4 the inputs, no deltas. SCR and the divisor: 0. */
	*u = (struct uart16550){
		.msr = MSR_TERMINAL,
		.tx = tx,
		.ctx = ctx,
	};
}

uint8_t uart16550_read(struct uart16550 *u, unsigned offset)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t msr;

	switch (offset) {
	case REG_RBR_THR:
		return dlab ? u->dll : rx_pop(u);
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR_FCR:
		return read_iir(u);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return read_lsr(u);
	case REG_MSR:
		msr = u->msr;
		u->msr &= ~MSR_DELTAS; /* the deltas clear on reading MSR */
		return msr;
	case REG_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

void uart16550_write(struct uart16550 *u, unsigned offset, uint8_t value)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (offset) {
	case REG_RBR_THR:
		if (dlab)
			u->dll = value;
		else
			transmit(u, value);
		break;
	case REG_IER:
		if (dlab)
			u->dlm = value;
		else
			write_ier(u, value);
		break;
	case REG_IIR_FCR:
		write_fcr(u, value);
		break;
	case REG_LCR:
		u->lcr = value;
		break;
	case REG_MCR:
		u->mcr = value & MCR_MASK;
		modem_update(u);
		break;
	case REG_SCR:
		u->scr = value;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}

bool uart16550_receive(struct uart16550 *u, uint8_t byte)
{
	if (loopback(u))
		return false; /* the receiver listens to the transmitter, not the line */
	return rx_push(u, byte);
}

bool uart16550_can_receive(const struct uart16550 *u)
{
	return !loopback(u) && u->rx_count < rx_capacity(u);
}

bool uart16550_interrupt_pending(const struct uart16550 *u)
{
	return interrupt_id(u) != IIR_NONE;
}

bool uart16550_out2(const struct uart16550 *u)
{
	return u->mcr & MCR_OUT2;
}

void uart16550_rx_timed_out(struct uart16550 *u)
{
	if (fifos_on(u) && u->rx_count)
		u->rx_timeout = true;
}

uint64_t uart16550_char_ns(const struct uart16550 *u)
{
	unsigned bits = 1 + 5 + (u->lcr & 0x03) + (u->lcr & 0x08 ? 1 : 0) + (u->lcr & 0x04 ? 2 : 1);
	unsigned divisor = (unsigned)u->dlm << 8 | u->dll;
	return (uint64_t)bits * (divisor ? divisor : 1) * 1000000000ull / 115200;
}
