/* Output: a polled 16550 UART at 0x3F8 (PC16550D datasheet: LCR, the divisor latch,
 * FCR, MCR, LSR), the console_write hypercall and the debug port 0xE9. Every byte is
 * its own OUT: Keel does not emulate string I/O. */
#include "guests/lib/guest.h"
#include "lib/printf.h"
#include "lib/string.h"

#define THRE_POLLS 100000 /* bounded: a missing UART reads 0xff, a broken one must not hang us */
#define PRINTF_MAX 1024

void uart_init(void)
{
	outb(UART_BASE + UART_LCR, UART_LCR_DLAB);
	outb(UART_BASE + UART_THR, 1); /* DLL: 115200 / 1 = 115200 baud */
	outb(UART_BASE + UART_IER, 0); /* DLM */
	outb(UART_BASE + UART_LCR, UART_LCR_8N1);
	outb(UART_BASE + UART_FCR, 0x07); /* FIFOs on, both cleared */
	outb(UART_BASE + UART_MCR, UART_MCR_DTR_RTS);
}

void uart_putc(char c)
{
	for (unsigned i = 0; i < THRE_POLLS && !(inb(UART_BASE + UART_LSR) & UART_LSR_THRE); i++)
		;
	outb(UART_BASE + UART_THR, (uint8_t)c);
}

void uart_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		uart_putc(s[i]);
}

void guest_vprintf(const char *fmt, va_list ap)
{
	char buf[PRINTF_MAX];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	uart_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void guest_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	guest_vprintf(fmt, ap);
	va_end(ap);
}

long guest_console_puts(const char *s)
{
	return hc_console_write(s, strlen(s));
}

void guest_debug_puts(const char *s)
{
	for (; *s; s++)
		outb(DEBUG_PORT, (uint8_t)*s);
}
