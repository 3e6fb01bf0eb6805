/* What the boot-information parsers share: problems, where reading is safe,
 * strings, and the normalized lists. */
#include <stdarg.h>

#include "guests/lib/boot_parse.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LOW_MEMORY_END 0xa0000ull /* 640 KiB: RAM on every PC */
#define MIB 0x100000ull
#define FOUR_GIB 0x100000000ull

void boot_problem(struct guest_boot *b, const char *fmt, ...)
{
	if (b->problem_count < GUEST_MAX_PROBLEMS) {
		va_list ap;
		va_start(ap, fmt);
		kvsnprintf(b->problems[b->problem_count], GUEST_PROBLEM_LEN, fmt, ap);
		va_end(ap);
	}
	b->problem_count++;
}

static bool inside(uint64_t gpa, uint64_t len, uint64_t base, uint64_t end)
{
	return gpa >= base && gpa <= end && len <= end - gpa;
}

/* Follows RAM ranges from gpa on until len bytes are covered (ranges may touch). */
bool guest_ram_contains(const struct guest_boot *boot, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;
	if (end < gpa)
		return false;
	for (unsigned step = 0; step <= boot->memory_count; step++) {
		const struct guest_memory_range *hit = NULL;
		for (unsigned i = 0; i < boot->memory_count && !hit; i++) {
			const struct guest_memory_range *r = &boot->memory[i];
			if (r->type == 1 && gpa >= r->base && gpa - r->base < r->length)
				hit = r;
		}
		if (!hit)
			return false;
		uint64_t hit_end = hit->base + hit->length;
		if (hit_end < hit->base || end <= hit_end)
			return true; /* a range reaching past 2^64 covers the rest */
		gpa = hit_end;
	}
	return false;
}

bool boot_readable(const struct guest_boot *b, uint64_t gpa, uint64_t len)
{
	if (gpa == 0 || gpa + len < gpa)
		return false;
	if (b->memory_count)
		return guest_ram_contains(b, gpa, len);
	if (inside(gpa, len, 0, LOW_MEMORY_END))
		return true;
	return b->has_meminfo && inside(gpa, len, MIB, MIB + (uint64_t)b->mem_upper * 1024);
}

bool boot_info_placed(uint64_t gpa, uint64_t len)
{
	return gpa != 0 && inside(gpa, len, 0, FOUR_GIB);
}

const char *boot_string(struct guest_boot *b, uint64_t gpa, const char *what)
{
	if (gpa == 0) {
		boot_problem(b, "%s: null pointer", what);
		return "";
	}
	for (uint64_t n = 0; n <= GUEST_STRING_MAX; n++) {
		if (!boot_readable(b, gpa + n, 1)) {
			boot_problem(b, "%s at 0x%lx: runs out of memory after %lu bytes", what, gpa, n);
			return "";
		}
		if (*(const char *)gpa_ptr(gpa + n) == '\0')
			return gpa_ptr(gpa);
	}
	boot_problem(b, "%s at 0x%lx: longer than %u bytes", what, gpa, GUEST_STRING_MAX);
	return "";
}

void boot_add_memory(struct guest_boot *b, uint64_t base, uint64_t length, uint32_t type)
{
	if (b->memory_count >= GUEST_MAX_MEMORY) {
		boot_problem(b, "memory map: more than %u ranges", GUEST_MAX_MEMORY);
		return;
	}
	if (base + length < base && base + length != 0)
		boot_problem(b, "memory map: range 0x%lx + 0x%lx wraps around", base, length);
	b->memory[b->memory_count++] = (struct guest_memory_range){ base, length, type };
}

void boot_add_module(struct guest_boot *b, uint64_t start, uint64_t size, const char *cmdline)
{
	if (b->module_count >= GUEST_MAX_MODULES) {
		boot_problem(b, "modules: more than %u", GUEST_MAX_MODULES);
		return;
	}
	if (start + size < start)
		boot_problem(b, "module %u: 0x%lx + 0x%lx wraps around", b->module_count, start, size);
	b->modules[b->module_count++] = (struct guest_module){ start, size, cmdline };
}

void guest_boot_parse(struct guest_boot *b, const struct guest_entry_state *e)
{
	memset(b, 0, sizeof(*b));
	b->entry = e;
	b->cmdline = "";
	b->kind = (enum guest_protocol)e->protocol;
	switch (e->protocol) {
	case GUEST_PROTO_ELF64:
		b->protocol = "elf64";
		boot_parse_elf64(b);
		break;
	case GUEST_PROTO_MULTIBOOT1:
		b->protocol = "multiboot1";
		boot_parse_multiboot1(b);
		break;
	case GUEST_PROTO_MULTIBOOT2:
		b->protocol = "multiboot2";
		boot_parse_multiboot2(b);
		break;
	case GUEST_PROTO_PVH:
		b->protocol = "pvh";
		boot_parse_pvh(b);
		break;
	default:
		b->protocol = "unknown";
		boot_problem(b, "the boot stub recorded protocol %u", e->protocol);
		break;
	}
}
