#include <stdbool.h>
#include "lib/printf.h"
#include "vmm/pc_names.h"

/* ---- addresses ---- */

/* A register, or a run of them, at [offset, offset + size) of a device's page. */
struct register_name {
	uint16_t offset, size;
	const char *name;
};

/* The local APIC's registers (SDM vol.3 table 11-1), also the x2APIC's MSRs 0x800 + offset / 16. */
static const struct register_name lapic_registers[] = {
	{ 0x020, 0x10, "ID register" },
	{ 0x030, 0x10, "version register" },
	{ 0x080, 0x10, "task priority register (TPR)" },
	{ 0x090, 0x10, "arbitration priority register (APR)" },
	{ 0x0a0, 0x10, "processor priority register (PPR)" },
	{ 0x0b0, 0x10, "EOI register" },
	{ 0x0c0, 0x10, "remote read register" },
	{ 0x0d0, 0x10, "logical destination register (LDR)" },
	{ 0x0e0, 0x10, "destination format register (DFR)" },
	{ 0x0f0, 0x10, "spurious interrupt vector register (SVR)" },
	{ 0x100, 0x80, "in-service register (ISR)" },
	{ 0x180, 0x80, "trigger mode register (TMR)" },
	{ 0x200, 0x80, "interrupt request register (IRR)" },
	{ 0x280, 0x10, "error status register (ESR)" },
	{ 0x2f0, 0x10, "LVT CMCI register" },
	{ 0x300, 0x10, "interrupt command register (ICR), low half" },
	{ 0x310, 0x10, "interrupt command register (ICR), high half" },
	{ 0x320, 0x10, "LVT timer register" },
	{ 0x330, 0x10, "LVT thermal sensor register" },
	{ 0x340, 0x10, "LVT performance counter register" },
	{ 0x350, 0x10, "LVT LINT0 register" },
	{ 0x360, 0x10, "LVT LINT1 register" },
	{ 0x370, 0x10, "LVT error register" },
	{ 0x380, 0x10, "timer initial count register" },
	{ 0x390, 0x10, "timer current count register" },
	{ 0x3e0, 0x10, "timer divide configuration register" },
	{ 0x3f0, 0x10, "SELF IPI register (x2APIC only)" },
};

/* The I/O APIC's direct registers (82093AA datasheet §3.0; the EOI register from version
 * 0x20 on). */
static const struct register_name ioapic_registers[] = {
	{ 0x00, 0x04, "register select (IOREGSEL)" },
	{ 0x10, 0x04, "register window (IOWIN)" },
	{ 0x40, 0x04, "EOI register" },
};

/* The HPET's general registers (IA-PC HPET specification 1.0a, table 2). */
static const struct register_name hpet_registers[] = {
	{ 0x000, 0x08, "general capabilities and ID register" },
	{ 0x010, 0x08, "general configuration register" },
	{ 0x020, 0x08, "general interrupt status register" },
	{ 0x0f0, 0x08, "main counter value register" },
};

#define HPET_TIMER0 0x100 /* each timer: 0x20 bytes of configuration, comparator, FSB route */

static const char *find_register(const struct register_name *t, size_t n, uint64_t offset)
{
	for (size_t i = 0; i < n; i++)
		if (offset - t[i].offset < t[i].size)
			return t[i].name;
	return NULL;
}

#define FIND_REGISTER(table, offset) find_register(table, sizeof(table) / sizeof(table[0]), offset)

static void lapic_register(uint64_t offset, char *name, size_t len)
{
	const char *r = FIND_REGISTER(lapic_registers, offset);
	ksnprintf(name, len, "local APIC %s", r ? r : "page, a reserved offset");
}

static void ioapic_register(uint64_t offset, char *name, size_t len)
{
	const char *r = FIND_REGISTER(ioapic_registers, offset);
	ksnprintf(name, len, "I/O APIC %s", r ? r : "page, no register");
}

static void hpet_register(uint64_t offset, char *name, size_t len)
{
	static const char *const timer_register[4] = { "configuration and capability", "comparator value",
						       "FSB interrupt route", "reserved" };
	const char *r = FIND_REGISTER(hpet_registers, offset);
	if (r)
		ksnprintf(name, len, "HPET %s", r);
	else if (offset >= HPET_TIMER0)
		ksnprintf(name, len, "HPET timer %u %s register", (unsigned)((offset - HPET_TIMER0) / 0x20),
			  timer_register[(offset % 0x20) / 8]);
	else
		ksnprintf(name, len, "HPET, a reserved offset");
}

