/* A model of the PC's Intel 8254 programmable interval timer (PIT) and of port 0x61, the
 * system control port B that holds channel 2's gate and shows its output. Pure code: no
 * allocation, no globals, no port bus; time comes from env->now_ns.
 *
 * Ports: a range of four (0x40-0x43) reached through i8254_read/i8254_write, offsets 0-2
 * the channels' count registers and 3 the control word register; and a range of one (port
 * 0x61) reached through i8254_port61_read/i8254_port61_write, offset 0; dev is the struct
 * i8254. They are byte-wide ISA registers: a 2-, 4- or 8-byte access reaches one port a
 * byte, in ascending order; bytes past the range read 0xff and their writes are dropped.
 *
 * The PC's wiring: every channel counts a clock of PIT_HZ (1,193,182 Hz). Channel 0's
 * gate is tied high and its output OUT0 is the PIT's interrupt output, reported through
 * env->set_irq(ctx, 0, level) (ISA IRQ 0). Channel 1 (memory refresh on old PCs) has its
 * gate tied high and its output goes nowhere; it counts and reads back all the same.
 * Channel 2's gate is port 0x61 bit 0 and its output is port 0x61 bit 5.
 *
 * Modelled (Intel 8254 datasheet, cited below by section): the control word, counter latch
 * and read-back commands; LSB-only, MSB-only and LSB-then-MSB access with separate read
 * and write flip-flops; latched counts and status held until read (a second latch of
 * either before it is read is ignored; status is read first when both are latched); the
 * null count flag; binary and BCD counting, where a count of 0 is 65536 (binary) or 10000
 * (BCD); modes 0 to 5, with 6 and 7 as 2 and 3 (the status byte shows the mode bits as
 * written); each mode's gate rules: a low gate stops counting in modes 0, 2, 3 and 4, a
 * rising edge triggers modes 1 and 5 and reloads modes 2 and 3, whose OUT a low gate forces
 * high. Counts read back as the chip gives them: mode 3 counts down by two, from N - 1 for
 * an odd N ("Mode 3"); modes 0, 1, 4 and 5 wrap past 0 and go on counting.
 * Port 0x61: bit 0 channel 2's gate, bit 1 the speaker data enable, bits 2-3 (parity and
 * channel checks) read back as written; bit 4 toggles every 15.085 us (the refresh
 * request, from Keel's clock); bit 5 is OUT2; bits 6-7 read 0 (no parity or channel error).
 *
 * Time: counter values are not stored but derived from Keel's clock: a count loaded at
 * anchor_ns has seen floor((now - anchor_ns) * PIT_HZ / 10^9) ticks at now. So reads are
 * exact at any rate with no timer at all; channel 2's output is computed when port 0x61 is
 * read. Only OUT0 needs a timer: env->set_deadline is given the time of OUT0's next rising
 * edge, the next interrupt, and the platform calls i8254_timer once it is reached; with no
 * rising edge to come (mode 0 past its terminal count, modes 1 and 5 with no trigger,
 * channel 0 not counting) the deadline is DEVICE_NO_DEADLINE.
 *
 * Model choices:
 * - Power-on state: each channel is as if control word 0x30 (LSB then MSB, mode 0,
 *   binary) had been written and no count: not counting, OUT low, count 0. A PC BIOS
 *   would leave channel 0 in mode 3 with count 0 (18.2 Hz), but Keel starts guests without
 *   one, and a channel nobody programmed costs no exits: no interrupt, no deadline.
 * - A count is loaded when it is written (or at the gate edge that triggers or reloads it),
 *   where the chip loads it on the next clock pulse: the model has no clock phase, each
 *   load starts the ticks from 0 at that instant. So a mode 0 count N raises OUT N ticks
 *   after it is written (the datasheet's N + 1 pulses, the first one loading), and the
 *   null count flag clears at once for a count loaded when written.
 * - OUT0 edges: each rising edge of OUT0 is a set_irq(true) call; a falling edge is a
 *   set_irq(false) call when a port access or a timer call finds OUT0 low. No timer is
 *   set for falling edges, so a periodic mode's interrupt output may still be high when
 *   the next rising edge is due: that i8254_timer call gives (false, true), one edge. A
 *   control word that takes OUT0 from low to high (any mode after mode 0) is a rising
 *   edge, as on the chip.
 * - Lost ticks are dropped: when i8254_timer comes late, past several of OUT0's rising
 *   edges, the guest gets one edge for them all and the next deadline is the first rising
 *   edge still to come, on the period's grid. Guests that count interrupts (Linux and
 *   others) make up for the lost ones from other clocks.
 * - A count of 1, which the datasheet calls illegal in mode 2, runs as 2 in modes 2 and 3.
 * - A control word forgets a latched count and status not yet read (the channel is
 *   reprogrammed) and stops the counting element, which keeps its value.
 * - Modes 1 and 5 are triggered only by a count written since the last control word.
 * - With the gate low, mode 0 and 4 counts are loaded when written and counting starts at
 *   the gate's rising edge; a mode 2 or 3 count is loaded when written and loaded again at
 *   the rising edge, which is when counting starts.
 * - Reading the control word register (offset 3) reads 0xff: the datasheet gives no
 *   register there, the bus floats.
 *
 * Not modelled: the read of a count while a two-byte count is half written (the chip's
 * output is undocumented; the model gives the counting element's value); a BCD count with
 * a digit above 9 is counted with that digit's value; the speaker (port 0x61 bit 1 is only
 * stored), and the parity and channel checks of bits 2-3. */
