/* Reading the Multiboot2 boot information (Multiboot2 spec §3.6) into Keel's boot_info,
 * so the core starts the same way whichever loader brought it. */
#ifndef KEEL_ARCH_X86_MULTIBOOT2_H
#define KEEL_ARCH_X86_MULTIBOOT2_H

#include <stddef.h>
#include <stdint.h>
#include "boot/boot_info.h"

#define MULTIBOOT2_MAX_INFO (1u << 20) /* refuse boot information larger than this */
#define MULTIBOOT2_RSDP_MAX 36
#define MULTIBOOT2_CONFIG_NAME "keel.cfg" /* the module holding the configuration */

/* Fills bi from the boot information at mbi: memory map (sorted, merged), modules (the
 * one named keel.cfg becomes the configuration), the RSDP (copied into rsdp_copy, which
 * must hold MULTIBOOT2_RSDP_MAX bytes, since Multiboot2 hands over a copy, not an address). Returns 0, or
 * -EINVAL with what is wrong in err. */
int multiboot2_parse(const void *mbi, struct boot_info *bi, uint8_t *rsdp_copy, char *err, size_t errlen);

#endif