/* TCG PC Client Platform TPM Profile: one page per locality. */
static void tpm_register(uint64_t offset, char *name, size_t len)
{
	ksnprintf(name, len, "TPM (TIS interface), locality %u", (unsigned)(offset >> 12));
}

/* PCI Express base specification §7.2.2: bus, device, function and register in the offset. */
static void ecam_register(uint64_t offset, char *name, size_t len)
{
	ksnprintf(name, len, "PCI Express ECAM of many PCs: bus %u device %u function %u offset 0x%x",
		  (unsigned)(offset >> 20), (unsigned)(offset >> 15) & 31, (unsigned)(offset >> 12) & 7,
		  (unsigned)offset & 0xfff);
}

static void vga_window(uint64_t offset, char *name, size_t len)
{
	(void)offset;
	ksnprintf(name, len, "the VGA window, legacy video memory");
}

static void firmware_flash(uint64_t offset, char *name, size_t len)
{
	(void)offset;
	ksnprintf(name, len, "the firmware's flash, the BIOS ROM with the reset vector");
}

/* What a PC usually has where a domain has nothing: each region names what is at an offset. */
static const struct region {
	uint64_t base, size;
	void (*name)(uint64_t offset, char *name, size_t len);
} regions[] = {
	{ 0xa0000, 0x20000, vga_window },
	{ 0xe0000000, 0x10000000, ecam_register },
	{ 0xfec00000, 0x1000, ioapic_register },
	{ 0xfed00000, 0x400, hpet_register },
	{ 0xfed40000, 0x5000, tpm_register },
	{ 0xfee00000, 0x1000, lapic_register },
	{ 0xff000000, 0x1000000, firmware_flash },
};

void pc_name_address(const struct guest_layout *l, uint64_t gpa, char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		if (gpa - regions[i].base < regions[i].size) {
			regions[i].name(gpa - regions[i].base, name, len);
			return;
		}
	}
	if (gpa >= l->hole_start && gpa < LAYOUT_4G)
		ksnprintf(name, len, "the MMIO hole, where this domain has no device");
	else
		ksnprintf(name, len, "beyond the domain's RAM");
}

/* ---- MSRs ---- */

/* An MSR, or count of them; numbered: each named with its number from first on. */
struct msr_name {
	uint32_t first, count;
	const char *name;
	bool numbered;
};

/* Intel's (SDM vol.4 chapter 2), the ones both vendors share (APM vol.2 appendix A), AMD's
 * (APM vol.2 appendix A; the BIOS and Kernel Developer's Guides of families 10h-17h) and the
 * paravirtual ranges of other hypervisors, which kernels probe for. */
