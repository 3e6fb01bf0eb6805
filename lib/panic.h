/* Fatal errors. panic() is provided by the core: it prints the message and stops. */
#ifndef KEEL_LIB_PANIC_H
#define KEEL_LIB_PANIC_H

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define ASSERT(cond) \
	do { \
		if (!(cond)) \
			panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
