/* domain_create (docs/hypercalls.md): dom0 hands Keel a configuration of one [domain]
 * section and the files it names, all in dom0's memory; Keel reads the configuration with
 * keel.cfg's own parser, copies the files it names into memory of its own (dom0 keeps no
 * mapping of them, nor of the new domain's memory), and builds the domain as it builds
 * those of keel.cfg, in a free slot and fresh, zeroed memory. Everything dom0 hands over is
 * checked before it is used; a create that fails leaves nothing behind and says why, in
 * the request's `why` and in Keel's log. */
#include <stdarg.h>
#include <stddef.h>
#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "include/keel/hypercall.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/config.h"
#include "vmm/hypercall.h"

_Static_assert(KEEL_CREATE_FILES_MAX == DOMAIN_FILES_MAX, "a domain's files, as the ABI counts them");
_Static_assert(KEEL_CREATE_FILE_NAME_MAX == CONFIG_FILE_MAX && KEEL_CREATE_FILE_NAME_MAX <= BOOT_MODULE_NAME,
	       "file names, as the configuration and the boot modules take them");

#define PAGES(bytes) (((bytes) + PAGE_SIZE - 1) / PAGE_SIZE)

/* What one create holds while it works: the configuration's text and its parse, in pages
 * of Keel's own for the call's length. */
struct create {
	struct domain *caller;
	const struct keel_domain_create *req;
	char *why;
	uint64_t text_pa, parsed_pa; /* 0: not allocated */
	char *text;
	struct keel_config *parsed;
	struct boot_module copies[DOMAIN_FILES_MAX];
	unsigned ncopies;
};

/* The first problem the parser reports, with its line. */
static void first_problem(void *ctx, int line, const char *msg)
{
	struct create *c = ctx;
	if (!c->why[0])
		ksnprintf(c->why, KEEL_CREATE_WHY_MAX, "its configuration, line %d: %s", line, msg);
}

