/* The commands that act on one domain and print nothing: destroy, shutdown, reboot, pause,
 * unpause. */
#include <stdint.h>

#include "guests/dom0/keelctl/cli.h"
#include "guests/dom0/keelctl/dev.h"
#include "guests/dom0/keelctl/domains.h"
#include "guests/dom0/keelctl/keelctl.h"

/* Makes hypercall nr with the id of the domain argv[1] names, and arg1. */
static int act_on_domain(const char *command, int argc, char **argv, uint64_t nr, uint64_t arg1)
{
	struct domain_list l;
	int64_t r;

	cli_expect_args(command, argc, argv, 1, 1, "no domain given");
	domains_check_arg(command, argv[1]);
	domains_fetch(command, &l);
	r = dev_call(nr, domains_resolve(command, &l, argv[1])->id, arg1, 0, 0);
	domains_free(&l);
	if (r < 0)
		keel_fail(command, r);
	return 0;
}

int cmd_destroy(int argc, char **argv)
{
	return act_on_domain("destroy", argc, argv, KEEL_HC_DOMAIN_DESTROY, 0);
}

int cmd_shutdown(int argc, char **argv)
{
	return act_on_domain("shutdown", argc, argv, KEEL_HC_DOMAIN_SHUTDOWN, KEEL_SHUTDOWN_POWEROFF);
}

int cmd_reboot(int argc, char **argv)
{
	return act_on_domain("reboot", argc, argv, KEEL_HC_DOMAIN_SHUTDOWN, KEEL_SHUTDOWN_REBOOT);
}

int cmd_pause(int argc, char **argv)
{
	return act_on_domain("pause", argc, argv, KEEL_HC_DOMAIN_PAUSE, 0);
}

int cmd_unpause(int argc, char **argv)
{
	return act_on_domain("unpause", argc, argv, KEEL_HC_DOMAIN_UNPAUSE, 0);
}
