/* Reset and power-off ports, the power-management timer and the I/O APIC input of an ISA
 * IRQ, from the ACPI tables (ACPI 6.x §5.2; the layouts are in include/acpi.h). The tables are
 * firmware data, untrusted and byte-packed (most multi-byte fields are unaligned): a field is
 * memcpy'd out only after its offset has been checked against the mapped length, and no
 * pointer from the map callback is used after the next call to it. ACPI numbers are little
 * endian (§5.2), as is every CPU Keel runs on. */
#include "drivers/acpi.h"
#include "include/acpi.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#include <stdbool.h>

#define PORT_LIMIT 0x10000ull /* x86 I/O ports are 0..0xffff */

typedef unsigned long long ull;

struct walk {
	acpi_map_fn map;
	void *ctx;
	char *err;
	size_t errlen;
};

struct gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;  /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;
};

static int __attribute__((format(printf, 3, 4)))
fail(const struct walk *w, int rc, const char *fmt, ...)
{
	va_list ap;

	if (w->err && w->errlen) {
		va_start(ap, fmt);
		kvsnprintf(w->err, w->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static struct gas get_gas(const uint8_t *p, size_t off)
{
	struct gas g = {
		.space_id = p[off],
		.bit_width = p[off + 1],
		.bit_offset = p[off + 2],
		.access_size = p[off + 3],
		.address = get64(p, off + 4),
	};
	return g;
}

/* Bytes a GAS register spans: bit offset plus bit width, rounded up, or the access size if
 * that is larger (§5.2.3.2). */
static unsigned gas_bytes(const struct gas *g)
{
	unsigned n = ((unsigned)g->bit_offset + g->bit_width + 7) / 8;

	if (g->access_size >= 1 && g->access_size <= 4 && (1u << (g->access_size - 1)) > n)
		n = 1u << (g->access_size - 1);
	return n;
}

/* The callback, refusing empty ranges and ranges that wrap past the top of memory. */
static const uint8_t *map_bytes(const struct walk *w, uint64_t pa, uint64_t len)
{
	if (len == 0 || pa + len < pa)
		return NULL;
	return w->map(w->ctx, pa, len);
}

/* A signature fit for an error message: 4 characters, '?' for anything unprintable. */
static void printable_signature(char out[5], const uint8_t *sig)
{
	for (int i = 0; i < 4; i++)
		out[i] = sig[i] >= 0x20 && sig[i] < 0x7f && sig[i] != '"' ? (char)sig[i] : '?';
	out[4] = '\0';
}

/* The RSDP: where the root table is, and whether it is the XSDT (§5.2.5.3). */
static int read_rsdp(const struct walk *w, uint64_t pa, uint64_t *root, bool *xsdt)
{
	const uint8_t *p;
	uint8_t sum, revision;
	uint32_t rsdt, length;
	uint64_t x;

	if (!pa)
		return fail(w, -ENOENT, "no RSDP (its address is 0)");
	p = map_bytes(w, pa, ACPI_RSDP_V1_SIZE);
	if (!p)
		return fail(w, -ENOENT, "no RSDP: the %u bytes at 0x%llx are not readable",
			    ACPI_RSDP_V1_SIZE, (ull)pa);
	if (memcmp(p, ACPI_RSDP_SIGNATURE, 8))
		return fail(w, -ENOENT, "no RSDP at 0x%llx: the signature is not \"%s\"", (ull)pa,
			    ACPI_RSDP_SIGNATURE);
	sum = acpi_checksum(p, ACPI_RSDP_V1_SIZE);
	if (sum)
		return fail(w, -EINVAL, "RSDP checksum is 0x%02x, not 0", sum);
	revision = p[ACPI_RSDP_REVISION];
	rsdt = get32(p, ACPI_RSDP_RSDT_ADDRESS);
	*root = rsdt;
	*xsdt = false;
	if (revision >= 2) {
		/* Revision 2 adds Length, XsdtAddress and an extended checksum over Length. */
		p = map_bytes(w, pa, ACPI_RSDP_V2_SIZE);
		if (!p)
			return fail(w, -EINVAL, "RSDP revision %u: the %u bytes at 0x%llx are not "
				    "readable", revision, ACPI_RSDP_V2_SIZE, (ull)pa);
		length = get32(p, ACPI_RSDP_LENGTH);
		x = get64(p, ACPI_RSDP_XSDT_ADDRESS);
		if (length < ACPI_RSDP_V2_SIZE)
			return fail(w, -EINVAL, "RSDP Length %u is smaller than %u (revision %u)",
				    length, ACPI_RSDP_V2_SIZE, revision);
		p = map_bytes(w, pa, length);
		if (!p)
			return fail(w, -EINVAL, "RSDP Length %u at 0x%llx goes beyond readable memory",
				    length, (ull)pa);
		sum = acpi_checksum(p, length);
		if (sum)
			return fail(w, -EINVAL, "RSDP extended checksum is 0x%02x, not 0", sum);
		if (x) {
			*root = x;
			*xsdt = true;
		}
	}
	if (!*root)
		return fail(w, -EINVAL, revision >= 2 ? "RSDP XsdtAddress and RsdtAddress are 0" :
			    "RSDP RsdtAddress is 0");
	return 0;
}

/* Maps the table at pa, which must have signature sig (called name in messages), after
 * checking its Length and checksum (§5.2.6). The pointer lasts until the next map call. */
static int map_sdt(const struct walk *w, uint64_t pa, const char *sig, const char *name,
		   const uint8_t **table, uint32_t *length)
{
	const uint8_t *p = map_bytes(w, pa, ACPI_SDT_HEADER_SIZE);
	char found[5];
	uint32_t len;
	uint8_t sum;

	if (!p)
		return fail(w, -EINVAL, "%s at 0x%llx is not readable", name, (ull)pa);
	if (memcmp(p, sig, 4)) {
		printable_signature(found, p);
		return fail(w, -EINVAL, "%s at 0x%llx has signature \"%s\", not \"%s\"", name,
			    (ull)pa, found, sig);
	}
	len = get32(p, ACPI_SDT_LENGTH);
	if (len < ACPI_SDT_HEADER_SIZE)
		return fail(w, -EINVAL, "%s Length %u is smaller than its %u-byte header", name,
			    len, ACPI_SDT_HEADER_SIZE);
	p = map_bytes(w, pa, len);
	if (!p)
		return fail(w, -EINVAL, "%s Length %u at 0x%llx goes beyond readable memory", name,
			    len, (ull)pa);
	sum = acpi_checksum(p, len);
	if (sum)
		return fail(w, -EINVAL, "%s checksum is 0x%02x, not 0", name, sum);
	*table = p;
	*length = len;
	return 0;
}

/* The first entry with signature sig (called name in messages) of the RSDT (32-bit entries,
 * §5.2.7) or XSDT (64-bit, §5.2.8). */
static int find_table(const struct walk *w, uint64_t root, bool xsdt, const char *want, const char *what,
		      uint64_t *table)
{
	const char *name = xsdt ? "XSDT" : "RSDT";
	uint32_t esize = xsdt ? 8 : 4;
	const uint8_t *p = NULL, *sig;
	uint32_t len = 0, n;
	uint64_t entry;
	int rc;

	rc = map_sdt(w, root, name, name, &p, &len);
	if (rc)
		return rc;
	if ((len - ACPI_SDT_HEADER_SIZE) % esize)
		return fail(w, -EINVAL, "%s Length %u leaves %u bytes of entries, not a multiple "
			    "of %u", name, len, len - ACPI_SDT_HEADER_SIZE, esize);
	n = (len - ACPI_SDT_HEADER_SIZE) / esize;
	/* [root, root + len) did not wrap, so neither does any entry's address. */
	for (uint32_t i = 0; i < n; i++) {
		p = map_bytes(w, root + ACPI_SDT_HEADER_SIZE + (uint64_t)i * esize, esize);
		if (!p)
			return fail(w, -EINVAL, "%s entry %u is not readable", name, i);
		entry = xsdt ? get64(p, 0) : get32(p, 0);
		if (!entry)
			continue;
		sig = map_bytes(w, entry, 4);
		if (!sig)
			return fail(w, -EINVAL, "%s entry %u (0x%llx) is not readable", name, i,
				    (ull)entry);
		if (!memcmp(sig, want, 4)) {
			*table = entry;
			return 0;
		}
	}
	return fail(w, -ENOENT, "no %s (\"%s\") among the %u %s entries", what, want, n, name);
}

/* Ports are 16 bits: a range starting above 0xffff is skipped, one running past 0xffff is
 * clamped to end there. Address 0 means the register is absent. */
static void add_range(struct acpi_control_ports *out, uint64_t first, uint64_t count,
		      const char *what)
{
	struct acpi_port_range *r;

	if (!first || first >= PORT_LIMIT || !count || out->count >= ACPI_MAX_CONTROL_PORTS)
		return;
	if (count > PORT_LIMIT - first)
		count = PORT_LIMIT - first;
	r = &out->range[out->count++];
	r->first = (uint16_t)first;
	r->count = (uint16_t)count; /* <= 0xffff, as first >= 1 */
	r->what = what;
}

/* A control block given by a 32-bit port field and its 64-bit X_ GAS: the X_ one wins when
 * the FADT holds it, it is non-zero and it is in system I/O space (§5.2.9). */
static void add_block(struct acpi_control_ports *out, const uint8_t *fadt, uint32_t len,
		      size_t port_off, size_t x_off, unsigned block_len, unsigned min_len,
		      const char *what)
{
	uint64_t port = get32(fadt, port_off);
	unsigned count = block_len;

	if (x_off + ACPI_GAS_SIZE <= len) {
		struct gas g = get_gas(fadt, x_off);

		if (g.address && g.space_id == ACPI_GAS_SYSTEM_IO) {
			port = g.address;
			if (gas_bytes(&g) > count)
				count = gas_bytes(&g);
		}
	}
	if (count < min_len)
		count = min_len;
	add_range(out, port, count, what);
}

/* The RSDP, the RSDT or XSDT, then the FADT, checked and mapped: *fadt lasts until the
 * next map call. */
static int map_fadt(const struct walk *w, uint64_t rsdp_pa, const uint8_t **fadt, uint32_t *len)
{
	uint64_t root = 0, fadt_pa = 0;
	bool xsdt = false;
	int rc;

	if (w->err && w->errlen)
		w->err[0] = '\0';
	rc = read_rsdp(w, rsdp_pa, &root, &xsdt);
	if (rc)
		return rc;
	rc = find_table(w, root, xsdt, "FACP", "FADT", &fadt_pa);
	if (rc)
		return rc;
	rc = map_sdt(w, fadt_pa, "FACP", "FADT", fadt, len);
	if (rc)
		return rc;
	if (*len < ACPI_FADT_V1_SIZE)
		return fail(w, -EINVAL, "FADT Length %u is smaller than the %u bytes of an ACPI "
			    "1.0 FADT", *len, ACPI_FADT_V1_SIZE);
	return 0;
}

int acpi_find_control_ports(uint64_t rsdp_pa, acpi_map_fn map, void *ctx,
			    struct acpi_control_ports *out, char *err, size_t errlen)
{
	const struct walk w = { .map = map, .ctx = ctx, .err = err, .errlen = errlen };
	const uint8_t *f = NULL;
	uint32_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = map_fadt(&w, rsdp_pa, &f, &len);
	if (rc)
		return rc;

	/* PM1_CNT_LEN is at least 2 (§5.2.9), PM2_CNT_LEN at least 1 when PM2 exists. */
	add_block(out, f, len, ACPI_FADT_PM1A_CNT_BLK, ACPI_FADT_X_PM1A_CNT_BLK,
		  f[ACPI_FADT_PM1_CNT_LEN], 2, "the ACPI PM1a control block");
	add_block(out, f, len, ACPI_FADT_PM1B_CNT_BLK, ACPI_FADT_X_PM1B_CNT_BLK,
		  f[ACPI_FADT_PM1_CNT_LEN], 2, "the ACPI PM1b control block");
	add_block(out, f, len, ACPI_FADT_PM2_CNT_BLK, ACPI_FADT_X_PM2_CNT_BLK,
		  f[ACPI_FADT_PM2_CNT_LEN], 1, "the ACPI PM2 control block");
	add_range(out, get32(f, ACPI_FADT_SMI_CMD), 1, "the ACPI SMI command port");
	if (ACPI_FADT_RESET_REG + ACPI_GAS_SIZE <= len) {
		struct gas g = get_gas(f, ACPI_FADT_RESET_REG);

		if (g.space_id == ACPI_GAS_SYSTEM_IO)
			add_range(out, g.address, gas_bytes(&g) ? gas_bytes(&g) : 1,
				  "the ACPI reset register");
	}
	return 0;
}

int acpi_find_pm_timer(uint64_t rsdp_pa, acpi_map_fn map, void *ctx, struct acpi_pm_timer *out,
		       char *err, size_t errlen)
{
	const struct walk w = { .map = map, .ctx = ctx, .err = err, .errlen = errlen };
	const uint8_t *f = NULL;
	uint32_t len = 0;
	uint64_t port;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = map_fadt(&w, rsdp_pa, &f, &len);
	if (rc)
		return rc;
	port = get32(f, ACPI_FADT_PM_TMR_BLK);
	if (ACPI_FADT_X_PM_TMR_BLK + ACPI_GAS_SIZE <= len) {
		struct gas g = get_gas(f, ACPI_FADT_X_PM_TMR_BLK);

		if (g.address && g.space_id != ACPI_GAS_SYSTEM_IO)
			return fail(&w, -ENOENT, "the FADT's PM timer is not in I/O space (address "
				    "space %u)", g.space_id);
		if (g.address)
			port = g.address;
	}
	if (!port)
		return fail(&w, -ENOENT, "the FADT names no PM timer");
	if (f[ACPI_FADT_PM_TMR_LEN] != 4)
		return fail(&w, -EINVAL, "FADT PM_TMR_LEN is %u, not 4", f[ACPI_FADT_PM_TMR_LEN]);
	if (port > PORT_LIMIT - 4)
		return fail(&w, -EINVAL, "the FADT's PM timer at 0x%llx is not an I/O port",
			    (ull)port);
	out->port = (uint16_t)port;
	out->bits = (get32(f, ACPI_FADT_FLAGS) & ACPI_FADT_TMR_VAL_EXT) ? 32 : 24;
	return 0;
}

int acpi_find_isa_irq(uint64_t rsdp_pa, acpi_map_fn map, void *ctx, unsigned irq,
		      struct acpi_ioapic_input *out, char *err, size_t errlen)
{
	const struct walk w = { .map = map, .ctx = ctx, .err = err, .errlen = errlen };
	uint64_t root = 0, madt_pa = 0;
	bool xsdt = false;
	const uint8_t *m = NULL;
	uint32_t len = 0, gsi = irq, flags = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (w.err && w.errlen)
		w.err[0] = '\0';
	rc = read_rsdp(&w, rsdp_pa, &root, &xsdt);
	if (!rc)
		rc = find_table(&w, root, xsdt, "APIC", "MADT", &madt_pa);
	if (!rc)
		rc = map_sdt(&w, madt_pa, "APIC", "MADT", &m, &len);
	if (rc)
		return rc;
	/* An override for the IRQ gives its GSI and signalling; else the GSI is the IRQ's
	 * number, active high and edge-triggered, as ISA interrupts are (§5.2.12.5). */
	for (uint32_t off = ACPI_MADT_ENTRIES; off + 2 <= len; off += m[off + 1]) {
		if (m[off + 1] < 2 || m[off + 1] > len - off)
			return fail(&w, -EINVAL, "MADT entry at offset %u has length %u, which does not fit", off,
				    m[off + 1]);
		if (m[off] == ACPI_MADT_OVERRIDE && m[off + 1] >= ACPI_MADT_OVERRIDE_SIZE && m[off + ACPI_MADT_OVERRIDE_BUS] == 0 &&
		    m[off + ACPI_MADT_OVERRIDE_SOURCE] == irq) {
			gsi = get32(m, off + ACPI_MADT_OVERRIDE_GSI);
			flags = (uint32_t)m[off + ACPI_MADT_OVERRIDE_FLAGS] |
				(uint32_t)m[off + ACPI_MADT_OVERRIDE_FLAGS + 1] << 8;
		}
	}
	/* The I/O APIC whose inputs start nearest below the GSI: its number of inputs is in
	 * its own version register, which the caller reads. */
	bool found = false;
	uint32_t base = 0;
	for (uint32_t off = ACPI_MADT_ENTRIES; off + 2 <= len; off += m[off + 1]) {
		if (m[off] != ACPI_MADT_IOAPIC || m[off + 1] < ACPI_MADT_IOAPIC_SIZE)
			continue;
		uint32_t first = get32(m, off + ACPI_MADT_IOAPIC_GSI_BASE);
		if (first <= gsi && (!found || first > base)) {
			found = true;
			base = first;
			out->ioapic_pa = get32(m, off + ACPI_MADT_IOAPIC_ADDRESS);
		}
	}
	if (!found)
		return fail(&w, -ENOENT, "no I/O APIC in the MADT takes GSI %u (ISA IRQ %u)", gsi, irq);
	out->pin = gsi - base;
	out->active_low = (flags & ACPI_MPS_POLARITY_MASK) == ACPI_MPS_POLARITY_LOW;
	out->level = (flags & ACPI_MPS_TRIGGER_MASK) == ACPI_MPS_TRIGGER_LEVEL;
	return 0;
}

const struct acpi_port_range *acpi_port_lookup(const struct acpi_control_ports *ports,
					       uint16_t port)
{
	if (!ports)
		return NULL;
	for (unsigned i = 0; i < ports->count && i < ACPI_MAX_CONTROL_PORTS; i++) {
		const struct acpi_port_range *r = &ports->range[i];

		if (port >= r->first && port - r->first < r->count)
			return r;
	}
	return NULL;
}
