/* AML encodings (see aml.h): the grammar of ACPI 6.x §20.2 and the small resource data
 * types of §6.4.2. */
#include "vmm/dev/aml.h"
#include "lib/string.h"

/* Opcodes (§20.2). */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE 0x10
#define AML_BUFFER 0x11
#define AML_PACKAGE 0x12
#define AML_EXT_PREFIX 0x5b
#define AML_DEVICE 0x82           /* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR '\\'
#define AML_NAME_SEG 4            /* characters in a name segment */
#define AML_PKG_LENGTH_MAX 4      /* bytes a PkgLength takes at most */

/* Small resource items (§6.4.2): the tag byte is the item name << 3 | the bytes after it. */
#define RES_IRQ_NO_FLAGS 0x22     /* IRQ Descriptor, 2 bytes: the mask of IRQs 0-15 */
#define RES_IO 0x47               /* I/O Port Descriptor, 7 bytes */
#define RES_IO_DECODE16 0x01
#define RES_END_TAG 0x79          /* End Tag, 1 byte: the checksum */

void aml_init(struct aml *a, void *buf, size_t size)
{
	a->buf = buf;
	a->size = size;
	a->len = 0;
	a->failed = false;
}

static void put(struct aml *a, const void *bytes, size_t n)
{
	if (a->failed || n > a->size - a->len) {
		a->failed = true;
		return;
	}
	memcpy(a->buf + a->len, bytes, n);
	a->len += n;
}

static void put_byte(struct aml *a, uint8_t b)
{
	put(a, &b, 1);
}

/* Puts n bytes at mark, moving what was written from there on along. */
static void insert(struct aml *a, size_t mark, const uint8_t *bytes, size_t n)
{
	if (a->failed || mark > a->len || n > a->size - a->len) {
		a->failed = true;
		return;
	}
	memmove(a->buf + mark + n, a->buf + mark, a->len - mark);
	memcpy(a->buf + mark, bytes, n);
	a->len += n;
}

static bool name_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* A NameString (§20.2.2): the root prefix if asked for, then one NameSeg. */
static void name_string(struct aml *a, const char *name)
{
	uint8_t seg[AML_NAME_SEG] = { '_', '_', '_', '_' };
	size_t n;

	if (*name == AML_ROOT_CHAR) {
		put_byte(a, AML_ROOT_CHAR);
		name++;
	}
	for (n = 0; name[n]; n++) {
		if (n == AML_NAME_SEG || !name_char(name[n], n == 0)) {
			a->failed = true;
			return;
		}
		seg[n] = (uint8_t)name[n];
	}
	if (n == 0)
		a->failed = true;
	put(a, seg, sizeof(seg));
}

void aml_name(struct aml *a, const char *name)
{
	put_byte(a, AML_NAME);
	name_string(a, name);
}

/* An integer's encoding (§20.2.3): ZeroOp, OneOp, or a prefix and 1, 2, 4 or 8 bytes.
 * Returns its length. */
static size_t integer_bytes(uint8_t out[9], uint64_t value)
{
	size_t n;

	if (value <= 1) {
		out[0] = value ? AML_ONE : AML_ZERO;
		return 1;
	}
	if (value <= 0xff) {
		out[0] = AML_BYTE_PREFIX;
		n = 1;
	} else if (value <= 0xffff) {
		out[0] = AML_WORD_PREFIX;
		n = 2;
	} else if (value <= 0xffffffff) {
		out[0] = AML_DWORD_PREFIX;
		n = 4;
	} else {
		out[0] = AML_QWORD_PREFIX;
		n = 8;
	}
	for (size_t i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(value >> (8 * i));
	return 1 + n;
}

void aml_integer(struct aml *a, uint64_t value)
{
	uint8_t bytes[9];

	put(a, bytes, integer_bytes(bytes, value));
}

void aml_string(struct aml *a, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] > 0x7f)
			a->failed = true; /* a String holds ASCII characters 0x01-0x7f */
	put_byte(a, AML_STRING_PREFIX);
	put(a, s, n + 1);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Three letters of 5 bits each ('A' is 1) and four hex digits, in 32 bits as they lie in
 * memory, first letter in the high bits of the first byte (§6.1.5). */
