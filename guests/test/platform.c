/* platform: the devices of a domain's virtual PC around the local APIC, by their
 * architectural behaviour:
 *   - the PIT's channel 0 in mode 2 (rate generator) through the I/O APIC (ISA IRQ 0 at
 *     pin 2): the control word's edge, then one interrupt per period, each at or after
 *     its period; then through the 8259 pair (IRQ 0, vectors from ICW2), and none while
 *     the PIC masks IRQ 0;
 *   - channel 2 polled through port 0x61 as kernels calibrate with it: gate on, mode 0,
 *     OUT2 (bit 5) low until the count has run out, then high;
 *   - the ACPI PM timer counting at 3.579545 MHz against Keel's clock;
 *   - COM1's THRE interrupt through the I/O APIC (pin 4), only while MCR's OUT2 is set,
 *     IIR naming it (its low four bits) in the handler;
 *   - the CMOS RTC: registers A and B as at power-on, the time read between updates
 *     (printed: "platform: RTC reads YYYY-MM-DD HH:MM:SS"), two update-ended interrupts
 *     through the I/O APIC (pin 8) a second apart by the seconds register, and its
 *     periodic interrupt, register C naming each;
 *   - the ACPI tables in the BIOS area, as an OS finds them: the RSDP by its signature on a
 *     16-byte boundary in 0xe0000-0xfffff, its checksums, the XSDT listing the FADT and
 *     the MADT, the MADT's local APIC address.
 * Prints "platform: <n> checks passed" (or each failure); the exit status is the number of
 * failed checks. With cmdline "end=cf9", "end=kbd", "end=s5" or "end=pvpanic" it does only
 * that: a reset through port 0xcf9, a reset through the keyboard controller (0xfe to port
 * 0x64), ACPI S5 through the PM1a control block, or "panicked" written to the pvpanic
 * device (port 0x505, which must read the two events it takes, 0x03), each of which must
 * end the domain. */
#include "guests/lib/guest.h"
#include "lib/string.h"

#define PIC_MASTER 0x20
#define PIC_SLAVE 0xa0
#define PIC_EOI 0x20
#define PIT_CHANNEL0 0x40
#define PIT_CHANNEL2 0x42
#define PIT_CONTROL 0x43
#define PIT_HZ 1193182
#define PORT_61 0x61
#define PORT_61_GATE2 0x01
#define PORT_61_SPEAKER 0x02
#define PORT_61_OUT2 0x20
#define PM1A_CONTROL 0x604
#define PM_TIMER 0x608
#define PM_TIMER_HZ 3579545
#define SLP_TYP_S5 (5u << 10)
#define SLP_EN (1u << 13)
#define RESET_CONTROL 0xcf9
#define KBD_COMMAND 0x64
#define PVPANIC 0x505 /* QEMU's pvpanic device, as the DSDT gives it */
#define PVPANIC_PANICKED 0x01
#define PVPANIC_CRASH_LOADED 0x02
#define UART_IIR 2
#define UART_MCR_OUT2 0x08
#define UART_IER_THRE 0x02
#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define RTC_A 0x0a
#define RTC_B 0x0b
#define RTC_C 0x0c
#define RTC_A_UIP 0x80
#define RTC_B_PIE 0x40
#define RTC_B_UIE 0x10
#define RTC_B_24_HOUR 0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_UF 0x10
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

#define VECTOR_PIT_IOAPIC 0x30
#define VECTOR_COM1 0x34
#define VECTOR_RTC 0x38
#define VECTOR_PIC_BASE 0x20 /* IRQ 0-7; the slave's from 0x28 */
#define PIT_COUNT 11932      /* 10.0 ms */
#define PIT_PERIOD_NS ((uint64_t)(PIT_COUNT * NS_PER_S / PIT_HZ))
#define WAIT_NS (2000 * NS_PER_MS)

static struct checks c = { .prog = "platform" };

static volatile unsigned taken;
static volatile uint8_t order[16];
static volatile uint64_t when[16];
static volatile uint8_t iir_seen;
static volatile uint8_t rtc_c_seen[16], rtc_sec_seen[16];
static unsigned rtc_periodic_stop; /* the handler turns PIE off after this many (0: never) */

static void record(struct guest_trap_frame *f)
{
	unsigned i = taken;
	if (i < 16) {
		order[i] = (uint8_t)f->vector;
		when[i] = guest_now_ns();
	}
	taken = i + 1;
}

static void on_lapic_interrupt(struct guest_trap_frame *f)
{
	record(f);
	*(volatile uint32_t *)(uintptr_t)LAPIC_EOI_REGISTER = 0;
}

static void on_pic_interrupt(struct guest_trap_frame *f)
{
	record(f);
	outb(PIC_MASTER, PIC_EOI);
}

