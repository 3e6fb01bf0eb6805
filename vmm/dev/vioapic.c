/* The I/O APIC model (see vioapic.h). Registers and bits follow the Intel 82093AA
 * datasheet (§3.0 register access, §3.1 IOREGSEL and IOWIN, §3.2 the ID, version,
 * arbitration and redirection table registers) and, for the EOI register, the I/O APIC
 * chapter of the ICH datasheets. */
#include "vmm/dev/vioapic.h"

/* Direct registers: offsets in the page. */
#define MMIO_IOREGSEL 0x00
#define MMIO_IOWIN 0x10
#define MMIO_EOI 0x40

/* Indirect registers: IOREGSEL values. */
#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_ARBITRATION 0x02
#define REG_REDIR 0x10 /* to 0x3f: two dwords an entry */
#define REG_REDIR_END (REG_REDIR + 2 * PC_IOAPIC_PINS)

#define ID_SHIFT 24
#define ID_MASK 0x0f
#define MAX_ENTRY_SHIFT 16

#define ENTRY_VECTOR 0xffull
#define ENTRY_MODE_SHIFT 8
#define ENTRY_MODE 0x700ull
#define ENTRY_LOGICAL (1ull << 11)
#define ENTRY_DELIVERY_STATUS (1ull << 12) /* never set: messages go at once */
#define ENTRY_ACTIVE_LOW (1ull << 13)
#define ENTRY_REMOTE_IRR (1ull << 14)
#define ENTRY_LEVEL (1ull << 15)
#define ENTRY_MASKED (1ull << 16)
#define ENTRY_DEST_SHIFT 56
/* What software writes in each dword; the rest is read-only (delivery status, remote
 * IRR) or reserved (bits 55-17). */
#define ENTRY_LOW_WRITABLE (ENTRY_VECTOR | ENTRY_MODE | ENTRY_LOGICAL | ENTRY_ACTIVE_LOW | ENTRY_LEVEL | ENTRY_MASKED)
#define ENTRY_HIGH_WRITABLE 0xff000000u

static uint8_t mode_of(uint64_t entry)
{
	return (uint8_t)((entry & ENTRY_MODE) >> ENTRY_MODE_SHIFT);
}

/* Level-triggered as sent: only fixed and lowest-priority messages can be; SMI, NMI,
 * INIT and ExtINT require edge triggering (82093AA §3.2.4, delivery mode). */
static bool level_triggered(uint64_t entry)
{
	uint8_t mode = mode_of(entry);
	return (entry & ENTRY_LEVEL) && (mode == VIOAPIC_FIXED || mode == VIOAPIC_LOWEST_PRIORITY);
}

/* The pin's interrupt signal: its line, inverted for an active-low pin (§3.2.4, bit 13). */
static bool asserted(const struct vioapic *io, unsigned pin)
{
	bool high = io->lines & (1u << pin);
	return high != !!(io->redir[pin] & ENTRY_ACTIVE_LOW);
}

/* Sends the entry's message; false for a reserved delivery mode, which sends nothing. */
static bool send(struct vioapic *io, uint64_t entry)
{
	uint8_t mode = mode_of(entry);
	if (mode == 3 || mode == 6)
		return false;
	io->env.deliver(io->env.dev.ctx, (uint8_t)(entry & ENTRY_VECTOR), mode, entry & ENTRY_LOGICAL,
			(uint8_t)(entry >> ENTRY_DEST_SHIFT), level_triggered(entry));
	return true;
}

/* A level-triggered entry sends while its pin is asserted, until the local APIC's EOI
 * clears remote IRR (§3.2.4, bit 14); masked, it sends nothing (bit 16). */
static void service_level(struct vioapic *io, unsigned pin)
{
	uint64_t entry = io->redir[pin];
	if (!level_triggered(entry) || (entry & (ENTRY_MASKED | ENTRY_REMOTE_IRR)) || !asserted(io, pin))
		return;
	if (send(io, entry))
		io->redir[pin] |= ENTRY_REMOTE_IRR;
}

