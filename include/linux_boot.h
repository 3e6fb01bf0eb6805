/* Linux's x86 boot protocol (Linux's Documentation/arch/x86/boot.rst and zero-page.rst):
 * the setup header of a bzImage and the boot_params ("zero page") a boot loader hands the
 * kernel, as the offsets Keel reads and writes (vmm/load_linux.c). All fields little
 * endian. */
#ifndef KEEL_INCLUDE_LINUX_BOOT_H
#define KEEL_INCLUDE_LINUX_BOOT_H

/* The setup header, at the same offsets in the image and in boot_params. */
#define LINUX_SETUP_SECTS 0x1f1      /* u8: 512-byte sectors of real-mode setup after the boot sector; 0 means 4 */
#define LINUX_HEADER_START 0x1f1     /* the header copied into boot_params begins here... */
#define LINUX_HEADER_END_BYTE 0x201  /* ...and ends at 0x202 + this byte */
#define LINUX_HEADER_MAGIC 0x202     /* u32: "HdrS" */
#define LINUX_HEADER_MAGIC_VALUE 0x53726448
#define LINUX_VERSION 0x206          /* u16: the boot protocol's version, major << 8 | minor */
#define LINUX_TYPE_OF_LOADER 0x210   /* u8: 0xff, a loader without an assigned id */
#define LINUX_LOADFLAGS 0x211        /* u8 */
#define LINUX_LOADED_HIGH (1u << 0)  /* the protected-mode kernel loads at 1 MiB or above */
#define LINUX_RAMDISK_IMAGE 0x218    /* u32 (bits 63:32 in LINUX_EXT_RAMDISK_IMAGE) */
#define LINUX_RAMDISK_SIZE 0x21c     /* u32 (bits 63:32 in LINUX_EXT_RAMDISK_SIZE) */
#define LINUX_CMD_LINE_PTR 0x228     /* u32 (bits 63:32 in LINUX_EXT_CMD_LINE_PTR) */
#define LINUX_INITRD_ADDR_MAX 0x22c  /* u32: the highest address the initrd's last byte may have */
#define LINUX_KERNEL_ALIGNMENT 0x230 /* u32 */
#define LINUX_RELOCATABLE 0x234      /* u8: the kernel may load at any kernel_alignment boundary */
#define LINUX_XLOADFLAGS 0x236       /* u16 */
#define LINUX_XLF_KERNEL_64 (1u << 0) /* a 64-bit entry at the load address + 0x200 */
#define LINUX_XLF_INITRD_ABOVE_4G (1u << 1)
#define LINUX_CMDLINE_SIZE 0x238     /* u32: the longest command line, NUL excluded */
#define LINUX_PREF_ADDRESS 0x258     /* u64: where the kernel prefers to load */
#define LINUX_INIT_SIZE 0x260        /* u32: the memory it needs from its load address on */
#define LINUX_ENTRY_64 0x200         /* the 64-bit entry's offset from the load address */
#define LINUX_MIN_VERSION 0x020c     /* 2.12: xloadflags, and with them the 64-bit entry's flag */

/* The rest of boot_params. */
#define LINUX_BOOT_PARAMS_SIZE 4096
#define LINUX_ACPI_RSDP_ADDR 0x070      /* u64 (protocol 2.14) */
#define LINUX_EXT_RAMDISK_IMAGE 0x0c0   /* u32 */
#define LINUX_EXT_RAMDISK_SIZE 0x0c4    /* u32 */
#define LINUX_EXT_CMD_LINE_PTR 0x0c8    /* u32 */
#define LINUX_E820_ENTRIES 0x1e8        /* u8 */
#define LINUX_E820_TABLE 0x2d0          /* u64 addr, u64 size, u32 type: 20 bytes each */
#define LINUX_E820_ENTRY_SIZE 20
#define LINUX_E820_MAX 128

/* The 64-bit entry's GDT selectors: flat 4 GiB code (executable, readable) and data. */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

#endif
