/* keelctl's output lines (format.h): the column widths are xl's (tools/xl/xl_info.c,
 * tools/xl/xl_sched.c) and xentop's, so a Xen user reads them at once. */
#include "guests/dom0/keelctl/format.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_S 1000000000.0
#define MIB (1024 * 1024)

/* A domain's name, NUL-terminated even if Keel's was not. */
struct name_text {
	char s[KEEL_DOMAIN_NAME_MAX];
};

static struct name_text domain_name(const struct keel_domain_status *d)
{
	struct name_text n;
	size_t len = strnlen(d->name, sizeof(d->name) - 1);

	memcpy(n.s, d->name, len);
	n.s[len] = '\0';
	return n;
}

/* Appends to the text in buf (*len bytes so far), keeping it NUL-terminated if it is cut. */
static void appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

char domain_state_letter(const struct keel_domain_status *d)
{
	switch (d->state) {
	case KEEL_DOMAIN_RUNNING:
		if (d->flags & KEEL_DOMAIN_F_PAUSED)
			return 'p';
		return d->flags & KEEL_DOMAIN_F_BLOCKED ? 'b' : 'r';
	case KEEL_DOMAIN_PRESERVED:
		return d->end_reason == KEEL_END_CRASH ? 'c' : 's';
	default: /* ending, restarting */
		return 'd';
	}
}

void format_state(char out[7], const struct keel_domain_status *d, const char *order)
{
	char letter = domain_state_letter(d);

	for (int i = 0; i < 6; i++)
		out[i] = order[i] == letter ? letter : '-';
	out[6] = '\0';
}

void format_keel_error(char *buf, size_t size, int64_t result)
{
	static const struct {
		int64_t code;
		const char *text;
	} errors[] = {
		{ KEEL_EPERM, "EPERM: not permitted by Keel's access policy" },
		{ KEEL_ESRCH, "ESRCH: no such domain" },
		{ KEEL_ENOMEM, "ENOMEM: Keel has no memory for it" },
		{ KEEL_EFAULT, "EFAULT: a buffer lies outside dom0's memory" },
		{ KEEL_EBUSY, "EBUSY: the domain has ended" },
		{ KEEL_EINVAL, "EINVAL: invalid argument" },
		{ KEEL_ENOSYS, "ENOSYS: Keel does not offer this call" },
	};

	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		if (result == -errors[i].code) {
			snprintf(buf, size, "%s", errors[i].text);
			return;
		}
	}
	snprintf(buf, size, "error %lld, unknown to keelctl", (long long)result);
}

const char *format_list_header(void)
{
	return "Name                                        ID   Mem VCPUs\tState\tTime(s)";
}

void format_list_line(char *buf, size_t size, const struct keel_domain_status *d)
{
	char state[7];

	format_state(state, d, FORMAT_LIST_STATE_ORDER);
	snprintf(buf, size, "%-40s %5u %5llu %5u     %s  %8.1f", domain_name(d).s, d->id,
		 (unsigned long long)(d->memory_bytes / MIB), d->vcpus, state, (double)d->cpu_ns / NS_PER_S);
}

const char *format_sched_header(void)
{
	return "Name                                ID Weight  Cap";
}

void format_sched_line(char *buf, size_t size, const struct keel_domain_status *d)
{
	snprintf(buf, size, "%-33s %4u %6u %4u", domain_name(d).s, d->id, d->weight, d->cap);
}

/* A string Keel wrote into a fixed-size field, NUL-terminated or not, without the spaces
 * CPUID's brand string is padded with. */
static void trimmed(char *out, size_t out_size, const char *field, size_t field_size)
{
	size_t len = strnlen(field, field_size);
	size_t start = 0;

	while (start < len && field[start] == ' ')
		start++;
	while (len > start && field[len - 1] == ' ')
		len--;
	snprintf(out, out_size, "%.*s", (int)(len - start), field + start);
}

