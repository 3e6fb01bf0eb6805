/* Where the devices of a domain's virtual PC are: the addresses and ports a PC has them at
 * (and that the domain's ACPI tables give), and their ISA interrupts. */
#ifndef KEEL_VMM_DEV_PC_H
#define KEEL_VMM_DEV_PC_H

/* Guest-physical, in the 32-bit MMIO hole (vmm/layout.h), 4 KiB each. */
#define PC_LAPIC_BASE 0xfee00000ull  /* APIC_BASE's reset value (SDM vol.3 §11.4.4) */
#define PC_IOAPIC_BASE 0xfec00000ull
#define PC_IOAPIC_PINS 24
#define PC_IOAPIC_ID 1 /* after the local APICs' IDs: one vCPU per domain for now */

/* Ports. */
#define PC_PIC_MASTER 0x20  /* 2 ports */
#define PC_PIC_SLAVE 0xa0   /* 2 ports */
#define PC_ELCR 0x4d0       /* 2 ports: the PICs' edge/level control (master, slave) */
#define PC_PIT 0x40         /* 4 ports: channels 0-2 and the mode/command register */
#define PC_PORT_61 0x61     /* system control port B: PIT channel 2's gate and output */
#define PC_RTC 0x70         /* 2 ports: the CMOS index (bit 7: NMI off), then its data */
#define PC_KBD_COMMAND 0x64 /* the keyboard controller's command port: 0xfe resets */
#define PC_PM1A_EVENT 0x600 /* 4 ports: PM1 status, PM1 enable (ACPI §4.8.3.1) */
#define PC_PM1A_CONTROL 0x604 /* 2 ports */
#define PC_PM_TIMER 0x608   /* 4 ports */
#define PC_RESET 0xcf9      /* the reset control register */
#define PC_PVPANIC 0x505    /* the pvpanic device (QEMU0001), where QEMU has it */

/* ISA interrupts; an ISA IRQ n reaches the IO-APIC's pin n, but for IRQ 0 (pin 2: the
 * MADT's interrupt source override). */
#define PC_IRQ_PIT 0
#define PC_IRQ_CASCADE 2 /* the slave PIC on the master's input 2 */
#define PC_IRQ_COM1 4
#define PC_IRQ_RTC 8
#define PC_IRQ_SCI 9
#define PC_GSI_PIT 2

#endif
