#include <stdbool.h>
#include "arch/x86/cpu.h"
#include "arch/x86/interrupts.h"
#include "arch/x86/paging.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
#include "lib/errno.h"
#include "lib/log.h"

/* Register offsets in the xAPIC page (SDM vol.3 table 11-1); in x2APIC mode each is the
 * MSR 0x800 + offset / 16 (§11.12.1.2). */
#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ESR 0x280
#define APIC_LVT_CMCI 0x2f0
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF 0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0

#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_ADDRESS 0xffffff000ull
#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_TSC_DEADLINE (2u << 17)
#define DIVIDE_BY_1 0xb
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CALIBRATION_TSC_DIVISOR 100 /* count the APIC timer for 10 ms of TSC */

static volatile uint32_t *mmio; /* NULL in x2APIC mode */
static bool deadline_mode;
static uint64_t apic_ticks_per_tsc_32; /* one-shot mode: APIC ticks = (TSC ticks * this) >> 32 */

static uint32_t apic_read(uint32_t reg)
{
	return mmio ? mmio[reg / 4] : (uint32_t)rdmsr(MSR_X2APIC_FIRST + reg / 16);
}

static void apic_write(uint32_t reg, uint32_t value)
{
	if (mmio)
		mmio[reg / 4] = value;
	else
		wrmsr(MSR_X2APIC_FIRST + reg / 16, value);
}

void lapic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* The firmware's timer may still be counting: it stops with the LVT masked and a count of 0.
 * LINT1 is where a PC wires its NMI (SDM vol.3 §11.5.1): it delivers NMIs, so the platform's
 * reach Keel's handler. */
static void take_over_lvts(void)
{
	unsigned max_lvt = (apic_read(APIC_VERSION) >> 16) & 0xff; /* entries - 1 */
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	apic_write(APIC_TIMER_INITIAL, 0);
	apic_write(APIC_LVT_LINT0, LVT_MASKED);
	apic_write(APIC_LVT_LINT1, LVT_DELIVERY_NMI);
	apic_write(APIC_LVT_ERROR, LVT_MASKED);
	if (max_lvt >= 4)
		apic_write(APIC_LVT_PERF, LVT_MASKED);
	if (max_lvt >= 5)
		apic_write(APIC_LVT_THERMAL, LVT_MASKED);
	if (max_lvt >= 6)
		apic_write(APIC_LVT_CMCI, LVT_MASKED);
}

/* APIC timer ticks per TSC tick, counted with the timer masked (it needs no interrupt). */
static void calibrate(void)
{
	apic_write(APIC_TIMER_DIVIDE, DIVIDE_BY_1);
	apic_write(APIC_TIMER_INITIAL, 0xffffffff);
	uint64_t t0 = rdtsc(), span = tsc_hz() / CALIBRATION_TSC_DIVISOR;
	while (rdtsc() - t0 < span)
		cpu_relax();
	uint32_t counted = 0xffffffff - apic_read(APIC_TIMER_CURRENT);
	uint64_t elapsed = rdtsc() - t0;
	apic_write(APIC_TIMER_INITIAL, 0);
	apic_ticks_per_tsc_32 = ((uint64_t)counted << 32) / elapsed;
}

uint32_t lapic_id(void)
{
	return mmio ? apic_read(APIC_ID) >> 24 : apic_read(APIC_ID);
}

int lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint32_t features = cpuid(1, 0).ecx;
	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		wrmsr(MSR_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_X2APIC) && !(mmio = paging_map_uncached(base & APIC_BASE_ADDRESS))) {
		log_error("lapic: its registers at 0x%llx are not where Keel can map them",
			  (unsigned long long)(base & APIC_BASE_ADDRESS));
		return -ENODEV;
	}
	take_over_lvts();
	apic_write(APIC_TPR, 0);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	deadline_mode = features & CPUID1_ECX_TSC_DEADLINE;
	if (deadline_mode) {
		apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
		/* The LVT write reaches the APIC before any deadline MSR write (SDM vol.3 §11.5.4.1). */
		__asm__ volatile("mfence" ::: "memory");
		log_info("lapic: %s, id %u; timer in TSC-deadline mode, vector 0x%x", mmio ? "xAPIC" : "x2APIC",
			 lapic_id(), VEC_TIMER);
	} else {
		calibrate();
		apic_write(APIC_LVT_TIMER, VEC_TIMER); /* one-shot */
		uint64_t apic_hz = (tsc_hz() * apic_ticks_per_tsc_32) >> 32;
		log_info("lapic: %s, id %u; timer one-shot at %llu.%03llu MHz, vector 0x%x", mmio ? "xAPIC" : "x2APIC",
			 lapic_id(), (unsigned long long)(apic_hz / 1000000),
			 (unsigned long long)(apic_hz / 1000 % 1000), VEC_TIMER);
	}
	return 0;
}

void lapic_timer_at(uint64_t tsc)
{
	if (deadline_mode) {
		wrmsr(MSR_TSC_DEADLINE, tsc);
		return;
	}
	if (!tsc) {
		apic_write(APIC_TIMER_INITIAL, 0);
		return;
	}
	uint64_t now = rdtsc();
	unsigned __int128 ticks = (unsigned __int128)(tsc > now ? tsc - now : 0) * apic_ticks_per_tsc_32 >> 32;
	apic_write(APIC_TIMER_INITIAL, ticks == 0 ? 1 : ticks > 0xffffffff ? 0xffffffff : (uint32_t)ticks);
}
