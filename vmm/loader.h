/* Puts a domain's kernel and modules into its memory, with the boot information its boot
 * protocol promises, and says how its vCPU starts. One file per protocol:
 * load_elf64.c, load_multiboot1.c, load_multiboot2.c, load_real16.c; guest_boot.c holds
 * what they share. docs/boot-protocols.md describes what each kernel finds. */
#ifndef KEEL_VMM_LOADER_H
#define KEEL_VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86/hvm.h"
#include "vmm/config.h"
#include "vmm/p2m.h"

#define LOADER_MAX_MODULES (CONFIG_MAX_MODULES + 1) /* the ramdisk, then the module list */

/* A boot module handed to the domain: the bytes, the file's name, its command line. */
struct loader_file {
	const void *data;
	uint64_t size;
	const char *name;
	const char *cmdline; /* "" when none */
};

#define LOADER_RSDP_BYTES 36 /* an RSDP of revision 2 (ACPI §5.2.5.3) */

struct loader_input {
	enum kernel_type type; /* KERNEL_AUTO: detect it */
	struct loader_file kernel; /* its cmdline is the domain's */
	unsigned nmodules;
	struct loader_file modules[LOADER_MAX_MODULES];
	/* The ACPI RSDP the domain's platform wrote (vmm/dev/pc_platform.c), for the boot
	 * protocols to hand the kernel: its guest-physical address (0: none) and its bytes. */
	uint64_t rsdp_gpa;
	uint8_t rsdp[LOADER_RSDP_BYTES];
};

struct loader_result {
	enum kernel_type type;   /* as detected */
	const char *format;      /* the image's format: "ELF64", "ELF32", "a.out kludge", "flat binary" */
	uint64_t kernel_low, kernel_high; /* guest-physical range the kernel occupies */
	uint64_t modules_end;    /* end of the last module (kernel_high when none) */
	struct vcpu_boot_state boot;
	struct guest_regs regs;
};

/* Loads the kernel and modules into p2m's (zeroed) memory. Returns 0, or -EINVAL with a
 * one-line reason in err that names the file and what is wrong with it. */
int loader_load(struct p2m *p2m, const struct loader_input *in, struct loader_result *out, char *err,
		size_t errlen);

#endif
