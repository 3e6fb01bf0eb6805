/* Linux's x86 boot protocol (type = "linux"; include/linux_boot.h, Linux's
 * Documentation/arch/x86/boot.rst): a bzImage of protocol 2.12 or later with a 64-bit
 * entry. Its protected-mode kernel (what follows the real-mode setup in the file) loads at
 * pref_address, or, if it is relocatable and that does not fit, at the lowest
 * kernel_alignment boundary from 1 MiB where it does, with init_size reserved from there
 * for its decompression; the initrd (the domain's ramdisk, its only module) after that,
 * below initrd_addr_max. boot_params holds the setup header copied from the image, the
 * command line, the initrd, the e820 map from the domain's layout and the RSDP; the kernel
 * starts at its 64-bit entry (the load address + 0x200) in long mode, the low 4 GiB
 * identity-mapped, CS = __BOOT_CS (0x10) and DS = ES = SS = __BOOT_DS (0x18) of a flat GDT,
 * interrupts off, RSI = boot_params. */
#include "include/linux_boot.h"
#include "lib/string.h"
#include "vmm/guest_boot.h"

typedef unsigned long long ull;

/* The 64-bit entry's GDT: null, unused, flat 64-bit code at 0x10, flat data at 0x18. */
static const uint64_t linux_gdt[4] = { 0, 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };

static uint64_t field(const uint8_t *image, unsigned offset, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, image + offset, size);
	return v;
}

static void set(uint8_t *params, unsigned offset, uint64_t value, unsigned size)
{
	memcpy(params + offset, &value, size);
}

/* The header's promises: checked before anything is loaded. */
static int check_header(struct load_ctx *c, uint64_t *pm_offset)
{
	const struct loader_file *k = &c->in->kernel;
	const uint8_t *image = k->data;
	if (k->size < LINUX_INIT_SIZE + 4 || field(image, LINUX_HEADER_MAGIC, 4) != LINUX_HEADER_MAGIC_VALUE)
		return load_fail(c, "kernel '%s': not a bzImage (no \"HdrS\" at 0x202)", k->name);
	if (0x202u + image[LINUX_HEADER_END_BYTE] > k->size)
		return load_fail(c, "kernel '%s': its setup header (to 0x%x) runs past the end of the file", k->name,
				 0x202u + image[LINUX_HEADER_END_BYTE]);
	unsigned version = (unsigned)field(image, LINUX_VERSION, 2);
	if (version < LINUX_MIN_VERSION)
		return load_fail(c, "kernel '%s': boot protocol %u.%02u, older than 2.12", k->name, version >> 8,
				 version & 0xff);
	if (!(field(image, LINUX_XLOADFLAGS, 2) & LINUX_XLF_KERNEL_64))
		return load_fail(c, "kernel '%s': no 64-bit entry (xloadflags bit 0 clear)", k->name);
	if (!(field(image, LINUX_LOADFLAGS, 1) & LINUX_LOADED_HIGH))
		return load_fail(c, "kernel '%s': not a bzImage loaded at 1 MiB or above (loadflags bit 0 clear)",
				 k->name);
	unsigned sects = image[LINUX_SETUP_SECTS] ? image[LINUX_SETUP_SECTS] : 4;
	*pm_offset = (uint64_t)(sects + 1) * 512;
	if (*pm_offset >= k->size)
		return load_fail(c, "kernel '%s': setup_sects %u leaves no protected-mode kernel in its %llu bytes",
				 k->name, sects, (ull)k->size);
	if (c->in->nmodules > 1)
		return load_fail(c, "kernel '%s': the Linux boot protocol takes one initrd (ramdisk), not %u modules",
				 k->name, c->in->nmodules);
	return 0;
}

/* Where the kernel loads: pref_address, or the lowest kernel_alignment boundary from 1 MiB
 * with room for init_size, if it is relocatable. */
static int place_kernel(struct load_ctx *c, uint64_t pm_offset, struct elf_segment *seg)
{
	const struct loader_file *k = &c->in->kernel;
	const uint8_t *image = k->data;
	uint64_t init_size = field(image, LINUX_INIT_SIZE, 4), pref = field(image, LINUX_PREF_ADDRESS, 8);
	uint64_t align = field(image, LINUX_KERNEL_ALIGNMENT, 4), file_size = k->size - pm_offset;
	if (init_size < file_size)
		init_size = file_size;
	uint64_t at = pref;
	if ((pref > c->ram_end || init_size > c->ram_end - pref) && field(image, LINUX_RELOCATABLE, 1) && align &&
	    !(align & (align - 1)))
		at = (GUEST_UPPER_RAM + align - 1) & ~(align - 1);
	if (at < GUEST_UPPER_RAM || at > c->ram_end || init_size > c->ram_end - at)
		return load_fail(c, "kernel '%s': it needs 0x%llx bytes (init_size) from 0x%llx, beyond the domain's "
				 "memory (0x%llx)", k->name, (ull)init_size, (ull)at, (ull)c->ram_end);
	*seg = (struct elf_segment){ .gpa = at, .vaddr = at, .file_offset = pm_offset, .file_size = file_size,
				     .mem_size = init_size };
	return 0;
}

