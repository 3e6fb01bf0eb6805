/* RDMSR and WRMSR: one table, for both vendors, of the MSRs an operating system touches.
 * Each is either held in the hardware's guest state (the VMCB or VMCS, or switched by
 * Keel: hvm->read_state / write_state) or emulated here per vCPU, and every value a
 * guest writes is checked as a CPU would check it. Any other index, and any refused
 * value, gets #GP(0), as on a CPU without that MSR, and a log line naming the MSR
 * (vmm/guest_log.h). Every access exits (the MSR permission maps are all ones), so no
 * guest access reaches a host MSR. */
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "drivers/tsc.h"
#include "include/kvm_para.h"
#include "lib/panic.h"
#include "vmm/dev/vlapic.h"
#include "vmm/domain.h"
#include "vmm/events.h"
#include "vmm/exit.h"
#include "vmm/guest_log.h"
#include "vmm/kvmclock.h"

#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)
#define MISC_ENABLE_DEFAULT 0x1801 /* fast strings; BTS and PEBS unavailable (SDM vol.4 table 2-2) */
#define MISC_ENABLE_WRITABLE ((1ull << 0) | (1ull << 22)) /* fast strings, limit CPUID maxval */
#define MTRRCAP_VALUE 0x508        /* 8 variable ranges, fixed ranges, write-combining */
#define MTRR_DEF_TYPE_WRITABLE 0xcffull /* type, FE (bit 10), E (bit 11) */
#define MTRR_PHYSMASK_VALID (1ull << 11)
#define BUS_HZ 100000000ull        /* MSR_PLATFORM_INFO's ratios count 100 MHz steps */

struct msr_entry {
	uint32_t first, count; /* indices [first, first + count) */
	const char *name;
	bool amd_only; /* an AMD CPU's: Intel CPUs raise #GP */
	/* Held in the hardware's guest state: state, with check for writes, which keep only
	 * the bits in keep (the others are written as ignored, read as 0). */
	bool hardware;
	enum guest_state state;
	bool (*check)(struct vcpu *v, uint64_t value);
	uint64_t keep;
	/* Emulated: read and write (false: #GP); or read_checked, for a read that may fault. */
	uint64_t (*read)(struct vcpu *v, uint32_t index);
	bool (*write)(struct vcpu *v, uint32_t index, uint64_t value);
	bool (*read_checked)(struct vcpu *v, uint32_t index, uint64_t *value);
};

/* ---- checks a CPU makes on WRMSR (SDM vol.4, APM vol.2 appendix A) ---- */

static unsigned linear_bits(void)
{
	return cpuid(0x80000000, 0).eax >= 0x80000008 ? (cpuid(0x80000008, 0).eax >> 8) & 0xff : 48;
}

/* Addresses in FS/GS base, KERNEL_GS_BASE, LSTAR, CSTAR and SYSENTER_ESP/EIP. */
static bool canonical(struct vcpu *v, uint64_t value)
{
	(void)v;
	unsigned bits = linear_bits();
	int64_t sign_extended = (int64_t)(value << (64 - bits)) >> (64 - bits);
	return (uint64_t)sign_extended == value;
}

static bool low_32_bits(struct vcpu *v, uint64_t value)
{
	(void)v;
	return value >> 32 == 0;
}

static bool any_value(struct vcpu *v, uint64_t value)
{
	(void)v;
	(void)value;
	return true;
}

/* A memory type of the PAT (0, 1, 4, 5, 6, 7) or of an MTRR (the same but 7, UC-). */
static bool memory_type(uint64_t type, bool pat)
{
	return type == 0 || type == 1 || (type >= 4 && type <= 6) || (pat && type == 7);
}

static bool pat_value(struct vcpu *v, uint64_t value)
{
	(void)v;
	for (unsigned i = 0; i < 8; i++)
		if (!memory_type((value >> (8 * i)) & 0xff, true))
			return false;
	return true;
}

/* ---- emulated MSRs ---- */

static uint64_t efer_read(struct vcpu *v, uint32_t index)
{
	(void)index;
	return hvm->read_state(v->vendor, GUEST_EFER);
}

/* The bits a guest may set (SDM vol.3 §2.2.1, APM vol.2 §3.1.7); LMA is the CPU's to set
 * (a write leaves it as it is), and LME may not change while paging is on (SDM vol.3
 * §10.8.5, APM vol.2 §14.6.1). */