static const struct msr_name msr_names[] = {
	{ 0x00000000, 1, "IA32_P5_MC_ADDR", false },
	{ 0x00000001, 1, "IA32_P5_MC_TYPE", false },
	{ 0x00000006, 1, "IA32_MONITOR_FILTER_SIZE", false },
	{ 0x00000010, 1, "IA32_TIME_STAMP_COUNTER", false },
	{ 0x00000017, 1, "IA32_PLATFORM_ID", false },
	{ 0x0000001b, 1, "IA32_APIC_BASE", false },
	{ 0x00000034, 1, "MSR_SMI_COUNT", false },
	{ 0x0000003a, 1, "IA32_FEATURE_CONTROL", false },
	{ 0x0000003b, 1, "IA32_TSC_ADJUST", false },
	{ 0x00000048, 1, "IA32_SPEC_CTRL", false },
	{ 0x00000049, 1, "IA32_PRED_CMD", false },
	{ 0x00000079, 1, "IA32_BIOS_UPDT_TRIG", false },
	{ 0x0000008b, 1, "IA32_BIOS_SIGN_ID", false },
	{ 0x0000009b, 1, "IA32_SMM_MONITOR_CTL", false },
	{ 0x000000c1, 8, "IA32_PMC", true },
	{ 0x000000ce, 1, "MSR_PLATFORM_INFO", false },
	{ 0x000000e2, 1, "MSR_PKG_CST_CONFIG_CONTROL", false },
	{ 0x000000e7, 1, "IA32_MPERF", false },
	{ 0x000000e8, 1, "IA32_APERF", false },
	{ 0x000000fe, 1, "IA32_MTRRCAP", false },
	{ 0x0000010a, 1, "IA32_ARCH_CAPABILITIES", false },
	{ 0x0000010b, 1, "IA32_FLUSH_CMD", false },
	{ 0x00000174, 1, "IA32_SYSENTER_CS", false },
	{ 0x00000175, 1, "IA32_SYSENTER_ESP", false },
	{ 0x00000176, 1, "IA32_SYSENTER_EIP", false },
	{ 0x00000179, 1, "IA32_MCG_CAP", false },
	{ 0x0000017a, 1, "IA32_MCG_STATUS", false },
	{ 0x0000017b, 1, "IA32_MCG_CTL", false },
	{ 0x00000186, 8, "IA32_PERFEVTSEL", true },
	{ 0x00000198, 1, "IA32_PERF_STATUS", false },
	{ 0x00000199, 1, "IA32_PERF_CTL", false },
	{ 0x0000019a, 1, "IA32_CLOCK_MODULATION", false },
	{ 0x0000019b, 1, "IA32_THERM_INTERRUPT", false },
	{ 0x0000019c, 1, "IA32_THERM_STATUS", false },
	{ 0x000001a0, 1, "IA32_MISC_ENABLE", false },
	{ 0x000001a2, 1, "MSR_TEMPERATURE_TARGET", false },
	{ 0x000001b0, 1, "IA32_ENERGY_PERF_BIAS", false },
	{ 0x000001b1, 1, "IA32_PACKAGE_THERM_STATUS", false },
	{ 0x000001b2, 1, "IA32_PACKAGE_THERM_INTERRUPT", false },
	{ 0x000001d9, 1, "IA32_DEBUGCTL", false },
	{ 0x00000250, 1, "IA32_MTRR_FIX64K_00000", false },
	{ 0x00000258, 1, "IA32_MTRR_FIX16K_80000", false },
	{ 0x00000259, 1, "IA32_MTRR_FIX16K_A0000", false },
	{ 0x00000268, 1, "IA32_MTRR_FIX4K_C0000", false },
	{ 0x00000269, 1, "IA32_MTRR_FIX4K_C8000", false },
	{ 0x0000026a, 1, "IA32_MTRR_FIX4K_D0000", false },
	{ 0x0000026b, 1, "IA32_MTRR_FIX4K_D8000", false },
	{ 0x0000026c, 1, "IA32_MTRR_FIX4K_E0000", false },
	{ 0x0000026d, 1, "IA32_MTRR_FIX4K_E8000", false },
	{ 0x0000026e, 1, "IA32_MTRR_FIX4K_F0000", false },
	{ 0x0000026f, 1, "IA32_MTRR_FIX4K_F8000", false },
	{ 0x00000277, 1, "IA32_PAT", false },
	{ 0x000002ff, 1, "IA32_MTRR_DEF_TYPE", false },
	{ 0x00000309, 4, "IA32_FIXED_CTR", true },
	{ 0x00000345, 1, "IA32_PERF_CAPABILITIES", false },
	{ 0x0000038d, 1, "IA32_FIXED_CTR_CTRL", false },
	{ 0x0000038e, 1, "IA32_PERF_GLOBAL_STATUS", false },
	{ 0x0000038f, 1, "IA32_PERF_GLOBAL_CTRL", false },
	{ 0x00000390, 1, "IA32_PERF_GLOBAL_OVF_CTRL", false },
	{ 0x000003f1, 1, "IA32_PEBS_ENABLE", false },
	{ 0x00000480, 0x14, "an IA32_VMX_* capability MSR (VMX)", false },
	{ 0x000004c1, 8, "IA32_A_PMC", true },
	{ 0x000004d0, 1, "IA32_MCG_EXT_CTL", false },
	{ 0x00000600, 1, "IA32_DS_AREA", false },
	{ 0x00000606, 1, "MSR_RAPL_POWER_UNIT", false },
	{ 0x00000610, 1, "MSR_PKG_POWER_LIMIT", false },
	{ 0x00000611, 1, "MSR_PKG_ENERGY_STATUS", false },
	{ 0x000006a0, 1, "IA32_U_CET", false },
	{ 0x000006a2, 1, "IA32_S_CET", false },
	{ 0x000006e0, 1, "IA32_TSC_DEADLINE", false },
	{ 0x00000770, 1, "IA32_PM_ENABLE", false },
	{ 0x00000771, 1, "IA32_HWP_CAPABILITIES", false },
	{ 0x00000774, 1, "IA32_HWP_REQUEST", false },
	{ 0x00000c80, 1, "IA32_DEBUG_INTERFACE", false },
	{ 0x00000d90, 1, "IA32_BNDCFGS", false },
	{ 0x00000da0, 1, "IA32_XSS", false },
	{ 0x40000000, 0x100, "a Hyper-V synthetic MSR", false },
	{ 0x4b564d00, 0x100, "a KVM paravirtual MSR", false },
	{ 0xc0000080, 1, "IA32_EFER", false },
	{ 0xc0000081, 1, "STAR", false },
	{ 0xc0000082, 1, "LSTAR", false },
	{ 0xc0000083, 1, "CSTAR", false },
	{ 0xc0000084, 1, "SFMASK", false },
	{ 0xc0000100, 1, "FS_BASE", false },
	{ 0xc0000101, 1, "GS_BASE", false },
	{ 0xc0000102, 1, "KERNEL_GS_BASE", false },
	{ 0xc0000103, 1, "TSC_AUX", false },
	{ 0xc0000104, 1, "AMD TSC_RATIO", false },
	{ 0xc0010000, 4, "AMD PERF_CTL", true },
	{ 0xc0010004, 4, "AMD PERF_CTR", true },
	{ 0xc0010010, 1, "AMD SYSCFG", false },
	{ 0xc0010015, 1, "AMD HWCR", false },
	{ 0xc0010016, 4, "AMD IORR_BASE/IORR_MASK", false },
	{ 0xc001001a, 1, "AMD TOP_MEM", false },
	{ 0xc001001d, 1, "AMD TOP_MEM2", false },
	{ 0xc001001f, 1, "AMD NB_CFG", false },
	{ 0xc0010058, 1, "AMD MMIO_CFG_BASE_ADDR (PCI Express ECAM)", false },
	{ 0xc0010061, 1, "AMD P-state current limit", false },
	{ 0xc0010062, 1, "AMD P-state control", false },
	{ 0xc0010063, 1, "AMD P-state status", false },
	{ 0xc0010064, 8, "AMD P-state definition ", true },
	{ 0xc0010114, 1, "AMD VM_CR", false },
	{ 0xc0010117, 1, "AMD VM_HSAVE_PA", false },
	{ 0xc0010140, 1, "AMD OSVW_ID_LENGTH", false },
	{ 0xc0010141, 1, "AMD OSVW_STATUS", false },
	{ 0xc0010200, 12, "AMD PERF_CTL/PERF_CTR (core counter extension)", false },
	{ 0xc0011004, 1, "AMD CPUID features override (leaf 1)", false },
	{ 0xc0011005, 1, "AMD CPUID features override (leaf 0x80000001)", false },
	{ 0xc0011020, 1, "AMD LS_CFG", false },
	{ 0xc0011021, 1, "AMD IC_CFG", false },
	{ 0xc0011022, 1, "AMD DC_CFG", false },
	{ 0xc0011029, 1, "AMD DE_CFG", false },
	{ 0xc001102a, 1, "AMD BU_CFG2", false },
};