/* boot_params, with the command line, the initrd, the memory map and the RSDP. */
static int put_boot_params(struct load_ctx *c)
{
	const struct loader_input *in = c->in;
	const uint8_t *image = in->kernel.data;
	static uint8_t params[LINUX_BOOT_PARAMS_SIZE]; /* Keel builds domains on one CPU */
	memset(params, 0, sizeof(params));
	uint64_t header_end = 0x202 + image[LINUX_HEADER_END_BYTE];
	memcpy(params + LINUX_HEADER_START, image + LINUX_HEADER_START, header_end - LINUX_HEADER_START);
	set(params, LINUX_TYPE_OF_LOADER, 0xff, 1);
	uint64_t max = field(image, LINUX_CMDLINE_SIZE, 4);
	if (strlen(in->kernel.cmdline) > max)
		return load_fail(c, "kernel '%s': its command line of %zu bytes is longer than its cmdline_size %llu",
				 in->kernel.name, strlen(in->kernel.cmdline), (ull)max);
	uint64_t cmdline = boot_put_string(c, in->kernel.cmdline);
	if (!cmdline)
		return -1;
	set(params, LINUX_CMD_LINE_PTR, (uint32_t)cmdline, 4);
	set(params, LINUX_EXT_CMD_LINE_PTR, cmdline >> 32, 4);
	if (in->nmodules) {
		set(params, LINUX_RAMDISK_IMAGE, (uint32_t)c->module_gpa[0], 4);
		set(params, LINUX_EXT_RAMDISK_IMAGE, c->module_gpa[0] >> 32, 4);
		set(params, LINUX_RAMDISK_SIZE, (uint32_t)in->modules[0].size, 4);
		set(params, LINUX_EXT_RAMDISK_SIZE, in->modules[0].size >> 32, 4);
	}
	struct keel_memory_range map[GUEST_MEMORY_RANGES];
	unsigned n = guest_memory_map(c->p2m->layout, map);
	for (unsigned i = 0; i < n; i++) {
		unsigned at = LINUX_E820_TABLE + i * LINUX_E820_ENTRY_SIZE;
		set(params, at, map[i].base, 8);
		set(params, at + 8, map[i].length, 8);
		set(params, at + 16, map[i].type, 4); /* Keel's types are E820's */
	}
	set(params, LINUX_E820_ENTRIES, n, 1);
	set(params, LINUX_ACPI_RSDP_ADDR, in->rsdp_gpa, 8);
	uint64_t gpa = boot_put(c, params, sizeof(params), LINUX_BOOT_PARAMS_SIZE);
	if (!gpa)
		return -1;
	c->out->regs.gpr[REG_RSI] = gpa;
	return 0;
}

int load_linux(struct load_ctx *c)
{
	const uint8_t *image = c->in->kernel.data;
	struct elf_segment seg;
	uint64_t pm_offset = 0, gdt;
	int err;
	if ((err = check_header(c, &pm_offset)) || (err = place_kernel(c, pm_offset, &seg)) ||
	    (err = load_segments(c, &seg, 1)))
		return err;
	c->out->format = "bzImage";
	uint64_t initrd_max = field(image, LINUX_XLOADFLAGS, 2) & LINUX_XLF_INITRD_ABOVE_4G
				      ? UINT64_MAX
				      : field(image, LINUX_INITRD_ADDR_MAX, 4) + 1;
	if ((err = load_modules(c, initrd_max)) || (err = place_boot_area(c)) || (err = put_boot_params(c)) ||
	    (err = put_identity_page_tables(c)))
		return err;
	if (!(gdt = boot_put(c, linux_gdt, sizeof(linux_gdt), 8)))
		return -1;
	c->out->boot = (struct vcpu_boot_state){
		.mode = VCPU_BOOT_LONG64,
		.cr3 = c->boot_area + BOOT_AREA_PML4,
		.gdt_base = gdt,
		.gdt_limit = sizeof(linux_gdt) - 1,
		.code_selector = LINUX_BOOT_CS,
		.data_selector = LINUX_BOOT_DS,
		.rsp = KEEL_START_STACK_TOP, /* the protocol names none; the kernel sets its own */
	};
	c->out->regs.rip = seg.gpa + LINUX_ENTRY_64;
	return 0;
}