static void on_com1(struct guest_trap_frame *f)
{
	iir_seen = inb(UART_BASE + UART_IIR); /* ends the THRE interrupt */
	on_lapic_interrupt(f);
}

static uint8_t rtc_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static void rtc_write(uint8_t reg, uint8_t value)
{
	outb(RTC_INDEX, reg);
	outb(RTC_DATA, value);
}

/* Register C says why (reading it ends the interrupt); the seconds as the handler saw them. */
static void on_rtc(struct guest_trap_frame *f)
{
	unsigned i = taken;
	if (i + 1 == rtc_periodic_stop) /* before C's read lets the next one in */
		rtc_write(RTC_B, RTC_B_24_HOUR);
	if (i < 16) {
		rtc_c_seen[i] = rtc_read(RTC_C);
		rtc_sec_seen[i] = rtc_read(0);
	}
	on_lapic_interrupt(f);
}

/* ICW1-ICW4 for the master and the slave (cascade on IR2, 8086 mode), then every IRQ masked. */
static void pic_init(void)
{
	outb(PIC_MASTER, 0x11);
	outb(PIC_MASTER + 1, VECTOR_PIC_BASE);
	outb(PIC_MASTER + 1, 1u << 2);
	outb(PIC_MASTER + 1, 0x01);
	outb(PIC_SLAVE, 0x11);
	outb(PIC_SLAVE + 1, VECTOR_PIC_BASE + 8);
	outb(PIC_SLAVE + 1, 2);
	outb(PIC_SLAVE + 1, 0x01);
	outb(PIC_MASTER + 1, 0xff);
	outb(PIC_SLAVE + 1, 0xff);
}

/* Channel 0, LSB then MSB, mode 2, binary; control word 0x30 stops it (mode 0, no count). */
static void pit_start(void)
{
	outb(PIT_CONTROL, 0x34);
	outb(PIT_CHANNEL0, PIT_COUNT & 0xff);
	outb(PIT_CHANNEL0, PIT_COUNT >> 8);
}

static void pit_stop(void)
{
	outb(PIT_CONTROL, 0x30);
}

/* The control word of mode 2 takes OUT0 high at once: an edge, as on the chip (8254
 * datasheet, "Mode 2"); then one rising edge each period from the count's load. Of the n
 * interrupts after that first one, those that came before their period was over. */
static unsigned early_since(uint64_t start, unsigned n)
{
	unsigned early = 0;
	for (unsigned i = 1; i <= n; i++)
		early += when[i] < start + i * PIT_PERIOD_NS;
	return early;
}

static void check_pit(void)
{
	taken = 0;
	guest_ioapic_route(2, VECTOR_PIT_IOAPIC, false);
	uint64_t start = guest_now_ns();
	pit_start();
	guest_wait_interrupts(&taken, 6, WAIT_NS);
	pit_stop();
	guest_ioapic_route(2, VECTOR_PIT_IOAPIC, true);
	check(&c, taken == 6 && order[0] == VECTOR_PIT_IOAPIC && order[5] == VECTOR_PIT_IOAPIC,
	      "PIT through the I/O APIC: %u taken, vector 0x%x", taken, order[0]);
	check(&c, early_since(start, 5) == 0, "PIT through the I/O APIC: %u of 5 before their period",
	      early_since(start, 5));

	taken = 0;
	outb(PIC_MASTER + 1, 0xfe); /* IRQ 0 only */
	start = guest_now_ns();
	pit_start();
	guest_wait_interrupts(&taken, 4, WAIT_NS);
	outb(PIC_MASTER + 1, 0xff);
	unsigned by_pic = taken;
	check(&c, by_pic == 4 && order[0] == VECTOR_PIC_BASE && order[3] == VECTOR_PIC_BASE && early_since(start, 3) == 0,
	      "PIT through the PIC: %u taken, vector 0x%x, %u early", by_pic, order[0], early_since(start, 3));
	taken = 0;
	guest_wait_interrupts(&taken, 1, 5 * PIT_PERIOD_NS);
	pit_stop();
	check(&c, taken == 0, "PIT with IRQ 0 masked in the PIC: %u taken in 5 periods", taken);
}

/* Channel 2 as a kernel's calibration loop uses it: polled, no interrupt. */
static void check_pit_channel2(void)
{
	outb(PORT_61, (inb(PORT_61) & ~PORT_61_SPEAKER) | PORT_61_GATE2);
	outb(PIT_CONTROL, 0xb0); /* channel 2, LSB then MSB, mode 0 */
	uint64_t start = guest_now_ns();
	outb(PIT_CHANNEL2, PIT_COUNT & 0xff);
	outb(PIT_CHANNEL2, PIT_COUNT >> 8);
	bool low_at_start = !(inb(PORT_61) & PORT_61_OUT2);
	unsigned polls = 0;
	uint64_t end = start;
	while (!(inb(PORT_61) & PORT_61_OUT2) && (end = guest_now_ns()) < start + WAIT_NS)
		polls++;
	end = guest_now_ns();
	outb(PORT_61, inb(PORT_61) & ~PORT_61_GATE2);
	check(&c, low_at_start && polls > 0 && end - start >= PIT_PERIOD_NS && end - start < WAIT_NS,
	      "PIT channel 2: OUT2 low at the start %u, high after %lu ns (%u polls), count of %lu ns", low_at_start,
	      end - start, polls, PIT_PERIOD_NS);
}

