/* The fixture of test_loader.c and test_loader_multiboot.c: loader_fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "include/keel/start_info.h"
#include "include/multiboot1.h"
#include "include/multiboot2.h"
#include "include/pvh.h"
#include "lib/errno.h"
#include "vmm/guest_boot.h"
#include "vmm/loader.h"
#include "tests/unit/loader_fixture.h"

/* ---- the fake guest memory ---- */

uint8_t *ram;
uint64_t ram_size;
struct p2m p2m;
static struct guest_layout layout;

/* Guest memory as Keel's p2m has it: the layout's backed ranges, here one host buffer of
 * ram_size bytes at guest-physical 0 (the tests' domains end below the MMIO hole). */
int p2m_copy_to_guest(const struct p2m *p, uint64_t gpa, const void *src, uint64_t len)
{
	const struct layout_range *r = layout_find(p->layout, gpa);
	if (gpa + len < gpa || !r || !r->backed || gpa + len > r->base + r->size || gpa + len > ram_size)
		return -EFAULT;
	memcpy(ram + gpa, src, len);
	return 0;
}

void set_ram(uint64_t size)
{
	char why[128];
	free(ram);
	ram = calloc(1, size);
	assert_non_null(ram);
	ram_size = size;
	assert_int_equal(layout_build(&layout, size, LAYOUT_HOLE_DEFAULT_MIB, 1ull << 48, why, sizeof(why)), 0);
	p2m.layout = &layout;
}

uint32_t rd32(uint64_t gpa)
{
	uint32_t v;
	memcpy(&v, ram + gpa, 4);
	return v;
}

uint64_t rd64(uint64_t gpa)
{
	uint64_t v;
	memcpy(&v, ram + gpa, 8);
	return v;
}

const char *str(uint64_t gpa)
{
	return (const char *)ram + gpa;
}

/* ---- building images ---- */

uint8_t img[0xa0000];
size_t img_size;

void put(size_t off, uint64_t v, size_t n)
{
	memcpy(img + off, &v, n);
}

/* An ELF64 executable: code at 0x100000 from file offset 0x1000 (0x2000 bytes, bss to
 * 0x104000), entry 0x100000 + entry_off. */
void elf64_image(uint64_t paddr, uint64_t entry_off)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	memset(img, 0, sizeof(img));
	memcpy(img, ident, sizeof(ident));
	put(16, 2, 2);                 /* ET_EXEC */
	put(18, 62, 2);                /* EM_X86_64 */
	put(20, 1, 4);
	put(24, paddr + entry_off, 8); /* e_entry */
	put(32, 64, 8);                /* e_phoff */
	put(54, 56, 2);
	put(56, 1, 2);
	put(64 + 0, 1, 4);             /* PT_LOAD */
	put(64 + 4, 5, 4);             /* R X */
	put(64 + 8, 0x1000, 8);
	put(64 + 16, paddr, 8);
	put(64 + 24, paddr, 8);
	put(64 + 32, 0x2000, 8);
	put(64 + 40, 0x4000, 8);
	memset(img + 0x1000, 0x90, 0x2000);
	img_size = 0x3000;
}

void pvh_note(size_t at, uint32_t desc_size, uint64_t entry, uint64_t align)
{
	bool is64 = img[4] == 2;
	size_t ph = is64 ? 64 + 56 : 52 + 32, note_size = 12 + 4 + ((desc_size + 3) & ~3u);
	put(is64 ? 56 : 44, 2, 2); /* e_phnum */
	put(ph, 4, 4);             /* PT_NOTE */
	if (is64) {
		put(ph + 4, 4, 4);
		put(ph + 8, at, 8);
		put(ph + 32, note_size, 8);
		put(ph + 40, note_size, 8);
		put(ph + 48, align, 8);
	} else {
		put(ph + 4, at, 4);
		put(ph + 16, note_size, 4);
		put(ph + 20, note_size, 4);
		put(ph + 24, 4, 4);
		put(ph + 28, align, 4);
	}
	put(at, 4, 4);             /* namesz */
	put(at + 4, desc_size, 4);
	put(at + 8, PVH_NOTE_PHYS32_ENTRY, 4);
	memcpy(img + at + 12, "Xen", 4);
	memset(img + at + 16, 0, 8);
	memcpy(img + at + 16, &entry, desc_size < 8 ? desc_size : 8);
	if (img_size < at + note_size)
		img_size = at + note_size;
}

/* The same as ELF32 i386. */
void elf32_image(uint32_t paddr, uint32_t entry_off)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 1, 1, 1 };
	memset(img, 0, sizeof(img));
	memcpy(img, ident, sizeof(ident));
	put(16, 2, 2);
	put(18, 3, 2);
	put(20, 1, 4);
	put(24, paddr + entry_off, 4);
	put(28, 52, 4);
	put(42, 32, 2);
	put(44, 1, 2);
	put(52 + 0, 1, 4);
	put(52 + 4, 0x1000, 4);
	put(52 + 8, paddr, 4);
	put(52 + 12, paddr, 4);
	put(52 + 16, 0x2000, 4);
	put(52 + 20, 0x4000, 4);
	put(52 + 24, 5, 4);
	memset(img + 0x1000, 0x90, 0x2000);
	img_size = 0x3000;
}

