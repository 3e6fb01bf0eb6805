#include <stdarg.h>
#include "arch/x86/cpu.h"
#include "arch/x86/platform.h"
#include "drivers/serial.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/printf.h"

static uint16_t exit_port, shutdown_port;

void platform_set_exit_ports(uint16_t exit, uint16_t shutdown)
{
	exit_port = exit;
	shutdown_port = shutdown;
}

void platform_exit(enum keel_status status)
{
	kprintf("Keel exit status %d\n", status);
	serial_drain(); /* an emulator may stop the moment it hears the status */
	if (exit_port)
		outb(exit_port, (uint8_t)status);
	if (shutdown_port)
		for (const char *c = "Shutdown"; *c; c++)
			outb(shutdown_port, (uint8_t)*c);
	halt_forever();
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("panic: %s", msg);
	log_error("Keel stopped.");
	platform_exit(KEEL_STATUS_PANIC);
}
