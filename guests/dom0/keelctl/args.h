/* keelctl's command-line arguments: pure checks of numbers and of domain arguments (an id
 * or a name), and finding a domain in a domain_list answer. */
#ifndef KEELCTL_ARGS_H
#define KEELCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/keel/hypercall.h"

/* s is a decimal number from min to max, digits only: true, with it in *out. */
bool parse_decimal_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

enum domain_arg_kind {
	DOMAIN_ARG_INVALID, /* neither: empty, a number beyond 2^32 - 1, a character no name has */
	DOMAIN_ARG_ID,      /* digits only, as in xl: a domain's id */
	DOMAIN_ARG_NAME,    /* 1-31 of a-z, 0-9, '_', '-' with a character other than a digit */
};

/* What arg names; for an id, the id is in *id. */
enum domain_arg_kind domain_arg_parse(const char *arg, uint32_t *id);

/* The domain of doms (n entries) arg names, or NULL if it names none or is invalid. */
const struct keel_domain_status *domain_find(const struct keel_domain_status *doms, size_t n, const char *arg);

#endif