void mb1_header(size_t off, uint32_t flags)
{
	put(off, MULTIBOOT1_HEADER_MAGIC, 4);
	put(off + 4, flags, 4);
	put(off + 8, (uint32_t)-(MULTIBOOT1_HEADER_MAGIC + flags), 4);
}

/* Address fields after a Multiboot header at off. */
void mb1_address(size_t off, uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
			uint32_t bss_end, uint32_t entry)
{
	put(off + 12, header_addr, 4);
	put(off + 16, load_addr, 4);
	put(off + 20, load_end, 4);
	put(off + 24, bss_end, 4);
	put(off + 28, entry, 4);
}

/* A Multiboot2 header at off; tags are added with mb2_tag and closed with mb2_end. */
size_t mb2_at, mb2_len;

void mb2_begin(size_t off)
{
	mb2_at = off;
	mb2_len = 16;
	put(off, MULTIBOOT2_HEADER_MAGIC, 4);
	put(off + 4, 0, 4);
}

size_t mb2_tag(uint16_t type, uint16_t flags, uint32_t size)
{
	size_t t = mb2_at + mb2_len;
	put(t, type, 2);
	put(t + 2, flags, 2);
	put(t + 4, size, 4);
	mb2_len += (size + 7) & ~7u;
	return t;
}

void mb2_end(void)
{
	mb2_tag(0, 0, 8);
	put(mb2_at + 8, mb2_len, 4);
	put(mb2_at + 12, (uint32_t)-(MULTIBOOT2_HEADER_MAGIC + 0 + (uint32_t)mb2_len), 4);
}

/* ---- running the loader ---- */

struct loader_input in;
struct loader_result out;
char err[256];
uint8_t mod_a[5000], mod_b[3];

void input(enum kernel_type type, const char *cmdline, unsigned nmodules)
{
	memset(&in, 0, sizeof(in));
	in.type = type;
	in.kernel = (struct loader_file){ img, img_size, "k.bin", cmdline };
	for (size_t i = 0; i < sizeof(mod_a); i++)
		mod_a[i] = (uint8_t)(i * 7);
	memcpy(mod_b, "abc", 3);
	static const struct loader_file mods[] = {
		{ mod_a, sizeof(mod_a), "a.bin", "first module" },
		{ mod_b, sizeof(mod_b), "b.txt", "" },
	};
	for (unsigned i = 0; i < nmodules; i++)
		in.modules[i] = mods[i];
	in.nmodules = nmodules;
}

int load(void)
{
	memset(ram, 0, ram_size);
	err[0] = '\0';
	in.kernel.size = img_size;
	return loader_load(&p2m, &in, &out, err, sizeof(err));
}

void expect_default_memory_map(uint64_t gpa, unsigned entry_size)
{
	static const uint64_t want[3][3] = { { 0, 0xa0000, KEEL_MEMORY_RAM },
					     { 0xa0000, 0x60000, KEEL_MEMORY_RESERVED },
					     { MIB, 15 * MIB, KEEL_MEMORY_RAM } };
	for (unsigned i = 0; i < 3; i++) {
		uint64_t e = gpa + i * entry_size;
		assert_int_equal(rd64(e), want[i][0]);
		assert_int_equal(rd64(e + 8), want[i][1]);
		assert_int_equal(rd32(e + 16), want[i][2]);
	}
}

void expect_two_modules(uint64_t gpa, unsigned entry_size)
{
	assert_int_equal(rd64(gpa), 0x104000);
	assert_int_equal(rd64(gpa + 8), sizeof(mod_a));
	assert_string_equal(str(rd64(gpa + 16)), "first module");
	assert_int_equal(rd64(gpa + entry_size), 0x106000);
	assert_int_equal(rd64(gpa + entry_size + 8), 3);
	assert_string_equal(str(rd64(gpa + entry_size + 16)), "");
	assert_memory_equal(ram + 0x104000, mod_a, sizeof(mod_a));
	assert_memory_equal(ram + 0x106000, "abc", 3);
}

void expect_refusal(const char *msg)
{
	assert_int_equal(load(), -EINVAL);
	assert_string_equal(err, msg);
}

void expect_loaded(void)
{
	int rc = load();
	if (rc)
		fail_msg("refused: %s", err);
}

int setup(void **state)
{
	(void)state;
	set_ram(16 * MIB);
	return 0;
}

int teardown(void **state)
{
	(void)state;
	free(ram);
	ram = NULL;
	return 0;
}
