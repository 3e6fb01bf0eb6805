/* Formatted printing into a buffer. Supports %d %i %u %x %X %o %c %s %p %%, the length
 * modifiers hh h l ll z, flags '-' '0' '#', a field width and a precision (also '*').
 * %p prints 0x and the address in hex (0x0 for NULL); %s prints NULL as "(null)"; any other
 * conversion is printed as written.
 * Output is always NUL-terminated when size > 0; the return value is the length the full
 * output would have had, as in C's snprintf. */
#ifndef KEEL_LIB_PRINTF_H
#define KEEL_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
