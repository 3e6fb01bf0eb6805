/* The TSC's frequency: what CPUID leaf 0x15 (or 0x16) says where the CPU gives it, checked
 * against a count of the PIT's channel 2 (8254 data sheet: mode 0 counts down once and
 * raises OUT2, which port 0x61 bit 5 shows; bit 0 gates the channel); the count alone where
 * CPUID says nothing, or where the two disagree by more than 1% (an emulator's CPUID may
 * describe a CPU whose clock it does not keep). The PIT runs on the same virtual clock as
 * the TSC in both emulators. A CPU whose TSC does not tick at a constant rate would need
 * another clock; Keel assumes an invariant TSC. Conversions to nanoseconds use a 32.32
 * fixed-point factor, so the hot path has no division. */
#include "arch/x86/cpu.h"
#include "drivers/tsc.h"
#include "lib/log.h"

#define PIT_HZ 1193182
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PIT_GATE_PORT 0x61
#define GATE2 0x01        /* port 0x61 bit 0: channel 2 counts */
#define SPEAKER 0x02      /* bit 1: the speaker follows OUT2 (kept off) */
#define OUT2 0x20         /* bit 5: channel 2's output */
#define CH2_MODE0_LOHI 0xb0 /* channel 2, low then high byte, mode 0, binary */
#define CALIBRATION_MS 10
#define FALLBACK_HZ 1000000000ull
#define GIVE_UP_TICKS 100000000000ull

static uint64_t start_tsc, hz, ns_per_tick_32; /* ns = (ticks * ns_per_tick_32) >> 32 */
static uint64_t ticks_per_ns_32;                /* ticks = (ns * ticks_per_ns_32) >> 32 */

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
		if (elapsed > GIVE_UP_TICKS) /* no PIT: over ten seconds on any CPU Keel runs on */
			break;
	}
	outb(PIT_GATE_PORT, gate);
	return elapsed > GIVE_UP_TICKS ? 0 : elapsed * PIT_HZ / count;
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

void tsc_init(void)
{
	start_tsc = rdtsc();
	const char *leaf = "";
	uint64_t stated = from_cpuid(&leaf), measured = measure_against_pit();
	uint64_t diff = stated > measured ? stated - measured : measured - stated;
	if (stated && measured && diff * 100 > measured) {
		log_info("tsc: %llu.%03llu MHz, measured against the PIT (CPUID leaf %s says %llu.%03llu MHz)",
			 MHZ(measured), leaf, MHZ(stated));
		hz = measured;
	} else if (stated) {
		log_info("tsc: %llu.%03llu MHz, from CPUID leaf %s%s", MHZ(stated), leaf,
			 measured ? "; the PIT agrees" : "");
		hz = stated;
	} else if (measured) {
		log_info("tsc: %llu.%03llu MHz, measured against the PIT", MHZ(measured));
		hz = measured;
	} else {
		hz = FALLBACK_HZ;
		log_warn("tsc: the PIT did not count and CPUID does not say; assuming 1 GHz, so Keel's clock may be wrong");
	}
	ns_per_tick_32 = (1000000000ull << 32) / hz;
	ticks_per_ns_32 = (hz / 1000000000ull) << 32 | ((hz % 1000000000ull) << 32) / 1000000000ull;
}

uint64_t tsc_at_ns(uint64_t ns)
{
	return start_tsc + (uint64_t)(((unsigned __int128)ns * ticks_per_ns_32) >> 32);
}

uint64_t tsc_hz(void)
{
	return hz;
}

uint64_t tsc_now_ns(void)
{
	unsigned __int128 ticks = rdtsc() - start_tsc;
	return (uint64_t)((ticks * ns_per_tick_32) >> 32);
}