#ifndef KEEL_VMM_DEV_I8254_H
#define KEEL_VMM_DEV_I8254_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/dev/device.h"

#define PIT_HZ 1193182         /* the input clock of each channel */
#define I8254_PORTS 4          /* channels 0-2, then the control word register */
#define I8254_CHANNELS 3
#define I8254_REFRESH_NS 15085 /* port 0x61 bit 4 toggles this often */

/* The counting element of a channel while it counts: the count n was loaded, or a
 * periodic mode reloaded, at tick start; ticks count from anchor_ns. */
struct i8254_run {
	uint64_t anchor_ns; /* Keel's clock at tick 0: when the channel started counting */
	uint64_t start;     /* the tick at which n was loaded */
	uint32_t n;         /* the count loaded: 1 to 65536 (10000 in BCD) */
	uint32_t phase;     /* modes 2 and 3: ticks into the period at start */
	bool tc_passed;     /* modes 0, 1, 4 and 5: terminal count is past, OUT changes no more */
};

enum i8254_ce_state {
	I8254_CE_STOPPED, /* not counting until a count is written or a trigger comes */
	I8254_CE_PAUSED,  /* modes 0 and 4 with the gate low: counting resumes when it rises */
	I8254_CE_RUNNING,
};

struct i8254_channel {
	uint8_t control;       /* bits 5-0 of the last control word: RW1-0, M2-0, BCD */
	uint16_t cr;           /* the count register: the last count written, 0 the largest */
	uint8_t cr_lsb;        /* the LSB written while the MSB is awaited */
	bool write_msb;        /* write flip-flop: the next count byte written is the MSB */
	bool read_msb;         /* read flip-flop: the next count byte read is the MSB */
	bool count_written;    /* a whole count has been written since the control word */
	bool null_count;       /* a count written has not been loaded yet */
	uint8_t latched_bytes; /* bytes of the latched count still to read: 0, 1 or 2 */
	uint16_t latch;        /* the latched count */
	bool status_latched;
	uint8_t status;        /* the latched status byte */
	bool gate;
	enum i8254_ce_state ce;
	uint16_t held;         /* stopped or paused: the counting element's value */
	bool held_out;         /* stopped or paused: OUT */
	bool held_tc_passed;   /* paused: terminal count is past */
	struct i8254_run run;  /* running */
	bool reload_pending;   /* running in mode 2 or 3: CR is loaded at reload_tick */
	bool reload_low_half;  /* mode 3: that reload ends a high half, a low half follows */
	uint64_t reload_tick;
};

struct i8254 {
	struct i8254_channel channel[I8254_CHANNELS];
	uint8_t port61;       /* bits 0-3 as written */
	bool irq;             /* the level last given to set_irq */
	uint64_t deadline_ns; /* OUT0's next rising edge as given to set_deadline */
	struct device_env env;
};

/* Power-on state (see "Model choices"): no channel counting, OUT0 low, port 0x61 bits
 * 0-3 clear (gate 2 low). env is copied; env->set_irq may be NULL. Makes no call: the
 * interrupt output starts low and there is no deadline. */
void i8254_init(struct i8254 *pit, const struct device_env *env);

/* OUT0's rising edge set by env->set_deadline has come (maybe late): gives the interrupt
 * edge, one for however many were missed, and sets the next deadline. Each call ends with
 * a set_deadline call, DEVICE_NO_DEADLINE if no edge is coming. */
void i8254_timer(struct i8254 *pit);

/* Ports 0x40-0x43 (io_ops shape): offset 0-2 a channel's count (reads: status or latched
 * count first, if latched), offset 3 the control word (counter latch and read-back
 * commands included; reads 0xff). */
uint64_t i8254_read(void *pit, uint64_t offset, unsigned size);
void i8254_write(void *pit, uint64_t offset, unsigned size, uint64_t value);

/* Port 0x61 (io_ops shape, a range of one port, offset 0): see the header comment. */
uint64_t i8254_port61_read(void *pit, uint64_t offset, unsigned size);
void i8254_port61_write(void *pit, uint64_t offset, unsigned size, uint64_t value);

#endif