void format_info(char *buf, size_t size, const struct keel_host_info *h)
{
	char vendor[sizeof(h->cpu_vendor) + 1], model[sizeof(h->cpu_model) + 1];
	size_t len = 0;

	trimmed(vendor, sizeof(vendor), h->cpu_vendor, sizeof(h->cpu_vendor));
	trimmed(model, sizeof(model), h->cpu_model, sizeof(h->cpu_model));
	buf[0] = '\0';
	appendf(buf, size, &len, "%-23s: %s\n", "host", "keel");
	appendf(buf, size, &len, "%-23s: %u.%u\n", "release", h->keel_version >> 16, h->keel_version & 0xffff);
	appendf(buf, size, &len, "%-23s: %s\n", "cpu_vendor", vendor);
	appendf(buf, size, &len, "%-23s: %s\n", "cpu_model", model);
	appendf(buf, size, &len, "%-23s: 0x%x\n", "cpu_family", h->family);
	appendf(buf, size, &len, "%-23s: 0x%x\n", "cpu_model_number", h->model);
	appendf(buf, size, &len, "%-23s: 0x%x\n", "cpu_stepping", h->stepping);
	appendf(buf, size, &len, "%-23s:%s%s%s%s\n", "virt_caps", h->features & KEEL_HOST_F_SVM ? " svm" : "",
		h->features & KEEL_HOST_F_VMX ? " vmx" : "", h->features & KEEL_HOST_F_PAGES_1G ? " 1g-pages" : "",
		h->features & KEEL_HOST_F_XSAVE ? " xsave" : "");
	appendf(buf, size, &len, "%-23s: %u\n", "nr_cpus", h->cpus);
	appendf(buf, size, &len, "%-23s: %llu\n", "total_memory", (unsigned long long)(h->memory_bytes / MIB));
	appendf(buf, size, &len, "%-23s: %llu\n", "free_memory", (unsigned long long)(h->free_bytes / MIB));
	appendf(buf, size, &len, "%-23s: %llu.%03llu\n", "tsc_mhz", (unsigned long long)(h->tsc_hz / 1000000),
		(unsigned long long)(h->tsc_hz / 1000 % 1000));
	appendf(buf, size, &len, "%-23s: %u\n", "domains", h->domains);
	appendf(buf, size, &len, "%-23s: %u\n", "abi_version", h->abi_version);
}

void format_top_summary(char *buf, size_t size, const char *time_text, const struct keel_host_info *h,
			const struct keel_domain_status *doms, size_t n)
{
	unsigned running = 0, blocked = 0, paused = 0, crashed = 0, dying = 0, shutdown = 0;
	uint64_t used = h->memory_bytes > h->free_bytes ? h->memory_bytes - h->free_bytes : 0;
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		switch (domain_state_letter(&doms[i])) {
		case 'r': running++; break;
		case 'b': blocked++; break;
		case 'p': paused++; break;
		case 'c': crashed++; break;
		case 'd': dying++; break;
		default: shutdown++; break;
		}
	}
	buf[0] = '\0';
	appendf(buf, size, &len, "keelctl top - %s   Keel %u.%u\n", time_text, h->keel_version >> 16,
		h->keel_version & 0xffff);
	appendf(buf, size, &len, "%zu domains: %u running, %u blocked, %u paused, %u crashed, %u dying, %u shutdown\n",
		n, running, blocked, paused, crashed, dying, shutdown);
	appendf(buf, size, &len, "Mem: %lluk total, %lluk used, %lluk free    CPUs: %u @ %lluMHz\n",
		(unsigned long long)(h->memory_bytes / 1024), (unsigned long long)(used / 1024),
		(unsigned long long)(h->free_bytes / 1024), h->cpus, (unsigned long long)(h->tsc_hz / 1000000));
}

const char *format_top_header(void)
{
	return "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) VCPUS  EXITS/s";
}

static uint64_t exits_total(const struct keel_domain_status *d)
{
	uint64_t sum = 0;

	for (int i = 0; i < KEEL_EXIT_REASONS; i++)
		sum += d->exits[i];
	return sum;
}

void format_top_line(char *buf, size_t size, const struct keel_domain_status *d,
		     const struct keel_domain_status *prev, uint64_t wall_ns)
{
	double cpu_percent = 0, exits_per_s = 0;
	char state[7];

	if (prev && wall_ns > 0) {
		uint64_t exits = exits_total(d), prev_exits = exits_total(prev);

		if (d->cpu_ns >= prev->cpu_ns)
			cpu_percent = (double)(d->cpu_ns - prev->cpu_ns) * 100.0 / (double)wall_ns;
		if (exits >= prev_exits)
			exits_per_s = (double)(exits - prev_exits) * NS_PER_S / (double)wall_ns;
	}
	format_state(state, d, FORMAT_TOP_STATE_ORDER);
	snprintf(buf, size, "%10.10s %6s %10llu %6.1f %10llu %5u %8.0f", domain_name(d).s, state,
		 (unsigned long long)(d->cpu_ns / 1000000000), cpu_percent,
		 (unsigned long long)(d->memory_bytes / 1024), d->vcpus, exits_per_s);
}