/* Each guest_now_ns() brackets a PM timer read: the ticks between the two reads lie
 * between what the inner and the outer brackets allow, give or take one tick. */
static void check_pm_timer(void)
{
	uint64_t a0 = guest_now_ns();
	uint32_t p0 = inl(PM_TIMER);
	uint64_t a1 = guest_now_ns();
	hc_block(guest_now_ns() + 20 * NS_PER_MS);
	uint64_t b0 = guest_now_ns();
	uint32_t p1 = inl(PM_TIMER);
	uint64_t b1 = guest_now_ns();
	uint64_t ticks = (uint32_t)(p1 - p0);
	uint64_t least = (b0 - a1) * PM_TIMER_HZ / NS_PER_S, most = (b1 - a0) * PM_TIMER_HZ / NS_PER_S + 1;
	check(&c, ticks + 1 >= least && ticks <= most, "PM timer: %lu ticks in %lu-%lu ns (%lu-%lu expected)", ticks,
	      b0 - a1, b1 - a0, least, most);
}

static void check_com1(void)
{
	taken = 0;
	iir_seen = 0;
	guest_ioapic_route(4, VECTOR_COM1, false);
	outb(UART_BASE + UART_MCR, UART_MCR_DTR_RTS);
	outb(UART_BASE + UART_IER, UART_IER_THRE);
	__asm__ volatile("sti; nop; nop; cli");
	unsigned without_out2 = taken;
	outb(UART_BASE + UART_MCR, UART_MCR_DTR_RTS | UART_MCR_OUT2);
	__asm__ volatile("sti; nop; nop; cli");
	outb(UART_BASE + UART_IER, 0);
	outb(UART_BASE + UART_MCR, UART_MCR_DTR_RTS);
	guest_ioapic_route(4, VECTOR_COM1, true);
	check(&c, without_out2 == 0 && taken == 1 && order[0] == VECTOR_COM1 && (iir_seen & 0x0f) == 0x02,
	      "COM1's THRE interrupt: %u taken without OUT2, %u with, IIR 0x%x in the handler", without_out2, taken,
	      iir_seen);
}

static unsigned bcd(uint8_t b)
{
	return (b >> 4) * 10 + (b & 0xf);
}

static void check_rtc(void)
{
	check(&c, (rtc_read(RTC_A) & ~RTC_A_UIP) == 0x26 && rtc_read(RTC_B) == RTC_B_24_HOUR,
	      "RTC: register A 0x%x, B 0x%x at power-on", rtc_read(RTC_A), rtc_read(RTC_B));
	/* As a kernel reads it: after UIP reads clear, the registers hold still for 244 us. */
	uint64_t give_up = guest_now_ns() + WAIT_NS;
	while ((rtc_read(RTC_A) & RTC_A_UIP) && guest_now_ns() < give_up)
		;
	uint8_t sec = rtc_read(0), min = rtc_read(2), hour = rtc_read(4);
	uint8_t mday = rtc_read(7), mon = rtc_read(8), year = rtc_read(9), century = rtc_read(0x32);
	guest_printf("platform: RTC reads %02u%02u-%02u-%02u %02u:%02u:%02u\n", bcd(century), bcd(year), bcd(mon),
		     bcd(mday), bcd(hour), bcd(min), bcd(sec));

	taken = 0;
	rtc_read(RTC_C);
	guest_ioapic_route(8, VECTOR_RTC, false);
	rtc_write(RTC_B, RTC_B_24_HOUR | RTC_B_UIE);
	guest_wait_interrupts(&taken, 2, 3 * NS_PER_S);
	rtc_write(RTC_B, RTC_B_24_HOUR);
	unsigned updates = taken;
	/* PF is set at register A's rate whether or not PIE lets it interrupt (MC146818A
	 * data sheet, "Register C"): only IRQF and UF are pinned here. */
	uint8_t want = RTC_C_IRQF | RTC_C_UF;
	check(&c, updates == 2 && (rtc_c_seen[0] & want) == want && (rtc_c_seen[1] & want) == want &&
			  (bcd(rtc_sec_seen[0]) + 1) % 60 == bcd(rtc_sec_seen[1]),
	      "RTC update interrupts: %u taken, register C 0x%x 0x%x, seconds %x then %x", updates, rtc_c_seen[0],
	      rtc_c_seen[1], rtc_sec_seen[0], rtc_sec_seen[1]);

	taken = 0;
	rtc_read(RTC_C);
	rtc_periodic_stop = 5;
	rtc_write(RTC_B, RTC_B_24_HOUR | RTC_B_PIE); /* register A's rate 6: 1024 Hz */
	guest_wait_interrupts(&taken, 5, WAIT_NS);
	guest_wait_interrupts(&taken, 6, 10 * NS_PER_MS); /* none more after the fifth */
	rtc_write(RTC_B, RTC_B_24_HOUR);
	rtc_read(RTC_C);
	guest_ioapic_route(8, VECTOR_RTC, true);
	unsigned periodic = taken, flagged = 0;
	for (unsigned i = 0; i < 5; i++)
		flagged += (rtc_c_seen[i] & RTC_C_PF) != 0; /* IRQF too, but in the last: PIE is off by then */
	check(&c, periodic == 5 && flagged == 5, "RTC periodic interrupts: %u taken, %u with PF in register C",
	      periodic, flagged);
}

