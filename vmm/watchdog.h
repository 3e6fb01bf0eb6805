/* The watchdog: a hard-lockup detector, like Linux's NMI watchdog. The PIT's IRQ 0, routed
 * through the I/O APIC as an NMI, interrupts the CPU WATCHDOG_HZ times a second whatever
 * RFLAGS.IF and GIF say, in Keel or in a guest (an NMI exit). Keel's scheduler checks in at
 * least every half limit (it bounds each run and each idle halt); an NMI that finds no
 * check-in for the limit stops Keel with a message, as Keel itself must be stuck. Off
 * unless keel.cfg's `watchdog` gives the limit in seconds. */
#ifndef KEEL_VMM_WATCHDOG_H
#define KEEL_VMM_WATCHDOG_H

#include <stdint.h>

#define WATCHDOG_HZ 20

/* Starts it with a limit of seconds (0: leaves it off); logs how, or why it could not. */
void watchdog_start(unsigned seconds, uint64_t rsdp);
extern uint64_t watchdog_limit_ns;      /* 0: off */
extern uint64_t watchdog_checked_in_ns; /* Keel's clock at the last check-in */

/* How often the scheduler must check in, in ns; 0 while the watchdog is off. */
static inline uint64_t watchdog_check_in_ns(void)
{
	return watchdog_limit_ns / 2;
}

/* The scheduler is making progress; now_ns: Keel's clock. Inline: the scheduler checks in
 * whenever it picks. */
static inline void watchdog_check_in(uint64_t now_ns)
{
	watchdog_checked_in_ns = now_ns;
}
/* Before the report, which takes the serial line's time: no more NMIs. */
void watchdog_stop(void);

#endif
