/* Page-table entry bits the runtime uses on the page tables it runs on (SDM Vol. 3A §4.5,
 * 4-level paging). */
#ifndef KEEL_GUESTS_LIB_PAGING_H
#define KEEL_GUESTS_LIB_PAGING_H

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

#endif