static bool efer_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)index;
	uint64_t old = hvm->read_state(v->vendor, GUEST_EFER);
	if (value & ~(EFER_GUEST_WRITABLE | EFER_LMA))
		return false;
	if (((value ^ old) & EFER_LME) && (hvm->read_state(v->vendor, GUEST_CR0) & CR0_PG))
		return false;
	hvm->write_state(v->vendor, GUEST_EFER, (value & ~EFER_LMA) | (old & EFER_LMA));
	return true;
}

/* TSC_AUX exists with RDTSCP or RDPID, as CPUID shows them; its upper half is reserved. */
static uint64_t tsc_aux_read(struct vcpu *v, uint32_t index)
{
	(void)index;
	return hvm->read_state(v->vendor, GUEST_TSC_AUX);
}

static bool tsc_aux_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)index;
	if (value >> 32)
		return false;
	hvm->write_state(v->vendor, GUEST_TSC_AUX, value);
	return true;
}

static uint64_t guest_tsc(struct vcpu *v)
{
	return rdtsc() + hvm->read_state(v->vendor, GUEST_TSC_OFFSET);
}

static uint64_t tsc_read(struct vcpu *v, uint32_t index)
{
	(void)index;
	return guest_tsc(v);
}

/* Writing the TSC moves the offset; TSC_ADJUST follows by the same amount (SDM vol.3
 * §18.17.3). */
static bool tsc_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)index;
	uint64_t now = rdtsc();
	uint64_t old_offset = hvm->read_state(v->vendor, GUEST_TSC_OFFSET);
	v->msrs.tsc_adjust += value - (now + old_offset);
	hvm->write_state(v->vendor, GUEST_TSC_OFFSET, value - now);
	kvmclock_update(v);
	return true;
}

/* KVM's clock and steal-time MSRs (vmm/kvmclock.h): read back as written. */
static uint64_t kvm_clock_read(struct vcpu *v, uint32_t index)
{
	return index == MSR_KVM_SYSTEM_TIME_NEW ? v->msrs.kvm_system_time : v->msrs.kvm_wall_clock;
}

static bool kvm_clock_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	return index == MSR_KVM_SYSTEM_TIME_NEW ? kvmclock_system_time_write(v, value)
						: kvmclock_wall_clock_write(v, value);
}

static uint64_t kvm_steal_read(struct vcpu *v, uint32_t index)
{
	(void)index;
	return v->msrs.kvm_steal_time;
}

static bool kvm_steal_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)index;
	return kvmclock_steal_time_write(v, value);
}

static uint64_t tsc_adjust_read(struct vcpu *v, uint32_t index)
{
	(void)index;
	return v->msrs.tsc_adjust;
}

static bool tsc_adjust_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)index;
	uint64_t offset = hvm->read_state(v->vendor, GUEST_TSC_OFFSET);
	hvm->write_state(v->vendor, GUEST_TSC_OFFSET, offset + (value - v->msrs.tsc_adjust));
	v->msrs.tsc_adjust = value;
	kvmclock_update(v);
	return true;
}

/* The local APIC's MSRs (vmm/dev/vlapic.h): IA32_APIC_BASE, IA32_TSC_DEADLINE and, in
 * x2APIC mode, its registers at 0x800-0x8ff (SDM vol.3 §11.4.4, §11.5.4.1, §11.12). */
static uint64_t apic_base_read(struct vcpu *v, uint32_t index)
{
	(void)index;
	return vlapic_base(v->lapic);
}

static bool apic_base_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)index;
	bool ok = vlapic_set_base(v->lapic, value);
	events_tpr_to_guest(v); /* disabling the APIC resets its TPR */
	return ok;
}

static uint64_t tsc_deadline_read(struct vcpu *v, uint32_t index)
{
	(void)index;
	return vlapic_tsc_deadline(v->lapic);
}

static bool tsc_deadline_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)index;
	vlapic_set_tsc_deadline(v->lapic, value);
	return true;
}

static bool x2apic_read(struct vcpu *v, uint32_t index, uint64_t *value)
{
	return vlapic_msr_read(v->lapic, index, value);
}

static bool x2apic_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	return vlapic_msr_write(v->lapic, index, value);
}

/* The TPR has an entry of its own: of the x2APIC's registers it alone holds the task
 * priority, which a write passes on to the guest's CR8 (events_tpr_to_guest). */
static bool x2apic_tpr_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	bool ok = vlapic_msr_write(v->lapic, index, value);
	events_tpr_to_guest(v);
	return ok;
}

static uint64_t misc_enable_read(struct vcpu *v, uint32_t index)
{
	(void)index;
	return v->msrs.misc_enable;
}