void aml_eisa_id(struct aml *a, const char *id)
{
	uint8_t bytes[5] = { AML_DWORD_PREFIX };
	unsigned letter[3];
	int digit[4];

	if (strnlen(id, 8) != 7) {
		a->failed = true;
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z')
			a->failed = true;
		letter[i] = (unsigned)(id[i] - 'A' + 1) & 0x1f;
	}
	for (int i = 0; i < 4; i++) {
		digit[i] = hex_digit(id[3 + i]);
		if (digit[i] < 0)
			a->failed = true;
	}
	if (a->failed)
		return;
	bytes[1] = (uint8_t)(letter[0] << 2 | letter[1] >> 3);
	bytes[2] = (uint8_t)((letter[1] & 7) << 5 | letter[2]);
	bytes[3] = (uint8_t)(digit[0] << 4 | digit[1]);
	bytes[4] = (uint8_t)(digit[2] << 4 | digit[3]);
	put(a, bytes, sizeof(bytes));
}

size_t aml_scope(struct aml *a, const char *name)
{
	size_t mark;

	put_byte(a, AML_SCOPE);
	mark = a->len;
	name_string(a, name);
	return mark;
}

size_t aml_device(struct aml *a, const char *name)
{
	const uint8_t op[] = { AML_EXT_PREFIX, AML_DEVICE };
	size_t mark;

	put(a, op, sizeof(op));
	mark = a->len;
	name_string(a, name);
	return mark;
}

size_t aml_package(struct aml *a, uint8_t elements)
{
	size_t mark;

	put_byte(a, AML_PACKAGE);
	mark = a->len;
	put_byte(a, elements);
	return mark;
}

/* The most a PkgLength of n bytes can count. */
static size_t pkg_length_max(size_t n)
{
	return n == 1 ? 63 : ((size_t)1 << (8 * n - 4)) - 1;
}

/* PkgLength (§20.2.4) counts itself and what follows it. Up to 63 it is one byte; beyond,
 * the lead byte's bits 7-6 count the bytes that follow, its bits 3-0 are the length's low
 * 4 bits, and each following byte 8 more. */
void aml_end(struct aml *a, size_t mark)
{
	uint8_t bytes[AML_PKG_LENGTH_MAX];
	size_t contents, total, n;

	if (a->failed || mark > a->len) {
		a->failed = true;
		return;
	}
	contents = a->len - mark;
	for (n = 1; contents + n > pkg_length_max(n); n++) {
		if (n == AML_PKG_LENGTH_MAX) {
			a->failed = true;
			return;
		}
	}
	total = contents + n;
	if (n == 1) {
		bytes[0] = (uint8_t)total;
	} else {
		bytes[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
		for (size_t i = 1; i < n; i++)
			bytes[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	insert(a, mark, bytes, n);
}

size_t aml_resources(struct aml *a)
{
	put_byte(a, AML_BUFFER);
	return a->len;
}

/* The End Tag's checksum 0 means the descriptors are taken as they are (§6.4.2.9). The
 * Buffer's size, an integer, goes between its PkgLength and its bytes (§20.2.5.4). */
void aml_resources_end(struct aml *a, size_t mark)
{
	const uint8_t end_tag[] = { RES_END_TAG, 0 };
	uint8_t size[9];

	put(a, end_tag, sizeof(end_tag));
	if (a->failed || mark > a->len) {
		a->failed = true;
		return;
	}
	insert(a, mark, size, integer_bytes(size, a->len - mark));
	aml_end(a, mark);
}

void aml_io(struct aml *a, uint16_t port, uint8_t count)
{
	const uint8_t bytes[] = {
		RES_IO, RES_IO_DECODE16,
		(uint8_t)port, (uint8_t)(port >> 8),  /* the lowest base */
		(uint8_t)port, (uint8_t)(port >> 8),  /* the highest base: the same, so fixed */
		1,                                    /* base alignment */
		count,
	};

	put(a, bytes, sizeof(bytes));
}

void aml_irq(struct aml *a, unsigned irq)
{
	if (irq > 15) {
		a->failed = true;
		return;
	}
	const uint8_t bytes[] = { RES_IRQ_NO_FLAGS, (uint8_t)(1u << irq), (uint8_t)(1u << irq >> 8) };

	put(a, bytes, sizeof(bytes));
}
