/* Writing AML, the ACPI Machine Language of a definition block such as the DSDT (ACPI 6.x
 * §20.2), one term at a time: names, integers, strings, packages, scopes, devices and
 * resource templates with the small resource descriptors they hold (§6.4.2). Pure code: it
 * writes into the caller's buffer, allocates nothing and keeps nothing global.
 *
 * A term that holds others (a scope, a device, a package, a resource template) starts with
 * the function that names it, which returns a mark, and ends with the matching end call,
 * which puts the term's length in front of its contents. A write that does not fit, or a
 * name or ID AML cannot encode, sets `failed`; every later call then writes nothing. */
#ifndef KEEL_VMM_DEV_AML_H
#define KEEL_VMM_DEV_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t size;  /* bytes buf holds */
	size_t len;   /* bytes written */
	bool failed;
};

void aml_init(struct aml *a, void *buf, size_t size);

/* Name (name, value): the object written next is the name's value (§20.2.5.1). A name is
 * one name segment of 1 to 4 characters (A-Z, _, and 0-9 after the first), padded with '_'
 * as ASL pads it, after an optional '\' for the namespace root (§20.2.2). */
void aml_name(struct aml *a, const char *name);

/* Data objects (§20.2.3): an integer in its shortest encoding, a string of ASCII characters,
 * and an EISA ID ("PNP0501") compressed into 32 bits as _HID takes it (§6.1.5). */
void aml_integer(struct aml *a, uint64_t value);
void aml_string(struct aml *a, const char *s);
void aml_eisa_id(struct aml *a, const char *id);

/* Scope (name) { ... } and Device (name) { ... } (§20.2.5.1, §20.2.5.2), and a Package of
 * `elements` objects (§20.2.5.4): each returns the mark aml_end takes. */
size_t aml_scope(struct aml *a, const char *name);
size_t aml_device(struct aml *a, const char *name);
size_t aml_package(struct aml *a, uint8_t elements);
void aml_end(struct aml *a, size_t mark);

/* ResourceTemplate () { ... }: a Buffer of resource descriptors (§6.4.1), ended by an End
 * Tag that aml_resources_end writes. */
size_t aml_resources(struct aml *a);
void aml_resources_end(struct aml *a, size_t mark);

/* IO (Decode16, port, port, 1, count): count ports from port, which decodes all 16 address
 * bits (the I/O Port Descriptor, §6.4.2.5). */
void aml_io(struct aml *a, uint16_t port, uint8_t count);
/* IRQNoFlags () {irq}: an ISA interrupt, edge-triggered, active high (the IRQ Descriptor
 * without its information byte, §6.4.2.1). irq is 0 to 15. */
void aml_irq(struct aml *a, unsigned irq);

#endif
