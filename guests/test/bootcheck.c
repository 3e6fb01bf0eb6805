/* bootcheck: checks what its boot protocol promises: the machine state at entry, the
 * command line, the modules, the memory map and the UART. One image per protocol
 * (bootcheck-elf64.elf, -mb1.elf, -mb1k.bin, -mb2.elf, -pvh.elf). Returns the number of failed
 * checks. The command line may say modules=<n> and crc<i>=<8 hex digits>. */
#include "guests/lib/guest.h"
#include "include/keel/start_info.h"
#include "include/multiboot1.h"
#include "include/multiboot2.h"
#include "include/pvh.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MIB 0x100000ull
#define PAGE 0x1000ull
#define LOW_RAM_END 0xa0000ull
#define FOUR_GIB 0x100000000ull
#define UART_POLLS 10000

static struct checks c = { .prog = "bootcheck" };

static const char *const seg_name[SEG_COUNT] = { "CS", "DS", "ES", "FS", "GS", "SS" };

/* CS: a 32-bit execute/read code segment; the others read/write data with B = 1
 * (Multiboot 0.6.96 §3.2). Expand-down data and conforming code do not count. */
static bool rights_ok(unsigned seg, uint32_t ar)
{
	unsigned want = seg == SEG_CS ? SEG_TYPE_CODE | SEG_TYPE_RW : SEG_TYPE_RW;
	return (ar & LAR_P) && (ar & LAR_S) && (LAR_TYPE(ar) & ~1u) == want && (ar & LAR_DB) &&
	       !(ar & LAR_L);
}

static void check_segments(const struct guest_entry_state *e)
{
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		const char *want = i == SEG_CS ? "32-bit execute/read code" : "read/write data with B=1";
		if (e->lar_valid & (1u << i))
			check(&c, rights_ok(i, e->lar[i]), "%s 0x%x: access rights 0x%x, expected %s", seg_name[i],
			      e->sel[i], e->lar[i], want);
		else
			check(&c, false, "%s 0x%x: LAR failed, expected %s", seg_name[i], e->sel[i], want);
	}
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		if (e->lsl_valid & (1u << i))
			check(&c, e->lsl[i] == 0xffffffffu, "%s 0x%x: limit 0x%x, expected 0xffffffff", seg_name[i],
			      e->sel[i], e->lsl[i]);
		else
			check(&c, false, "%s 0x%x: LSL failed, expected limit 0xffffffff", seg_name[i], e->sel[i]);
	}
	char differ[32] = "";
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		if (!(e->base_match & (1u << i))) {
			strlcpy(differ + strlen(differ), " ", sizeof(differ) - strlen(differ));
			strlcpy(differ + strlen(differ), seg_name[i], sizeof(differ) - strlen(differ));
		}
	}
	check(&c, e->base_match == (1u << SEG_COUNT) - 1, "segment bases differ: a dword reads otherwise through%s",
	      differ);
}

/* What Multiboot and PVH promise alike: 32-bit protected mode, paging and interrupts off,
 * flat segments. */
static void check_protected_mode(const struct guest_entry_state *e)
{
	check(&c, e->cr0 & CR0_PE, "CR0 0x%lx: PE clear", e->cr0);
	check(&c, !(e->cr0 & CR0_PG), "CR0 0x%lx: PG set", e->cr0);
	check(&c, !(e->rflags & RFLAGS_IF), "EFLAGS 0x%lx: IF set", e->rflags);
	check(&c, !(e->rflags & RFLAGS_VM), "EFLAGS 0x%lx: VM set", e->rflags);
	check_segments(e);
}

static void check_entry_multiboot(const struct guest_boot *b, uint32_t magic)
{
	const struct guest_entry_state *e = b->entry;
	bool mb2 = b->kind == GUEST_PROTO_MULTIBOOT2;

	/* Keel's boot area is below 1 MiB, unless the kernel loads there (docs/boot-protocols.md) */
	bool low_kernel = (uintptr_t)guest_image_start < MIB;
	check(&c, e->rax == magic, "EAX 0x%lx, expected 0x%x", e->rax, magic);
	check(&c, e->rbx != 0 && (low_kernel ? e->rbx >= MIB : e->rbx < MIB) && (!mb2 || e->rbx % 8 == 0),
	      "EBX 0x%lx, expected the information's address, %s 1 MiB%s", e->rbx, low_kernel ? "above" : "below",
	      mb2 ? ", 8-byte aligned" : "");
	check_protected_mode(e);
	if (e->flags & GUEST_ENTRY_HAS_ENTRY_TAG)
		check(&c, e->flags & GUEST_ENTRY_VIA_ENTRY_TAG,
		      "entered at the ELF entry point, not at the entry address tag's");
}

