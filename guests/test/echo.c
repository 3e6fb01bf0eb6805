/* echo: a line-at-a-time terminal on COM1, driven by its receive interrupt, for the domain
 * that takes Keel's serial input (keel.cfg's serial_input). It enables the UART's "received
 * data available" interrupt (IER bit 0, with OUT2, the PC board's gate), routed through the
 * I/O APIC's pin 4, prints "echo: ready" and waits with HLT. Its handler reads every byte the
 * receiver holds; each line (ended by CR or LF; an empty one is skipped) is printed back as
 * "echo: got '<line>'". The line "quit" ends it: "echo: <lines> lines, <bytes> bytes in <n>
 * interrupts", exit status 0. With no complete line for timeout_ms=<ms> of Keel's clock
 * (default 60000) it prints "echo: FAILED: no input for <ms> ms" and ends with status 1. */
#include "guests/lib/guest.h"
#include "lib/string.h"

#define UART_RBR 0
#define UART_IER_RDA 0x01
#define UART_MCR_OUT2 0x08
#define COM1_PIN 4
#define VECTOR_COM1 0x34
#define LINE_MAX 128
#define NS_PER_MS 1000000ull

static volatile unsigned interrupts;
static volatile unsigned received;
static volatile char pending[LINE_MAX * 4]; /* what the handler read, not yet taken */
static volatile unsigned pending_count;

/* Reads all the receiver holds (LSR bit 0, data ready), then ends the interrupt. */
static void on_com1(struct guest_trap_frame *f)
{
	(void)f;
	interrupts++;
	while (inb(UART_BASE + UART_LSR) & UART_LSR_DR) {
		char c = (char)inb(UART_BASE + UART_RBR);
		received++;
		if (pending_count < sizeof(pending))
			pending[pending_count++] = c;
	}
	*(volatile uint32_t *)(uintptr_t)LAPIC_EOI_REGISTER = 0;
}

/* Takes the bytes the handler read into line (length *len): true once a line ended. */
static bool take_line(char *line, unsigned *len)
{
	bool ended = false;
	__asm__ volatile("cli");
	unsigned i = 0;
	for (; i < pending_count && !ended; i++) {
		char c = pending[i];
		if (c == '\r' || c == '\n')
			ended = *len > 0;
		else if (*len < LINE_MAX - 1)
			line[(*len)++] = c;
	}
	for (unsigned j = i; j < pending_count; j++)
		pending[j - i] = pending[j];
	pending_count -= i;
	line[*len] = '\0';
	return ended;
}

int guest_main(const struct guest_boot *boot)
{
	uint64_t timeout_ms = 60000;
	cmdline_u64(boot->cmdline, "timeout_ms", &timeout_ms);
	guest_traps_init();
	guest_trap_handler(VECTOR_COM1, on_com1);
	guest_ioapic_route(COM1_PIN, VECTOR_COM1, false);
	outb(UART_BASE + UART_MCR, UART_MCR_DTR_RTS | UART_MCR_OUT2);
	outb(UART_BASE + UART_IER, UART_IER_RDA);
	guest_printf("echo: ready\n");

	char line[LINE_MAX];
	unsigned len = 0, lines = 0;
	for (;;) {
		unsigned seen = interrupts;
		if (take_line(line, &len)) {
			if (!strcmp(line, "quit"))
				break;
			guest_printf("echo: got '%s'\n", line);
			lines++;
			len = 0;
			continue;
		}
		if (!guest_wait_interrupts(&interrupts, seen + 1, timeout_ms * NS_PER_MS)) {
			guest_printf("echo: FAILED: no input for %lu ms\n", timeout_ms);
			return 1;
		}
	}
	outb(UART_BASE + UART_IER, 0);
	guest_ioapic_route(COM1_PIN, VECTOR_COM1, true);
	guest_printf("echo: %u lines, %u bytes in %u interrupts\n", lines, received, interrupts);
	return 0;
}
