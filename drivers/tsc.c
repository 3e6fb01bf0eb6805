/* The TSC's frequency: what CPUID leaf 0x15 (or 0x16) says where the CPU gives it, checked
 * against a count of the PIT's channel 2 (8254 data sheet: mode 0 counts down once and
 * raises OUT2, which port 0x61 bit 5 shows; bit 0 gates the channel); the count alone where
 * CPUID says nothing, or where the two disagree by more than 1% (an emulator's CPUID may
 * describe a CPU whose clock it does not keep). Where the PIT does not count (chipsets can
 * turn it off), the ACPI PM timer the FADT names is the clock counted against. The PIT runs on the same virtual clock as
 * the TSC in both emulators. A CPU whose TSC does not tick at a constant rate would need
 * another clock; Keel assumes an invariant TSC. Conversions between ticks and nanoseconds
 * are lib/timescale.h's: no division on the hot path, no overflow for any value. */
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "drivers/acpi.h"
#include "drivers/pit.h"
#include "drivers/tsc.h"
#include "lib/log.h"

#define PIT_GATE_PORT 0x61
#define GATE2 0x01        /* port 0x61 bit 0: channel 2 counts */
#define SPEAKER 0x02      /* bit 1: the speaker follows OUT2 (kept off) */
#define OUT2 0x20         /* bit 5: channel 2's output */
#define CH2_MODE0_LOHI 0xb0 /* channel 2, low then high byte, mode 0, binary */
#define CALIBRATION_MS 10
#define FALLBACK_HZ 1000000000ull
#define GIVE_UP_TICKS 1000000000ull /* 10 ms take 10^8 ticks even at 10 GHz */

struct timescale tsc_scale;
static uint64_t hz;

static uint64_t measure_against_pit(void)
{
	uint16_t count = PIT_HZ * CALIBRATION_MS / 1000;
	uint8_t gate = inb(PIT_GATE_PORT);
	outb(PIT_GATE_PORT, gate & ~(SPEAKER | GATE2));
	outb(PIT_COMMAND, CH2_MODE0_LOHI);
	outb(PIT_CHANNEL2, count & 0xff);
	outb(PIT_CHANNEL2, count >> 8);
	outb(PIT_GATE_PORT, (gate & ~SPEAKER) | GATE2); /* counting starts */
	uint64_t t0 = rdtsc(), elapsed = 0;
	while (!(inb(PIT_GATE_PORT) & OUT2)) {
		elapsed = rdtsc() - t0;
		if (elapsed > GIVE_UP_TICKS) /* no PIT */
			break;
	}
	outb(PIT_GATE_PORT, gate);
	return elapsed > GIVE_UP_TICKS ? 0 : elapsed * PIT_HZ / count;
}

/* The PM timer counts up at ACPI_PM_TIMER_HZ, wrapping at 24 or 32 bits (ACPI 6.x §4.8.3.3). */
static uint64_t measure_against_pm_timer(const struct acpi_pm_timer *t)
{
	uint32_t mask = t->bits == 32 ? 0xffffffffu : 0xffffffu;
	uint32_t want = ACPI_PM_TIMER_HZ / 1000 * CALIBRATION_MS, counted = 0;
	uint32_t start = inl(t->port) & mask;
	uint64_t t0 = rdtsc(), elapsed = 0;
	while (counted < want) {
		counted = ((inl(t->port) & mask) - start) & mask;
		elapsed = rdtsc() - t0;
		if (elapsed > GIVE_UP_TICKS)
			return 0;
	}
	return elapsed * ACPI_PM_TIMER_HZ / counted;
}

/* SDM vol.2A, CPUID leaf 15H: TSC = crystal * EBX / EAX, the crystal's Hz in ECX; where ECX
 * is 0, leaf 16H's base frequency (EAX, in MHz) is the TSC's. 0: CPUID does not say. */
static uint64_t from_cpuid(const char **leaf)
{
	uint32_t max = cpuid(0, 0).eax;
	if (max < 0x15)
		return 0;
	struct cpuid_regs r = cpuid(0x15, 0);
	if (r.eax && r.ebx && r.ecx) {
		*leaf = "0x15";
		return (uint64_t)r.ecx * r.ebx / r.eax;
	}
	if (r.eax && r.ebx && max >= 0x16 && (cpuid(0x16, 0).eax & 0xffff)) {
		*leaf = "0x16";
		return (uint64_t)(cpuid(0x16, 0).eax & 0xffff) * 1000000;
	}
	return 0;
}

#define MHZ(f) (unsigned long long)((f) / 1000000), (unsigned long long)((f) / 1000 % 1000)

void tsc_init(uint64_t rsdp)
{
	uint64_t start = rdtsc();
	const char *leaf = "", *against = "the PIT";
	uint64_t stated = from_cpuid(&leaf), measured = measure_against_pit();
	struct acpi_pm_timer pm;
	char why[ACPI_ERROR_MAX];
	if (!measured && !acpi_find_pm_timer(rsdp, paging_map_firmware, NULL, &pm, why, sizeof(why))) {
		measured = measure_against_pm_timer(&pm);
		against = "the ACPI PM timer (the PIT did not count)";
	}
	uint64_t diff = stated > measured ? stated - measured : measured - stated;
	if (stated && measured && diff * 100 > measured) {
		log_info("tsc: %llu.%03llu MHz, measured against %s (CPUID leaf %s says %llu.%03llu MHz)",
			 MHZ(measured), against, leaf, MHZ(stated));
		hz = measured;
	} else if (stated) {
		log_info("tsc: %llu.%03llu MHz, from CPUID leaf %s%s%s", MHZ(stated), leaf,
			 measured ? "; it agrees with " : "", measured ? against : "");
		hz = stated;
	} else if (measured) {
		log_info("tsc: %llu.%03llu MHz, measured against %s", MHZ(measured), against);
		hz = measured;
	} else {
		hz = FALLBACK_HZ;
		log_warn("tsc: neither the PIT nor an ACPI PM timer counted, and CPUID does not say; assuming 1 GHz, "
			 "so Keel's clock may be wrong");
	}
	timescale_init(&tsc_scale, start, hz);
}

uint64_t tsc_hz(void)
{
	return hz;
}
