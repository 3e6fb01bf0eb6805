/* The 16550 UART model (vmm/dev/uart16550.c) under any sequence of guest accesses and
 * arriving bytes: each input pair is an operation (register and direction, or a byte from
 * the line) and its value. */
#include <stddef.h>
#include <stdint.h>
#include "vmm/dev/uart16550.h"

static void transmit(void *ctx, uint8_t byte)
{
	(void)byte;
	++*(unsigned *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uart16550 u;
	unsigned sent = 0;
	uart16550_init(&u, transmit, &sent);
	for (size_t i = 0; i + 1 < size; i += 2) {
		uint8_t op = data[i], value = data[i + 1];
		unsigned reg = op & 0xf; /* 8-15: offsets the chip does not have */
		if (op & 0x80)
			(void)uart16550_receive(&u, value);
		else if (op & 0x40)
			(void)uart16550_read(&u, reg);
		else
			uart16550_write(&u, reg, value);
		(void)uart16550_interrupt_pending(&u);
	}
	if (sent > size)
		__builtin_trap(); /* at most one byte out per write */
	return 0;
}