/* PVH (include/pvh.h): EBX the start info, version 1, in Keel's boot area below 1 MiB. */
static void check_entry_pvh(const struct guest_boot *b)
{
	const struct guest_entry_state *e = b->entry;

	check(&c, b->info_readable && e->rbx < MIB && e->rbx % 8 == 0,
	      "EBX 0x%lx, expected the start info's address, below 1 MiB, 8-byte aligned", e->rbx);
	check(&c, b->start_magic == PVH_START_MAGIC && b->start_version == PVH_START_VERSION,
	      "start info magic 0x%x version %u, expected 0x%x version %u", b->start_magic, b->start_version,
	      PVH_START_MAGIC, PVH_START_VERSION);
	check_protected_mode(e);
}

static void check_entry_elf64(const struct guest_boot *b)
{
	const struct guest_entry_state *e = b->entry;

	check(&c, b->info_readable, "RDI 0x%lx, expected the start info in low memory", e->rdi);
	check(&c, b->start_magic == KEEL_START_MAGIC, "start info magic 0x%x, expected 0x%x", b->start_magic,
	      KEEL_START_MAGIC);
	check(&c, b->start_version == KEEL_START_VERSION, "start info version %u, expected %u", b->start_version,
	      KEEL_START_VERSION);
	check(&c, e->rsp == KEEL_START_STACK_TOP, "RSP 0x%lx, expected 0x%x", e->rsp, KEEL_START_STACK_TOP);
	check(&c, e->cr0 & CR0_PG, "CR0 0x%lx: PG clear", e->cr0);
	check(&c, e->cr4 & CR4_PAE, "CR4 0x%lx: PAE clear", e->cr4);
	check(&c, !(e->rflags & RFLAGS_IF), "RFLAGS 0x%lx: IF set", e->rflags);
	check(&c, e->sel[SEG_CS] == 0x08, "CS 0x%x, expected 0x8", e->sel[SEG_CS]);
	check(&c, e->sel[SEG_DS] == 0x10, "DS 0x%x, expected 0x10", e->sel[SEG_DS]);
	check(&c, e->sel[SEG_SS] == 0x10, "SS 0x%x, expected 0x10", e->sel[SEG_SS]);
}

static void check_entry(const struct guest_boot *b)
{
	unsigned failed = c.failed;

	if (b->kind == GUEST_PROTO_MULTIBOOT1)
		check_entry_multiboot(b, MULTIBOOT1_BOOTLOADER_MAGIC);
	else if (b->kind == GUEST_PROTO_MULTIBOOT2)
		check_entry_multiboot(b, MULTIBOOT2_BOOTLOADER_MAGIC);
	else if (b->kind == GUEST_PROTO_ELF64)
		check_entry_elf64(b);
	else if (b->kind == GUEST_PROTO_PVH)
		check_entry_pvh(b);
	else
		check(&c, false, "unknown boot protocol %u", b->kind);
	if (c.failed == failed)
		guest_printf("bootcheck: %s: entry state ok\n", b->protocol);
}

