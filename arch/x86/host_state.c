#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "arch/x86/host_state.h"
#include "arch/x86/lazy_msrs.h"
#include "arch/x86/owned_state.h"
#include "lib/printf.h"

static const struct {
	uint32_t index;
	const char *name;
} watched[] = {
	{ MSR_EFER, "EFER" },
	{ MSR_APIC_BASE, "APIC_BASE" },
	{ MSR_PAT, "PAT" },
	{ MSR_STAR, "STAR" },
	{ MSR_LSTAR, "LSTAR" },
	{ MSR_CSTAR, "CSTAR" },
	{ MSR_SFMASK, "SFMASK" },
	{ MSR_FS_BASE, "FS_BASE" },
	{ MSR_GS_BASE, "GS_BASE" },
	{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE" },
	{ MSR_SYSENTER_CS, "SYSENTER_CS" },
	{ MSR_SYSENTER_ESP, "SYSENTER_ESP" },
	{ MSR_SYSENTER_EIP, "SYSENTER_EIP" },
	{ MSR_TSC_AUX, "TSC_AUX" },
	{ MSR_FEATURE_CONTROL, "FEATURE_CONTROL" },
	{ MSR_VM_HSAVE_PA, "VM_HSAVE_PA" },
};

#define WATCHED (sizeof(watched) / sizeof(watched[0]))

static uint64_t recorded[WATCHED];
static uint64_t recorded_cr[3]; /* CR0, CR3, CR4 */

/* Not every CPU has every one: TSC_AUX needs RDTSCP, the last two are one vendor's each. */
static bool present(uint32_t index)
{
	if (index == MSR_TSC_AUX)
		return cpu.tsc_aux;
	if (index == MSR_FEATURE_CONTROL)
		return cpu.vendor == CPU_VENDOR_INTEL;
	if (index == MSR_VM_HSAVE_PA)
		return cpu.vendor == CPU_VENDOR_AMD;
	return true;
}

static void read_crs(uint64_t cr[3])
{
	cr[0] = read_cr0();
	cr[1] = read_cr3();
	cr[2] = read_cr4();
}

void host_state_record(void)
{
	read_crs(recorded_cr);
	for (unsigned i = 0; i < WATCHED; i++)
		if (present(watched[i].index))
			recorded[i] = rdmsr(watched[i].index);
}

unsigned host_state_check(char *changed, size_t len)
{
	unsigned n = 0;
	size_t at = 0;
	lazy_msrs_restore_host();
	owned_state_restore_host();
	changed[0] = '\0';
	if (cpu.xsave && xgetbv(0) != owned_state_host_xcr0()) {
		at += (size_t)ksnprintf(changed, len, "XCR0");
		n++;
	}
	static const char *const cr_names[3] = { "CR0", "CR3", "CR4" };
	uint64_t cr[3];
	read_crs(cr);
	for (unsigned i = 0; i < 3; i++) {
		if (cr[i] == recorded_cr[i])
			continue;
		if (at < len)
			at += (size_t)ksnprintf(changed + at, len - at, "%s%s", n ? ", " : "", cr_names[i]);
		n++;
	}
	for (unsigned i = 0; i < WATCHED; i++) {
		if (!present(watched[i].index) || rdmsr(watched[i].index) == recorded[i])
			continue;
		if (at < len)
			at += (size_t)ksnprintf(changed + at, len - at, "%s%s", n ? ", " : "", watched[i].name);
		n++;
	}
	return n;
}
