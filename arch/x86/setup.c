/* The first C code of the core: take the machine over from the boot loader (own stack,
 * GDT, IDT, page tables, page allocator, console), then hand over to vmm_main(). */
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_activity.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/gdt.h"
#include "arch/x86/multiboot2.h"
#include "arch/x86/page_alloc.h"
#include "arch/x86/paging.h"
#include "arch/x86/platform.h"
#include "boot/boot_info.h"
#include "drivers/lapic.h"
#include "drivers/serial.h"
#include "drivers/rtc.h"
#include "drivers/tsc.h"
#include "lib/log.h"
#include "lib/string.h"
#include "arch/x86/setup.h"
#include "vmm/main.h"
#include "vmm/version.h"

#define COM1 0x3f8
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1
#define LOW_MEMORY_END 0x100000 /* real-mode memory, BIOS areas: kept out of the allocator */
#define MIB (1ull << 20)

extern char __core_start[], __core_end[];

/* The loader's copy lives in memory we will not keep; this one is ours. */
static struct boot_info boot;

static void console_sink(const char *text, size_t len)
{
	serial_write(text, len);
}

static uint64_t usable_top(void)
{
	uint64_t top = 0;
	for (unsigned i = 0; i < boot.mem_count; i++)
		if (boot.mem[i].type == BOOT_MEM_USABLE && boot.mem[i].base + boot.mem[i].length > top)
			top = boot.mem[i].base + boot.mem[i].length;
	return top;
}

static void memory_init(void)
{
	struct phys_range reserved[BOOT_MAX_MODULES + 3];
	unsigned n = 0;
	reserved[n++] = (struct phys_range){ 0, LOW_MEMORY_END };
	reserved[n++] = (struct phys_range){ (uint64_t)__core_start, (uint64_t)__core_end };
	if (boot.config_size)
		reserved[n++] = (struct phys_range){ boot.config_base, boot.config_base + boot.config_size };
	for (unsigned i = 0; i < boot.module_count; i++)
		reserved[n++] = (struct phys_range){ boot.modules[i].base, boot.modules[i].base + boot.modules[i].size };

	uint64_t mapped = paging_init(usable_top());
	int err = page_alloc_init(boot.mem, boot.mem_count, reserved, n, mapped, phys_to_virt);
	if (err) {
		log_error("cannot build the page allocator from the firmware memory map (error %d)", err);
		platform_exit(KEEL_STATUS_PANIC);
	}
	uint64_t usable = 0;
	for (unsigned i = 0; i < boot.mem_count; i++)
		if (boot.mem[i].type == BOOT_MEM_USABLE)
			usable += boot.mem[i].length;
	log_info("memory: %llu MiB usable in the firmware map, %llu MiB free for guests",
		 (unsigned long long)(usable / MIB),
		 (unsigned long long)(page_alloc_free_pages() * PAGE_SIZE / MIB));
}

void console_start(void)
{
	static bool started;
	if (started)
		return;
	started = true;
	serial_init(COM1);
	log_set_sink(console_sink);
	kprintf("\nKeel " KEEL_VERSION_STRING " x86-64 hypervisor\n");
}

void core_start_uefi(const struct boot_info *from_loader)
{
	console_start();
	cpu_activity_set("taking the machine over: reading the boot information", NULL, 0);
	core_start(from_loader);
}

void multiboot2_start(uint32_t mbi)
{
	static struct boot_info from_grub;
	static uint8_t rsdp[MULTIBOOT2_RSDP_MAX];
	char err[128];
	console_start();
	cpu_activity_set("taking the machine over: reading the boot information", NULL, 0);
	if (multiboot2_parse(phys_to_virt(mbi), &from_grub, rsdp, err, sizeof(err))) {
		log_error("the Multiboot2 boot information is unusable: %s", err);
		platform_exit(KEEL_STATUS_PANIC);
	}
	core_start(&from_grub);
}

void core_start(const struct boot_info *from_loader)
{
	if (from_loader->magic != BOOT_INFO_MAGIC || from_loader->version != BOOT_INFO_VERSION) {
		log_error("the boot loader handed over no Keel boot information (magic 0x%llx, version %u)",
			  (unsigned long long)from_loader->magic, from_loader->version);
		platform_exit(KEEL_STATUS_PANIC);
	}
	boot = *from_loader;
	if (boot.mem_count > BOOT_MAX_MEMMAP || boot.module_count > BOOT_MAX_MODULES) {
		log_error("the boot information is malformed (%u memory ranges, %u modules)", boot.mem_count,
			  boot.module_count);
		platform_exit(KEEL_STATUS_PANIC);
	}
	/* Caches on, whatever the firmware left: CD and NW are set at reset (SDM vol.3 §11.5.1,
	 * table 11-5), and a BIOS may not clear them. */
	write_cr0(read_cr0() & ~(CR0_CD | CR0_NW));
	/* Keel polls; nothing may interrupt it. Mask the legacy PIC the firmware may have left on. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);

	log_info("boot: %s, %u memory ranges, %u boot modules, RSDP 0x%llx",
		 boot.source == BOOT_FROM_UEFI ? "UEFI" : "Multiboot2", boot.mem_count, boot.module_count,
		 (unsigned long long)boot.rsdp);
	if (boot.modules_skipped)
		log_warn("boot: %u boot module%s left out: Keel takes at most %d", boot.modules_skipped,
			 boot.modules_skipped == 1 ? "" : "s", BOOT_MAX_MODULES);
	cpu_activity_set("taking the machine over: building the page tables and the page allocator", NULL, 0);
	memory_init();
	cpu_activity_set("taking the machine over: measuring the TSC", NULL, 0);
	tsc_init(boot.rsdp);
	rtc_init();
	cpu_activity_set("taking the machine over: detecting the CPU's features", NULL, 0);
	cpu_detect();
	cpu_report();
	cpu_activity_set("taking the machine over: the local APIC", NULL, 0);
	if (lapic_init()) {
		log_error("Keel cannot run without its local APIC: it keeps time and preempts guests with it");
		platform_exit(KEEL_STATUS_UNSUPPORTED_CPU);
	}
	vmm_main(&boot);
}
