/* The commands that show domains as tables: list (xl list) and sched-credit (xl
 * sched-credit), which also sets a domain's weight and cap. */
#include <stdbool.h>
#include <stdio.h>

#include "guests/dom0/keelctl/args.h"
#include "guests/dom0/keelctl/cli.h"
#include "guests/dom0/keelctl/dev.h"
#include "guests/dom0/keelctl/domains.h"
#include "guests/dom0/keelctl/format.h"
#include "guests/dom0/keelctl/keelctl.h"

typedef void format_line_fn(char *buf, size_t size, const struct keel_domain_status *d);

/* The header, then the line of one domain (d) or of every domain of l. */
static void print_table(const char *header, format_line_fn *format_line, const struct domain_list *l,
			const struct keel_domain_status *d)
{
	char line[FORMAT_LINE_MAX];

	puts(header);
	for (size_t i = 0; i < l->n; i++) {
		if (d && d != &l->v[i])
			continue;
		format_line(line, sizeof(line), &l->v[i]);
		puts(line);
	}
}

int cmd_list(int argc, char **argv)
{
	const struct keel_domain_status *d;
	struct domain_list l;

	cli_expect_args("list", argc, argv, 0, 1, "");
	if (argc == 2)
		domains_check_arg("list", argv[1]);
	domains_fetch("list", &l);
	d = argc == 2 ? domains_resolve("list", &l, argv[1]) : NULL;
	print_table(format_list_header(), format_list_line, &l, d);
	domains_free(&l);
	return 0;
}

/* A number option's value, from min to max. */
static uint32_t option_number(const char *what, const char *arg, uint32_t min, uint32_t max)
{
	uint32_t n;

	if (!parse_decimal_u32(arg, min, max, &n))
		usage_fail("sched-credit", "%s '%s' is not a number from %u to %u", what, arg, min, max);
	return n;
}

int cmd_sched_credit(int argc, char **argv)
{
	static const struct option options[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "weight", required_argument, NULL, 'w' },
		{ "cap", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dom = NULL;
	bool set_weight = false, set_cap = false;
	uint32_t weight = 0, cap = 0;
	const struct keel_domain_status *d = NULL;
	struct domain_list l;
	int opt;

	while ((opt = cli_option("sched-credit", argc, argv, "d:w:c:", options)) != -1) {
		if ((opt == 'd' && dom) || (opt == 'w' && set_weight) || (opt == 'c' && set_cap))
			usage_fail("sched-credit", "option '-%c' given twice", opt);
		if (opt == 'd') {
			dom = optarg;
		} else if (opt == 'w') {
			weight = option_number("weight", optarg, 1, KEEL_WEIGHT_MAX);
			set_weight = true;
		} else {
			cap = option_number("cap", optarg, 0, KEEL_CAP_MAX);
			set_cap = true;
		}
	}
	cli_expect_no_more("sched-credit", argc, argv);
	if ((set_weight || set_cap) && !dom)
		usage_fail("sched-credit", "setting a weight or cap needs the domain: -d <dom>");
	if (dom)
		domains_check_arg("sched-credit", dom);
	domains_fetch("sched-credit", &l);
	if (dom)
		d = domains_resolve("sched-credit", &l, dom);
	if (set_weight || set_cap) {
		int64_t r = dev_call(KEEL_HC_DOMAIN_SCHED, d->id, set_weight ? weight : d->weight,
				     set_cap ? cap : d->cap, 0);
		if (r < 0)
			keel_fail("sched-credit", r);
	} else {
		print_table(format_sched_header(), format_sched_line, &l, d);
	}
	domains_free(&l);
	return 0;
}