#define MSR_MC_FIRST 0x400 /* IA32_MCi_CTL, _STATUS, _ADDR, _MISC: four per bank (SDM vol.4 table 2-2) */
#define MSR_MC_LAST 0x47f
#define MSR_MTRR_PHYS_FIRST 0x200 /* IA32_MTRR_PHYSBASEi, PHYSMASKi */
#define MSR_MTRR_PHYS_LAST 0x20f
#define MSR_X2APIC_FIRST 0x800 /* the local APIC's register at offset 16 * (index - 0x800) */
#define MSR_X2APIC_LAST 0x8ff

void pc_name_msr(uint32_t index, char *name, size_t len)
{
	static const char *const mc_register[4] = { "CTL", "STATUS", "ADDR", "MISC" };
	static const char *const mtrr_register[2] = { "PHYSBASE", "PHYSMASK" };
	if (index >= MSR_MC_FIRST && index <= MSR_MC_LAST) {
		ksnprintf(name, len, "IA32_MC%u_%s", (index - MSR_MC_FIRST) / 4, mc_register[index % 4]);
		return;
	}
	if (index >= MSR_MTRR_PHYS_FIRST && index <= MSR_MTRR_PHYS_LAST) {
		ksnprintf(name, len, "IA32_MTRR_%s%u", mtrr_register[index % 2], (index - MSR_MTRR_PHYS_FIRST) / 2);
		return;
	}
	if (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST) {
		const char *r = FIND_REGISTER(lapic_registers, (index - MSR_X2APIC_FIRST) * 16);
		ksnprintf(name, len, "x2APIC %s", r ? r : "range, a reserved index");
		return;
	}
	for (size_t i = 0; i < sizeof(msr_names) / sizeof(msr_names[0]); i++) {
		const struct msr_name *m = &msr_names[i];
		if (index - m->first < m->count) {
			if (m->numbered)
				ksnprintf(name, len, "%s%u", m->name, index - m->first);
			else
				ksnprintf(name, len, "%s", m->name);
			return;
		}
	}
	ksnprintf(name, len, "no well-known name");
}
