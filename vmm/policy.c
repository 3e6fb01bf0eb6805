#include "lib/string.h"
#include "vmm/domain.h"
#include "vmm/policy.h"

/* The rights caller's configuration gives it over a domain of that name: POLICY_* bits. */
static unsigned rights_over(const struct domain *caller, const char *name)
{
	const struct domain_config *cfg = &caller->config;
	for (unsigned i = 0; i < cfg->nrights; i++)
		if (strcmp(cfg->rights[i].target, name) == 0)
			return cfg->rights[i].ops;
	return 0;
}

bool policy_allows(const struct domain *caller, enum policy_op op, const struct domain *target)
{
	if (op == POLICY_SELF || caller->id == DOM0_ID)
		return true;
	if (op == POLICY_LIST)
		return caller->config.nrights > 0;
	if (!policy_op_has_target(op) || !target || target->id == DOM0_ID)
		return false;
	unsigned ops = rights_over(caller, target->config.name);
	return op == POLICY_INFO ? ops != 0 : (ops & (1u << op)) != 0;
}