static bool misc_enable_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)index;
	if ((value ^ v->msrs.misc_enable) & ~MISC_ENABLE_WRITABLE)
		return false; /* only the writable bits may change */
	v->msrs.misc_enable = value;
	return true;
}

/* Read-only MSRs with one value. */
static uint64_t zero_read(struct vcpu *v, uint32_t index)
{
	(void)v;
	(void)index;
	return 0;
}

static uint64_t feature_control_read(struct vcpu *v, uint32_t index)
{
	(void)v;
	(void)index;
	return FEATURE_CONTROL_LOCKED; /* locked, VMX off: CPUID offers no VMX either */
}

static uint64_t platform_info_read(struct vcpu *v, uint32_t index)
{
	(void)v;
	(void)index;
	return ((tsc_hz() + BUS_HZ / 2) / BUS_HZ & 0xff) << 8; /* the non-turbo ratio: the TSC's rate */
}

static uint64_t mtrrcap_read(struct vcpu *v, uint32_t index)
{
	(void)v;
	(void)index;
	return MTRRCAP_VALUE;
}

static bool read_only(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)v;
	(void)index;
	(void)value;
	return false;
}

/* Writing 0 before CPUID asks for the microcode revision (SDM vol.3 §10.11.7.1). */
static bool ignore_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	(void)v;
	(void)index;
	(void)value;
	return true;
}

/* The MTRRs (SDM vol.3 §12.11): kept per vCPU, as the guest wrote them. Guest memory is
 * write-back whatever they say, as the nested page tables map it. */
static uint64_t *mtrr_slot(struct vcpu *v, uint32_t index)
{
	if (index == MSR_MTRR_DEF_TYPE)
		return &v->msrs.mtrr_def_type;
	if (index >= MSR_MTRR_PHYSBASE0 && index < MSR_MTRR_PHYSBASE0 + 2 * MTRR_VARIABLE_RANGES)
		return &v->msrs.mtrr_variable[index - MSR_MTRR_PHYSBASE0];
	if (index == MSR_MTRR_FIX64K_00000)
		return &v->msrs.mtrr_fixed[0];
	if (index == MSR_MTRR_FIX16K_80000 || index == MSR_MTRR_FIX16K_A0000)
		return &v->msrs.mtrr_fixed[1 + index - MSR_MTRR_FIX16K_80000];
	return &v->msrs.mtrr_fixed[3 + index - MSR_MTRR_FIX4K_C0000];
}

static uint64_t mtrr_read(struct vcpu *v, uint32_t index)
{
	return *mtrr_slot(v, index);
}

static bool mtrr_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	uint64_t phys_mask = (1ull << cpu.phys_addr_bits) - 1;
	bool ok;
	if (index == MSR_MTRR_DEF_TYPE) {
		ok = !(value & ~MTRR_DEF_TYPE_WRITABLE) && memory_type(value & 0xff, false);
	} else if (index >= MSR_MTRR_PHYSBASE0 && index < MSR_MTRR_PHYSBASE0 + 2 * MTRR_VARIABLE_RANGES) {
		if ((index - MSR_MTRR_PHYSBASE0) % 2 == 0) /* PHYSBASE: type, base */
			ok = !(value & ~(phys_mask & ~0xf00ull)) && memory_type(value & 0xff, false);
		else /* PHYSMASK: valid bit, mask */
			ok = !(value & ~((phys_mask & ~0xfffull) | MTRR_PHYSMASK_VALID));
	} else { /* fixed ranges: eight types */
		ok = true;
		for (unsigned i = 0; i < 8; i++)
			ok = ok && memory_type((value >> (8 * i)) & 0xff, false);
	}
	if (ok)
		*mtrr_slot(v, index) = value;
	return ok;
}

/* AMD's four legacy performance counters and their event selects (APM vol.2 §13.2.1,
 * which every AMD64 CPU has whatever CPUID says): kept as written, counting nothing, as
 * no counter is virtualized; RDPMC reads them as the MSRs do (msr_perf_counter). An event
 * select's reserved bits (63:42, 39:36 and 21, APM vol.2 figure 13-7) are #GP, as on a
 * CPU; a counter keeps 48 bits. */
#define AMD_PERF_CTL0 0xc0010000u
#define AMD_PERF_CTR0 0xc0010004u
#define AMD_PERF_CTL_RESERVED 0xfffffc0f00200000ull
#define AMD_PERF_CTR_BITS 48

