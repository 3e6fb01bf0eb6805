/* keelctl's command-line arguments (args.h). */
#include "guests/dom0/keelctl/args.h"

#include <string.h>

bool parse_decimal_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t n = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > max)
			return false;
	}
	if (n < min)
		return false;
	*out = (uint32_t)n;
	return true;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

enum domain_arg_kind domain_arg_parse(const char *arg, uint32_t *id)
{
	size_t len = strlen(arg);

	if (len > 0 && strspn(arg, "0123456789") == len)
		return parse_decimal_u32(arg, 0, UINT32_MAX, id) ? DOMAIN_ARG_ID : DOMAIN_ARG_INVALID;
	if (len == 0 || len >= KEEL_DOMAIN_NAME_MAX)
		return DOMAIN_ARG_INVALID;
	for (size_t i = 0; i < len; i++)
		if (!is_name_char(arg[i]))
			return DOMAIN_ARG_INVALID;
	return DOMAIN_ARG_NAME;
}

const struct keel_domain_status *domain_find(const struct keel_domain_status *doms, size_t n, const char *arg)
{
	uint32_t id = 0;
	enum domain_arg_kind kind = domain_arg_parse(arg, &id);

	for (size_t i = 0; i < n && kind != DOMAIN_ARG_INVALID; i++) {
		if (kind == DOMAIN_ARG_ID && doms[i].id == id)
			return &doms[i];
		if (kind == DOMAIN_ARG_NAME && strncmp(doms[i].name, arg, sizeof(doms[i].name)) == 0)
			return &doms[i];
	}
	return NULL;
}
