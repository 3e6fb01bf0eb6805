#ifndef KEEL_VMM_MAIN_H
#define KEEL_VMM_MAIN_H

#include "boot/boot_info.h"

/* Never returns: ends with platform_exit() and Keel's exit status. */
void vmm_main(const struct boot_info *boot) __attribute__((noreturn));

#endif