static uint64_t amd_perf_read(struct vcpu *v, uint32_t index)
{
	return v->msrs.amd_perf[index - AMD_PERF_CTL0];
}

/* AMD's configuration MSRs a kernel reads at boot, some of them with no #GP expected (Linux
 * reads SYSCFG and, on family 0xF and 0x10, INT_PENDING_MSG unchecked): SYSCFG, HWCR,
 * INT_PENDING_MSG and NB_CFG (APM vol.2 §3.2.1, §3.2.10; the BKDGs for families 0Fh-17h),
 * answered as a CPU with every optional feature off: 0 (no memory encryption, no
 * fixed-MTRR extensions, no C1E pending), but for HWCR bit 24, TscFreqSel, read-only 1 from
 * family 10h on: the TSC counts at the P0 frequency, as the guest's TSC is the machine's. A
 * write of what reads is taken (and 0 to HWCR, its read-only bit left as it is), any other
 * value is #GP: Keel offers none of what they would switch on. NB_CFG also takes bit 46, EnableCf8ExtCfg (PCI extended configuration space
 * through port 0xcf8), without effect: a domain's PC has no PCI bus. */
#define AMD_SYSCFG 0xc0010010u
#define AMD_HWCR 0xc0010015u
#define AMD_HWCR_TSC_FREQ_SEL (1ull << 24)
#define AMD_NB_CFG 0xc001001fu
#define AMD_NB_CFG_CF8_EXT_CFG (1ull << 46)
#define AMD_INT_PENDING_MSG 0xc0010055u

static uint64_t amd_config_read(struct vcpu *v, uint32_t index)
{
	(void)v;
	return index == AMD_HWCR && cpu.family >= 0x10 ? AMD_HWCR_TSC_FREQ_SEL : 0;
}

static bool amd_config_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	uint64_t fixed = amd_config_read(v, index);
	if (index == AMD_NB_CFG)
		value &= ~AMD_NB_CFG_CF8_EXT_CFG;
	return value == fixed || (index == AMD_HWCR && value == 0);
}

bool msr_perf_counter(struct vcpu *v, uint32_t counter, uint64_t *value)
{
	if (cpu.vendor != CPU_VENDOR_AMD || counter >= 4)
		return false;
	*value = amd_perf_read(v, AMD_PERF_CTR0 + counter);
	return true;
}

static bool amd_perf_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	bool ctl = index < AMD_PERF_CTR0;
	if (ctl && (value & AMD_PERF_CTL_RESERVED))
		return false;
	v->msrs.amd_perf[index - AMD_PERF_CTL0] = ctl ? value : value & ((1ull << AMD_PERF_CTR_BITS) - 1);
	return true;
}

#define HARDWARE(idx, n, st, chk) HARDWARE_KEEP(idx, n, st, chk, ~0ull)
#define HARDWARE_KEEP(idx, n, st, chk, kept) \
	{ .first = idx, .count = 1, .name = n, .hardware = true, .state = st, .check = chk, .keep = kept }
#define EMULATED(idx, cnt, n, rd, wr) { .first = idx, .count = cnt, .name = n, .read = rd, .write = wr }
#define X2APIC(idx, cnt, wr) \
	{ .first = idx, .count = cnt, .name = "x2APIC", .read_checked = x2apic_read, .write = wr }

