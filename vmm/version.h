/* Keel's version: the banner, CPUID leaf 0x40000001 and the Multiboot boot loader name. */
#ifndef KEEL_VMM_VERSION_H
#define KEEL_VMM_VERSION_H

#define KEEL_VERSION_MAJOR 0
#define KEEL_VERSION_MINOR 2
#define KEEL_VERSION_PATCH 0
#define KEEL_VERSION_STRING "0.2.0"

#endif
