#include "drivers/serial.h"
#include "arch/x86/cpu.h"

/* 16550 registers, offsets from the base port. */
#define UART_DATA 0 /* THR on write; divisor low byte while LCR.DLAB = 1 */
#define UART_IER 1  /* interrupt enable; divisor high byte while LCR.DLAB = 1 */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TRANSMITTER_EMPTY 0x40 /* holding and shift registers both empty */

static uint16_t uart;
static bool raw_line_open; /* the last raw bytes sent did not end their line */

void serial_init(uint16_t base)
{
	uart = base;
	outb(uart + UART_IER, 0x00);       /* polled: no interrupts */
	outb(uart + UART_LCR, LCR_DLAB);
	outb(uart + UART_DATA, 1);         /* divisor 1: 115200 baud */
	outb(uart + UART_IER, 0);
	outb(uart + UART_LCR, LCR_8N1);
	outb(uart + UART_FCR, 0x07);       /* enable and clear the FIFOs */
	outb(uart + UART_MCR, 0x03);       /* DTR, RTS */
}

static void wait_for(uint8_t lsr_bits)
{
	for (unsigned spins = 0; spins < 1000000 && !(inb(uart + UART_LSR) & lsr_bits); spins++)
		;
}

static void serial_put(char c)
{
	wait_for(LSR_THR_EMPTY); /* or characters are lost */
	outb(uart + UART_DATA, (uint8_t)c);
}

void serial_drain(void)
{
	if (uart)
		wait_for(LSR_TRANSMITTER_EMPTY);
}

bool serial_read(uint8_t *c)
{
	if (!uart)
		return false;
	uint8_t lsr = inb(uart + UART_LSR);
	if (lsr == 0xff || !(lsr & LSR_DATA_READY)) /* 0xff: no UART there, the bus floats high */
		return false;
	*c = inb(uart + UART_DATA);
	return true;
}

void serial_write(const char *text, size_t len)
{
	if (!uart)
		return;
	if (raw_line_open && len) {
		serial_put('\r');
		serial_put('\n');
		raw_line_open = false;
	}
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			serial_put('\r');
		serial_put(text[i]);
	}
}

void serial_write_raw(const char *text, size_t len)
{
	if (!uart || !len)
		return;
	for (size_t i = 0; i < len; i++)
		serial_put(text[i]);
	raw_line_open = text[len - 1] != '\n';
}