static int64_t fail(struct create *c, int64_t err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int64_t fail(struct create *c, int64_t err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(c->why, KEEL_CREATE_WHY_MAX, fmt, ap);
	va_end(ap);
	return err;
}

/* Each file: a name, a size Keel takes, its bytes in the caller's RAM, no name twice. */
static int64_t check_files(struct create *c)
{
	const struct keel_domain_create *req = c->req;
	if (req->nfiles > KEEL_CREATE_FILES_MAX)
		return fail(c, -EINVAL, "%u files: at most %u are taken", req->nfiles, KEEL_CREATE_FILES_MAX);
	for (unsigned i = 0; i < req->nfiles; i++) {
		const struct keel_create_file *f = &req->files[i];
		size_t n = strnlen(f->name, sizeof(f->name));
		if (n == 0 || n == sizeof(f->name))
			return fail(c, -EINVAL, "file %u: its name is empty or not NUL-terminated", i);
		if (f->size == 0 || f->size > KEEL_CREATE_FILE_MAX)
			return fail(c, -EINVAL, "file '%s': %llu bytes; 1 to %u are taken", f->name,
				    (unsigned long long)f->size, KEEL_CREATE_FILE_MAX);
		if (f->nextents == 0 || f->nextents > KEEL_CREATE_EXTENTS_MAX)
			return fail(c, -EINVAL, "file '%s': %llu pieces; 1 to %u are taken", f->name,
				    (unsigned long long)f->nextents, KEEL_CREATE_EXTENTS_MAX);
		if (!hypercall_in_ram(c->caller, f->extents_gpa, f->nextents * sizeof(struct keel_extent)))
			return fail(c, -EFAULT, "file '%s': its list of %llu pieces at 0x%llx is not all in your RAM",
				    f->name, (unsigned long long)f->nextents, (unsigned long long)f->extents_gpa);
		for (unsigned k = 0; k < i; k++)
			if (strcmp(req->files[k].name, f->name) == 0)
				return fail(c, -EINVAL, "file '%s' is given twice", f->name);
	}
	return 0;
}

/* The configuration: its text copied, then parsed as one [domain] section. */
static int64_t read_config(struct create *c)
{
	const struct keel_domain_create *req = c->req;
	if (req->config_size == 0 || req->config_size > KEEL_CREATE_CONFIG_MAX)
		return fail(c, -EINVAL, "its configuration is %llu bytes; 1 to %u are taken",
			    (unsigned long long)req->config_size, KEEL_CREATE_CONFIG_MAX);
	if (!hypercall_in_ram(c->caller, req->config_gpa, req->config_size))
		return fail(c, -EFAULT, "its configuration's %llu bytes at 0x%llx are not all in your RAM",
			    (unsigned long long)req->config_size, (unsigned long long)req->config_gpa);
	c->text_pa = page_alloc_contig(PAGES(req->config_size), PAGE_SIZE);
	c->parsed_pa = page_alloc_contig(PAGES(sizeof(struct keel_config)), PAGE_SIZE);
	if (!c->text_pa || !c->parsed_pa)
		return fail(c, -ENOMEM, "Keel has no memory to read its configuration");
	c->text = phys_to_virt(c->text_pa);
	c->parsed = phys_to_virt(c->parsed_pa);
	if (p2m_copy_from_guest(&c->caller->p2m, req->config_gpa, c->text, req->config_size))
		return fail(c, -EFAULT, "its configuration is not in your RAM");
	if (config_parse_domain(c->text, req->config_size, c->parsed, first_problem, c))
		return -EINVAL; /* why: the first problem */
	return 0;
}

static const struct domain *live_domain(const char *name)
{
	for (unsigned i = 0; i < domain_count(); i++) {
		const struct domain *d = domain_at(i);
		if (d->state != DOMAIN_ENDED && strcmp(d->config.name, name) == 0)
			return d;
	}
	return NULL;
}

/* Its name is its own; its rights name domains that exist, and not dom0. */
static int64_t check_names(struct create *c, const struct domain_config *cfg)
{
	const struct domain *other = live_domain(cfg->name);
	if (other)
		return fail(c, -EINVAL, "a domain named '%s' exists: dom%u", cfg->name, other->id);
	for (unsigned i = 0; i < cfg->nrights; i++) {
		const struct domain *t = live_domain(cfg->rights[i].target);
		if (!t)
			return fail(c, -EINVAL, "its configuration, line %d: rights over '%s': no domain of that name exists",
				    cfg->rights[i].line, cfg->rights[i].target);
		if (t->id == DOM0_ID)
			return fail(c, -EINVAL, "its configuration, line %d: rights over '%s': it is dom0, which no "
				    "domain has rights over", cfg->rights[i].line, cfg->rights[i].target);
	}
	return 0;
}

/* The file's pieces, one after another, into to: each in the caller's RAM, their lengths
 * summing to the file's size. */
static int64_t copy_pieces(struct create *c, const struct keel_create_file *f, uint8_t *to)
{
	uint64_t done = 0;
	for (uint64_t i = 0; i < f->nextents; i++) {
		struct keel_extent e;
		if (p2m_copy_from_guest(&c->caller->p2m, f->extents_gpa + i * sizeof(e), &e, sizeof(e)))
			return fail(c, -EFAULT, "file '%s': its list of pieces is not in your RAM", f->name);
		if (e.len == 0 || e.len > f->size - done)
			return fail(c, -EINVAL, "file '%s': piece %llu is %llu bytes, with %llu of the file's %llu left",
				    f->name, (unsigned long long)i, (unsigned long long)e.len,
				    (unsigned long long)(f->size - done), (unsigned long long)f->size);
		if (!hypercall_in_ram(c->caller, e.gpa, e.len) ||
		    p2m_copy_from_guest(&c->caller->p2m, e.gpa, to + done, e.len))
			return fail(c, -EFAULT, "file '%s': piece %llu, %llu bytes at 0x%llx, is not all in your RAM",
				    f->name, (unsigned long long)i, (unsigned long long)e.len, (unsigned long long)e.gpa);
		done += e.len;
	}
	if (done != f->size)
		return fail(c, -EINVAL, "file '%s': its pieces hold %llu bytes of its %llu", f->name,
			    (unsigned long long)done, (unsigned long long)f->size);
	return 0;
}

/* A copy of the file of this name, if the request has it (else the build says what is
 * missing); once per name. */
static int64_t copy_file(struct create *c, const char *name)
{
	for (unsigned i = 0; i < c->ncopies; i++)
		if (strcmp(c->copies[i].name, name) == 0)
			return 0;
	const struct keel_domain_create *req = c->req;
	for (unsigned i = 0; i < req->nfiles; i++) {
		const struct keel_create_file *f = &req->files[i];
		if (strcmp(f->name, name) != 0)
			continue;
		uint64_t base = page_alloc_contig(PAGES(f->size), PAGE_SIZE);
		if (!base)
			return fail(c, -ENOMEM, "Keel has no memory for a copy of '%s' (%llu bytes)", name,
				    (unsigned long long)f->size);
		struct boot_module *m = &c->copies[c->ncopies++];
		*m = (struct boot_module){ .base = base, .size = f->size };
		memcpy(m->name, f->name, sizeof(f->name));
		return copy_pieces(c, f, phys_to_virt(base));
	}
	return 0;
}

static int64_t copy_files(struct create *c, const struct domain_config *cfg)
{
	int64_t err = copy_file(c, cfg->kernel);
	if (!err && cfg->ramdisk[0])
		err = copy_file(c, cfg->ramdisk);
	for (unsigned i = 0; !err && i < cfg->nmodules; i++)
		err = copy_file(c, cfg->modules[i].file);
	return err;
}

static int64_t create(struct create *c)
{
	int64_t err;
	if ((err = check_files(c)) || (err = read_config(c)))
		return err;
	const struct domain_config *cfg = &c->parsed->domains[0];
	if ((err = check_names(c, cfg)) || (err = copy_files(c, cfg)))
		return err;
	const struct domain_files files = { c->copies, c->ncopies, "the files given" };
	char why[200];
	struct domain *d = domain_create(cfg, &files, false, why, sizeof(why));
	if (!d)
		return fail(c, -EINVAL, "domain '%s' not started: %s", cfg->name, why);
	memcpy(d->copies, c->copies, sizeof(c->copies)); /* the domain's now: its images point into them */
	d->ncopies = c->ncopies;
	c->ncopies = 0;
	return d->id;
}

/* domain_create(request, size): the new domain's id. */
int64_t hc_domain_create(struct hypercall hc, struct domain *target)
{
	(void)target;
	struct domain *caller = hc.v->dom;
	uint64_t gpa = hypercall_arg(hc, 0), size = hypercall_arg(hc, 1);
	struct keel_domain_create req;
	char why[KEEL_CREATE_WHY_MAX] = "";
	if (size < sizeof(req))
		return -EINVAL;
	if (!hypercall_in_ram(caller, gpa, sizeof(req)) || p2m_copy_from_guest(&caller->p2m, gpa, &req, sizeof(req)))
		return -EFAULT;
	struct create c = { .caller = caller, .req = &req, .why = why };
	int64_t result = create(&c);
	domain_free_copies(c.copies, &c.ncopies); /* what a failed create copied */
	if (c.text_pa)
		page_free(c.text_pa, PAGES(req.config_size));
	if (c.parsed_pa)
		page_free(c.parsed_pa, PAGES(sizeof(struct keel_config)));
	if (result >= 0) {
		log_info("dom%u %s: created dom%lld", caller->id, caller->config.name, (long long)result);
		return result;
	}
	log_warn("dom%u %s: domain_create: %s", caller->id, caller->config.name, why);
	p2m_copy_to_guest(&caller->p2m, gpa + offsetof(struct keel_domain_create, why), why, sizeof(why));
	return result;
}