static uint8_t sum(const volatile uint8_t *p, uint32_t len)
{
	uint8_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static uint32_t le32(const volatile uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A table's header: its signature, its length (at most 64 KiB here) and its checksum. */
static bool table_ok(const volatile uint8_t *t, const char *signature)
{
	uint32_t len = le32(t + 4);
	return !memcmp((const void *)t, signature, 4) && len >= 36 && len <= 0x10000 && sum(t, len) == 0;
}

static void check_acpi(void)
{
	const volatile uint8_t *rsdp = NULL;
	for (uintptr_t a = 0xe0000; a < 0x100000 && !rsdp; a += 16)
		if (!memcmp((const void *)a, "RSD PTR ", 8))
			rsdp = (const volatile uint8_t *)a;
	bool rsdp_ok = rsdp && sum(rsdp, 20) == 0 && rsdp[15] == 2 && le32(rsdp + 20) == 36 && sum(rsdp, 36) == 0;
	check(&c, rsdp_ok, "ACPI: RSDP %s in the BIOS area, revision %u", rsdp ? "found" : "not found",
	      rsdp ? rsdp[15] : 0);
	if (!rsdp_ok)
		return;
	const volatile uint8_t *xsdt = (const volatile uint8_t *)(uintptr_t)le32(rsdp + 24); /* below 4 GiB */
	bool xsdt_ok = le32(rsdp + 28) == 0 && table_ok(xsdt, "XSDT");
	const volatile uint8_t *fadt = NULL, *madt = NULL;
	for (uint32_t off = 36; xsdt_ok && off + 8 <= le32(xsdt + 4); off += 8) {
		const volatile uint8_t *t = (const volatile uint8_t *)(uintptr_t)le32(xsdt + off);
		if (table_ok(t, "FACP"))
			fadt = t;
		else if (table_ok(t, "APIC"))
			madt = t;
	}
	check(&c, xsdt_ok && fadt && madt && le32(madt + 36) == 0xfee00000,
	      "ACPI: XSDT %s, FADT %s, MADT %s, local APIC at 0x%x", xsdt_ok ? "good" : "bad", fadt ? "listed" : "missing",
	      madt ? "listed" : "missing", madt ? le32(madt + 36) : 0);
}

/* What end=<how> asks for; returns only if the domain went on. */
static void end_domain(const char *how)
{
	if (!strcmp(how, "cf9"))
		outb(RESET_CONTROL, 0x06); /* a hard reset: bits 1 and 2 */
	else if (!strcmp(how, "kbd"))
		outb(KBD_COMMAND, 0xfe); /* pulse the reset line */
	else if (!strcmp(how, "s5"))
		outw(PM1A_CONTROL, SLP_TYP_S5 | SLP_EN);
	else if (!strcmp(how, "pvpanic") && inb(PVPANIC) == (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED))
		outb(PVPANIC, PVPANIC_PANICKED);
	guest_printf("platform: FAILED: end=%s did not end the domain\n", how);
}

int guest_main(const struct guest_boot *boot)
{
	char how[8];
	if (cmdline_value(boot->cmdline, "end", how, sizeof(how)) > 0) {
		end_domain(how);
		return 1;
	}
	guest_traps_init();
	guest_trap_handler(VECTOR_PIT_IOAPIC, on_lapic_interrupt);
	guest_trap_handler(VECTOR_PIC_BASE, on_pic_interrupt);
	guest_trap_handler(VECTOR_COM1, on_com1);
	guest_trap_handler(VECTOR_RTC, on_rtc);
	pic_init();
	check_pit();
	check_pit_channel2();
	check_pm_timer();
	check_com1();
	check_rtc();
	check_acpi();
	return checks_summary(&c);
}
