/* Counting checks, for the guests that report "<n> checks passed". */
#include "guests/lib/guest.h"
#include "lib/printf.h"

bool check(struct checks *c, bool ok, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	c->total++;
	if (ok)
		return true;
	c->failed++;
	va_start(ap, fmt);
	kvsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	guest_printf("%s: FAILED: %s\n", c->prog, what);
	return false;
}

int checks_summary(const struct checks *c)
{
	if (c->failed)
		guest_printf("%s: %u of %u checks failed\n", c->prog, c->failed, c->total);
	else
		guest_printf("%s: %u checks passed\n", c->prog, c->total);
	return (int)c->failed;
}