static void check_problems(const struct guest_boot *b)
{
	if (b->problem_count == 0) {
		check(&c, true, "boot information");
		return;
	}
	for (unsigned i = 0; i < b->problem_count && i < GUEST_MAX_PROBLEMS; i++)
		check(&c, false, "boot information: %s", b->problems[i]);
	if (b->problem_count > GUEST_MAX_PROBLEMS)
		check(&c, false, "boot information: %u more problems", b->problem_count - GUEST_MAX_PROBLEMS);
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Exactly eight hex digits. */
static bool parse_crc(const char *s, uint32_t *out)
{
	uint64_t v;
	char hex[11] = "0x";
	if (strlen(s) != 8)
		return false;
	strlcpy(hex + 2, s, sizeof(hex) - 2);
	if (!parse_u64(hex, 10, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static void check_modules(const struct guest_boot *b)
{
	uint64_t image = (uintptr_t)guest_image_start, image_size = (uintptr_t)guest_image_end - image;
	uint32_t crc[GUEST_MAX_MODULES] = { 0 };

	for (unsigned i = 0; i < b->module_count; i++) {
		const struct guest_module *m = &b->modules[i];
		bool in_ram = guest_ram_contains(b, m->start, m->size);
		if (in_ram) {
			crc[i] = crc32((const void *)(uintptr_t)m->start, m->size);
			guest_printf("bootcheck: module %u: %lu bytes at 0x%lx, crc32 0x%08x, cmdline \"%s\"\n", i,
				     m->size, m->start, crc[i], m->cmdline);
		} else {
			guest_printf("bootcheck: module %u: %lu bytes at 0x%lx, crc32 unknown, cmdline \"%s\"\n", i,
				     m->size, m->start, m->cmdline);
		}
		check(&c, m->start % PAGE == 0, "module %u at 0x%lx is not page-aligned", i, m->start);
		check(&c, in_ram, "module %u at 0x%lx-0x%lx is not inside RAM", i, m->start, m->start + m->size - 1);
		check(&c, !overlap(m->start, m->size, image, image_size),
		      "module %u at 0x%lx-0x%lx overlaps the kernel at 0x%lx-0x%lx", i, m->start, m->start + m->size - 1,
		      image, image + image_size - 1);
		unsigned other = i;
		for (unsigned j = 0; j < i && other == i; j++) {
			if (overlap(m->start, m->size, b->modules[j].start, b->modules[j].size))
				other = j;
		}
		check(&c, other == i, "module %u overlaps module %u", i, other);
	}

	uint64_t want;
	if (cmdline_u64(b->cmdline, "modules", &want))
		check(&c, want == b->module_count, "%u modules, expected %lu (modules=)", b->module_count, want);
	for (unsigned i = 0; i < GUEST_MAX_MODULES; i++) {
		char key[8], value[16];
		uint32_t expected;
		ksnprintf(key, sizeof(key), "crc%u", i);
		if (cmdline_value(b->cmdline, key, value, sizeof(value)) < 0)
			continue;
		if (!parse_crc(value, &expected))
			check(&c, false, "%s=%s is not 8 hex digits", key, value);
		else if (i >= b->module_count)
			check(&c, false, "%s= names module %u, but there are %u modules", key, i, b->module_count);
		else
			check(&c, crc[i] == expected && guest_ram_contains(b, b->modules[i].start, b->modules[i].size),
			      "module %u: crc32 0x%08x, expected 0x%08x (%s=)", i, crc[i], expected, key);
	}
}

static const char *type_name(uint32_t type, char *buf, size_t size)
{
	if (type == KEEL_MEMORY_RAM)
		return "ram";
	if (type == KEEL_MEMORY_RESERVED)
		return "reserved";
	ksnprintf(buf, size, "type %u", type);
	return buf;
}

/* RAM above 4 GiB holds what the guest writes there: Keel reads it back from the same
 * guest-physical address, through the domain's nested page table, for a console line. */
static void check_high_memory(uint64_t gpa)
{
	static const char line[] = "bootcheck: RAM above 4 GiB holds this line\n";
	char *at = guest_map_high(gpa);
	if (!check(&c, at != NULL, "0x%lx cannot be mapped", gpa))
		return;
	memcpy(at, line, sizeof(line) - 1);
	long r = hc_console_write((const void *)(uintptr_t)gpa, sizeof(line) - 1);
	check(&c, r == (long)sizeof(line) - 1, "console_write from 0x%lx returned %ld, expected %zu", gpa, r,
	      sizeof(line) - 1);
}

/* Keel's layout (docs/architecture.md): low RAM, the PC's reserved area, RAM from 1 MiB to
 * the MMIO hole (hole=<MiB> on the command line: the domain's mmio_hole, default 512), and
 * the rest from 4 GiB up. */
static void check_memory(const struct guest_boot *b)
{
	struct keel_domain_info info = { 0 };
	char t1[16], t2[16];
	uint64_t hole = 512;

	for (unsigned i = 0; i < b->memory_count; i++) {
		const struct guest_memory_range *r = &b->memory[i];
		guest_printf("bootcheck: memory 0x%lx-0x%lx %s\n", r->base, r->base + r->length - 1,
			     type_name(r->type, t1, sizeof(t1)));
	}
	long got = hc_domain_info(&info);
	check(&c, got == (long)sizeof(info), "domain_info returned %ld, expected %zu", got, sizeof(info));
	cmdline_u64(b->cmdline, "hole", &hole);
	uint64_t mem = info.memory_bytes, hole_start = FOUR_GIB - hole * MIB;
	uint64_t low_end = mem < hole_start ? mem : hole_start;
	const struct guest_memory_range want[4] = {
		{ 0, LOW_RAM_END, KEEL_MEMORY_RAM },
		{ LOW_RAM_END, MIB - LOW_RAM_END, KEEL_MEMORY_RESERVED },
		{ MIB, low_end > MIB ? low_end - MIB : 0, KEEL_MEMORY_RAM },
		{ FOUR_GIB, mem - low_end, KEEL_MEMORY_RAM },
	};
	unsigned n = mem > low_end ? 4 : 3;
	check(&c, b->memory_count == n, "the memory map has %u ranges, expected %u", b->memory_count, n);
	for (unsigned i = 0; i < n; i++) {
		const struct guest_memory_range *r = i < b->memory_count ? &b->memory[i] : NULL;
		bool ok = r && r->base == want[i].base && r->length == want[i].length && r->type == want[i].type;
		check(&c, ok, "memory range %u is %s0x%lx-0x%lx %s, expected 0x%lx-0x%lx %s", i, r ? "" : "missing, not ",
		      r ? r->base : 0, r ? r->base + r->length - 1 : 0, r ? type_name(r->type, t1, sizeof(t1)) : "-",
		      want[i].base, want[i].base + want[i].length - 1, type_name(want[i].type, t2, sizeof(t2)));
	}
	if (n == 4)
		check_high_memory(want[3].base + want[3].length - 4096);
	if (b->kind == GUEST_PROTO_ELF64 || b->kind == GUEST_PROTO_PVH)
		return; /* Multiboot's alone */

	uint32_t upper = (uint32_t)((low_end - MIB) / 1024);
	check(&c, b->has_meminfo && b->mem_lower == 640, "mem_lower %u%s, expected 640", b->mem_lower,
	      b->has_meminfo ? "" : " (not provided)");
	check(&c, b->has_meminfo && b->mem_upper == upper, "mem_upper %u%s, expected %u", b->mem_upper,
	      b->has_meminfo ? "" : " (not provided)", upper);
	if (b->boot_loader_name)
		guest_printf("bootcheck: boot loader \"%s\"\n", b->boot_loader_name);
	check(&c, b->boot_loader_name && strcmp(b->boot_loader_name, "Keel") == 0,
	      "boot loader name %s%s%s, expected \"Keel\"", b->boot_loader_name ? "\"" : "",
	      b->boot_loader_name ? b->boot_loader_name : "not provided", b->boot_loader_name ? "\"" : "");
}

/* The 16550 as the datasheet describes it. Nothing is printed while loopback or DLAB is
 * on (the text would go to the receiver or into the divisor): results are checked after. */
static void check_uart(void)
{
	unsigned failed = c.failed;
	uint8_t scr, lsr, dr_after_write = 0, rbr, lsr_after_read, dll;

	outb(UART_BASE + UART_SCR, 0x5a);
	scr = inb(UART_BASE + UART_SCR);
	lsr = inb(UART_BASE + UART_LSR);

	for (unsigned i = 0; i < 64 && (inb(UART_BASE + UART_LSR) & UART_LSR_DR); i++)
		inb(UART_BASE + UART_THR); /* drain what the far end may have sent */
	outb(UART_BASE + UART_MCR, UART_MCR_LOOP | UART_MCR_DTR_RTS);
	outb(UART_BASE + UART_THR, 0xa5);
	for (unsigned i = 0; i < UART_POLLS && !(dr_after_write & UART_LSR_DR); i++)
		dr_after_write = inb(UART_BASE + UART_LSR);
	rbr = inb(UART_BASE + UART_THR);
	lsr_after_read = inb(UART_BASE + UART_LSR);
	outb(UART_BASE + UART_MCR, UART_MCR_DTR_RTS);

	outb(UART_BASE + UART_LCR, UART_LCR_DLAB | UART_LCR_8N1);
	outb(UART_BASE + UART_THR, 0x0c); /* DLL */
	dll = inb(UART_BASE + UART_THR);
	outb(UART_BASE + UART_THR, 1);
	outb(UART_BASE + UART_LCR, UART_LCR_8N1);

	check(&c, scr == 0x5a, "uart: SCR reads 0x%02x after writing 0x5a", scr);
	check(&c, (lsr & (UART_LSR_THRE | UART_LSR_TEMT)) == (UART_LSR_THRE | UART_LSR_TEMT),
	      "uart: LSR 0x%02x, expected THRE and TEMT set", lsr);
	check(&c, dr_after_write & UART_LSR_DR, "uart: loopback: LSR 0x%02x, DR not set after writing THR",
	      dr_after_write);
	check(&c, rbr == 0xa5, "uart: loopback: RBR 0x%02x, expected 0xa5", rbr);
	check(&c, !(lsr_after_read & UART_LSR_DR), "uart: loopback: LSR 0x%02x, DR still set after reading RBR",
	      lsr_after_read);
	check(&c, dll == 0x0c, "uart: DLL reads 0x%02x after writing 0x0c", dll);
	if (c.failed == failed)
		guest_printf("bootcheck: uart ok\n");
}

/* A port no device answers reads as all ones, and a write to it changes nothing: COM2's
 * scratch register (the domain has COM1 only). */
static void check_unused_port(void)
{
	outb(0x2f8 + UART_SCR, 0x5a);
	uint8_t v = inb(0x2f8 + UART_SCR);
	if (check(&c, v == 0xff, "port 0x2ff reads 0x%02x, expected 0xff (no device there)", v))
		guest_printf("bootcheck: unused ports read 0xff\n");
}
/* The RSDP of revision 2 at rsdp: its signature and both checksums. */
static bool rsdp_valid(const uint8_t *rsdp)
{
	uint8_t sum20 = 0, sum36 = 0;
	for (unsigned i = 0; i < 36; i++) {
		sum36 = (uint8_t)(sum36 + rsdp[i]);
		if (i < 20)
			sum20 = (uint8_t)(sum20 + rsdp[i]);
	}
	return !memcmp(rsdp, "RSD PTR ", 8) && rsdp[15] == 2 && !sum20 && !sum36;
}

/* The domain's ACPI tables start with the RSDP at 0xe0000, in the BIOS area, where
 * Multiboot 1 kernels find it by its signature; elf64 and PVH give its address, Multiboot2
 * a copy of it (which must equal the original). */
static void check_acpi(const struct guest_boot *b)
{
	const uint8_t *bios = (const uint8_t *)(uintptr_t)0xe0000;
	bool in_bios = rsdp_valid(bios);
	if (b->kind == GUEST_PROTO_MULTIBOOT1) {
		check(&c, in_bios, "no valid RSDP at 0xe0000");
		if (in_bios)
			guest_printf("bootcheck: ACPI RSDP at 0xe0000\n");
		return;
	}
	const uint8_t *given = (const uint8_t *)(uintptr_t)b->rsdp_gpa;
	bool address = b->kind != GUEST_PROTO_MULTIBOOT2;
	bool ok = in_bios && b->rsdp_gpa && rsdp_valid(given) &&
		  (address ? b->rsdp_gpa == 0xe0000 : !memcmp(given, bios, 36));
	check(&c, ok, "RSDP given at 0x%lx, %s; at 0xe0000 %s", b->rsdp_gpa,
	      b->rsdp_gpa && rsdp_valid(given) ? "valid" : "not valid", in_bios ? "valid" : "not valid");
	if (ok)
		guest_printf("bootcheck: ACPI RSDP at 0xe0000, %s\n", address ? "its address given" : "a copy given");
}

int guest_main(const struct guest_boot *boot)
{
	check_entry(boot);
	guest_printf("bootcheck: cmdline \"%s\"\n", boot->cmdline);
	if (boot->kind != GUEST_PROTO_ELF64)
		check(&c, boot->has_cmdline, "no command line from the loader");
	check_problems(boot);
	check_modules(boot);
	check_memory(boot);
	check_acpi(boot);
	check_uart();
	check_unused_port();
	return checks_summary(&c);
}