static void write_entry_low(struct vioapic *io, unsigned pin, uint32_t value)
{
	uint64_t entry = (io->redir[pin] & ~ENTRY_LOW_WRITABLE) | (value & ENTRY_LOW_WRITABLE);
	if (!level_triggered(entry))
		entry &= ~ENTRY_REMOTE_IRR;
	io->redir[pin] = entry;
	service_level(io, pin);
}

static void write_entry_high(struct vioapic *io, unsigned pin, uint32_t value)
{
	uint64_t low = io->redir[pin] & 0xffffffffull;
	io->redir[pin] = low | (uint64_t)(value & ENTRY_HIGH_WRITABLE) << 32;
}

static uint32_t read_indirect(const struct vioapic *io)
{
	uint8_t reg = io->ioregsel;
	if (reg == REG_ID || reg == REG_ARBITRATION)
		return (uint32_t)io->id << ID_SHIFT;
	if (reg == REG_VERSION)
		return VIOAPIC_VERSION | (PC_IOAPIC_PINS - 1) << MAX_ENTRY_SHIFT;
	if (reg >= REG_REDIR && reg < REG_REDIR_END) {
		uint64_t entry = io->redir[(reg - REG_REDIR) / 2];
		return (uint32_t)(reg & 1 ? entry >> 32 : entry);
	}
	return 0;
}

/* The arbitration ID is loaded with the ID and read-only (§3.2.1, §3.2.3); the version
 * is read-only. */
static void write_indirect(struct vioapic *io, uint32_t value)
{
	uint8_t reg = io->ioregsel;
	if (reg == REG_ID) {
		io->id = (value >> ID_SHIFT) & ID_MASK;
	} else if (reg >= REG_REDIR && reg < REG_REDIR_END) {
		unsigned pin = (reg - REG_REDIR) / 2u;
		if (reg & 1)
			write_entry_high(io, pin, value);
		else
			write_entry_low(io, pin, value);
	}
}

/* The 32-bit register at an offset that is a multiple of 4. */
static uint32_t read_dword(const struct vioapic *io, uint64_t offset)
{
	switch (offset) {
	case MMIO_IOREGSEL:
		return io->ioregsel;
	case MMIO_IOWIN:
		return read_indirect(io);
	default: /* EOI is write-only; the rest of the page is empty */
		return 0;
	}
}

void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_env *env)
{
	*io = (struct vioapic){
		.id = id & ID_MASK,
		.env = *env,
	};
	for (unsigned pin = 0; pin < PC_IOAPIC_PINS; pin++)
		io->redir[pin] = ENTRY_MASKED;
}

uint64_t vioapic_read(void *dev, uint64_t offset, unsigned size)
{
	const struct vioapic *io = dev;
	if (size == 4 && !(offset & 3))
		return read_dword(io, offset);
	uint64_t value = 0;
	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t at = offset + i;
		uint32_t dword = read_dword(io, at & ~3ull);
		value |= (uint64_t)((dword >> (8 * (at & 3))) & 0xff) << (8 * i);
	}
	return value;
}

void vioapic_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct vioapic *io = dev;
	if (offset == MMIO_IOREGSEL)
		io->ioregsel = (uint8_t)value;
	else if (offset == MMIO_IOWIN && size == 4)
		write_indirect(io, (uint32_t)value);
	else if (offset == MMIO_EOI)
		vioapic_eoi(io, (uint8_t)value);
}

/* An edge-triggered pin sends when it becomes asserted, unless masked: then the edge is
 * lost (§3.2.4, bit 16). A level-triggered one follows its level. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level)
{
	if (pin >= PC_IOAPIC_PINS)
		return;
	bool was = asserted(io, pin);
	if (level)
		io->lines |= 1u << pin;
	else
		io->lines &= ~(1u << pin);
	uint64_t entry = io->redir[pin];
	if (level_triggered(entry))
		service_level(io, pin);
	else if (!was && asserted(io, pin) && !(entry & ENTRY_MASKED))
		send(io, entry);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < PC_IOAPIC_PINS; pin++) {
		uint64_t entry = io->redir[pin];
		if (!(entry & ENTRY_REMOTE_IRR) || (entry & ENTRY_VECTOR) != vector)
			continue;
		io->redir[pin] = entry & ~ENTRY_REMOTE_IRR;
		service_level(io, pin);
	}
}