static const struct msr_entry msrs[] = {
	EMULATED(MSR_TSC, 1, "TSC", tsc_read, tsc_write),
	EMULATED(MSR_PLATFORM_ID, 1, "PLATFORM_ID", zero_read, read_only),
	EMULATED(MSR_APIC_BASE, 1, "APIC_BASE", apic_base_read, apic_base_write),
	EMULATED(MSR_FEATURE_CONTROL, 1, "FEATURE_CONTROL", feature_control_read, read_only),
	EMULATED(MSR_TSC_ADJUST, 1, "TSC_ADJUST", tsc_adjust_read, tsc_adjust_write),
	EMULATED(MSR_BIOS_SIGN_ID, 1, "BIOS_SIGN_ID", zero_read, ignore_write),
	EMULATED(MSR_PLATFORM_INFO, 1, "PLATFORM_INFO", platform_info_read, read_only),
	EMULATED(MSR_MTRRCAP, 1, "MTRRCAP", mtrrcap_read, read_only),
	/* bits 63:32 are not used: writes ignored, reads 0 (SDM vol.4 table 2-2) */
	HARDWARE_KEEP(MSR_SYSENTER_CS, "SYSENTER_CS", GUEST_SYSENTER_CS, any_value, 0xffffffffull),
	HARDWARE(MSR_SYSENTER_ESP, "SYSENTER_ESP", GUEST_SYSENTER_ESP, canonical),
	HARDWARE(MSR_SYSENTER_EIP, "SYSENTER_EIP", GUEST_SYSENTER_EIP, canonical),
	EMULATED(MSR_MISC_ENABLE, 1, "MISC_ENABLE", misc_enable_read, misc_enable_write),
	EMULATED(MSR_MTRR_PHYSBASE0, 2 * MTRR_VARIABLE_RANGES, "MTRR_PHYS", mtrr_read, mtrr_write),
	EMULATED(MSR_MTRR_FIX64K_00000, 1, "MTRR_FIX64K", mtrr_read, mtrr_write),
	EMULATED(MSR_MTRR_FIX16K_80000, 2, "MTRR_FIX16K", mtrr_read, mtrr_write),
	EMULATED(MSR_MTRR_FIX4K_C0000, 8, "MTRR_FIX4K", mtrr_read, mtrr_write),
	HARDWARE(MSR_PAT, "PAT", GUEST_PAT, pat_value),
	EMULATED(MSR_MTRR_DEF_TYPE, 1, "MTRR_DEF_TYPE", mtrr_read, mtrr_write),
	EMULATED(MSR_EFER, 1, "EFER", efer_read, efer_write),
	HARDWARE(MSR_STAR, "STAR", GUEST_STAR, any_value),
	HARDWARE(MSR_LSTAR, "LSTAR", GUEST_LSTAR, canonical),
	HARDWARE(MSR_CSTAR, "CSTAR", GUEST_CSTAR, canonical),
	HARDWARE(MSR_SFMASK, "SFMASK", GUEST_SFMASK, low_32_bits),
	HARDWARE(MSR_FS_BASE, "FS_BASE", GUEST_FS_BASE, canonical),
	HARDWARE(MSR_GS_BASE, "GS_BASE", GUEST_GS_BASE, canonical),
	HARDWARE(MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", GUEST_KERNEL_GS_BASE, canonical),
	EMULATED(MSR_TSC_AUX, 1, "TSC_AUX", tsc_aux_read, tsc_aux_write),
	EMULATED(MSR_TSC_DEADLINE, 1, "TSC_DEADLINE", tsc_deadline_read, tsc_deadline_write),
	X2APIC(VLAPIC_MSR_X2APIC_FIRST, VLAPIC_MSR_TPR - VLAPIC_MSR_X2APIC_FIRST, x2apic_write),
	X2APIC(VLAPIC_MSR_TPR, 1, x2apic_tpr_write),
	X2APIC(VLAPIC_MSR_TPR + 1, VLAPIC_MSR_X2APIC_LAST - VLAPIC_MSR_TPR, x2apic_write),
	{ .first = AMD_PERF_CTL0, .count = 8, .name = "PERF_CTL/PERF_CTR", .amd_only = true, .read = amd_perf_read,
	  .write = amd_perf_write },
	{ .first = AMD_SYSCFG, .count = 1, .name = "SYSCFG", .amd_only = true, .read = amd_config_read,
	  .write = amd_config_write },
	{ .first = AMD_HWCR, .count = 1, .name = "HWCR", .amd_only = true, .read = amd_config_read,
	  .write = amd_config_write },
	{ .first = AMD_NB_CFG, .count = 1, .name = "NB_CFG", .amd_only = true, .read = amd_config_read,
	  .write = amd_config_write },
	{ .first = AMD_INT_PENDING_MSG, .count = 1, .name = "INT_PENDING_MSG", .amd_only = true,
	  .read = amd_config_read, .write = amd_config_write },
	EMULATED(MSR_KVM_WALL_CLOCK_NEW, 2, "KVM clock", kvm_clock_read, kvm_clock_write),
	EMULATED(MSR_KVM_STEAL_TIME, 1, "KVM steal time", kvm_steal_read, kvm_steal_write),
};

void msrs_reset(struct vcpu *v)
{
	v->msrs = (struct vcpu_msrs){ .misc_enable = MISC_ENABLE_DEFAULT };
}

#define MSR_ENTRIES (sizeof(msrs) / sizeof(msrs[0]))

/* Each index the table covers leads to its entry (position + 1, 0 for none), so that
 * RDMSR and WRMSR find theirs without a search of the table: the architectural MSRs and the
 * x2APIC's (0-0x8ff) by their index, any other through the page of 256 indices that holds
 * it, found by a comparison of its number with each such page's. msrs_init builds them
 * from the table, so an entry may have any index. */
#define ARCH_INDICES 0x900
#define MSR_PAGES 4
static uint8_t arch_entry[ARCH_INDICES];
static struct msr_page {
	uint32_t number; /* index >> 8 */
	uint8_t entry[256];
} pages[MSR_PAGES];
static unsigned npages;
_Static_assert(MSR_ENTRIES < 256, "an entry number must fit in a byte");

static uint8_t *entry_number(uint32_t index)
{
	if (index < ARCH_INDICES)
		return &arch_entry[index];
	for (unsigned i = 0; i < npages; i++)
		if (pages[i].number == index >> 8)
			return &pages[i].entry[index & 0xff];
	return NULL;
}

static uint8_t *new_entry_number(uint32_t index)
{
	uint8_t *number = entry_number(index);
	if (number || npages == MSR_PAGES)
		return number;
	pages[npages].number = index >> 8;
	return &pages[npages++].entry[index & 0xff];
}

void msrs_init(void)
{
	for (unsigned i = 0; i < MSR_ENTRIES; i++) {
		if ((msrs[i].first == MSR_TSC_AUX && !cpu.tsc_aux) || (msrs[i].amd_only && cpu.vendor != CPU_VENDOR_AMD))
			continue; /* what this CPU does not have */
		for (uint32_t index = msrs[i].first; index < msrs[i].first + msrs[i].count; index++) {
			uint8_t *number = new_entry_number(index);
			if (!number)
				panic("MSR table: %s (0x%x) needs more than %u pages of 256 indices", msrs[i].name, index,
				      MSR_PAGES);
			*number = (uint8_t)(i + 1);
		}
	}
}

/* The entry for index, or NULL. */
static const struct msr_entry *find(uint32_t index)
{
	const uint8_t *number = entry_number(index);
	return number && *number ? &msrs[(size_t)*number - 1] : NULL;
}

/* The guest's RDMSR or WRMSR of the MSR its ECX names (of the value in its EDX:EAX) gets
 * #GP(0) and a log line; known: the table has the MSR. Both are taken from its registers,
 * which a refused access has not changed, and out of line: handle_msr then keeps only the
 * vCPU and the exit across an MSR's handler. */
static __attribute__((noinline)) void refuse(struct vcpu *v, bool write, bool known)
{
	const uint64_t *g = v->regs.gpr;
	uint32_t index = (uint32_t)g[REG_RCX];
	uint64_t value = write ? (g[REG_RDX] << 32) | (uint32_t)g[REG_RAX] : 0;
	guest_log_msr(v, index, write, value, known);
	vcpu_inject_exception(v, X86_GP, true, 0);
}

/* WRMSR of an MSR held in the hardware's guest state: the check, then the bits kept. Out of
 * line for the same reason as refuse. */
static __attribute__((noinline)) bool write_hardware(struct vcpu *v, const struct msr_entry *m, uint64_t value)
{
	if (!m->check(v, value))
		return false;
	hvm->write_state(v->vendor, m->state, value & m->keep);
	return true;
}

/* WRMSR of EDX:EAX; false: #GP. */
static bool write_msr(struct vcpu *v, const struct msr_entry *m, uint32_t index)
{
	const uint64_t *g = v->regs.gpr;
	uint64_t value = (g[REG_RDX] << 32) | (uint32_t)g[REG_RAX];
	return m->hardware ? write_hardware(v, m, value) : m->write(v, index, value);
}

/* RDMSR into EDX:EAX, their upper halves cleared; false: #GP. */
static bool read_msr(struct vcpu *v, const struct msr_entry *m, uint32_t index)
{
	uint64_t value;
	if (m->read_checked) {
		if (!m->read_checked(v, index, &value))
			return false;
	} else {
		value = m->hardware ? hvm->read_state(v->vendor, m->state) : m->read(v, index);
	}
	v->regs.gpr[REG_RAX] = (uint32_t)value;
	v->regs.gpr[REG_RDX] = value >> 32;
	return true;
}

void handle_msr(struct vcpu *v, const struct vm_exit *exit)
{
	uint32_t index = (uint32_t)v->regs.gpr[REG_RCX];
	const struct msr_entry *m = find(index);
	if (!m) {
		refuse(v, exit->msr.write, false);
		return;
	}
	if (!(exit->msr.write ? write_msr(v, m, index) : read_msr(v, m, index))) {
		refuse(v, exit->msr.write, true);
		return;
	}
	v->regs.rip += exit->instr_len;
}
