/* keel.cfg, and a domain's own configuration (dom0's domain_create): any bytes, with or
 * without a NUL, must parse or be refused with messages; a domain's own configuration that
 * parses holds exactly one domain. Both parsers see every input. */
#include <stddef.h>
#include <stdint.h>
#include "vmm/config.h"

static void count(void *ctx, int line, const char *msg)
{
	(void)line;
	(void)msg;
	++*(unsigned *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keel_config cfg;
	unsigned reports = 0;
	int problems = config_parse((const char *)data, size, &cfg, count, &reports);
	if (problems < 0 || (unsigned)problems != reports || cfg.ndomains > CONFIG_MAX_DOMAINS)
		__builtin_trap();
	reports = 0;
	problems = config_parse_domain((const char *)data, size, &cfg, count, &reports);
	if (problems < 0 || (unsigned)problems != reports || (problems == 0 && cfg.ndomains != 1) || cfg.ndomains > 1)
		__builtin_trap();
	return 0;
}
