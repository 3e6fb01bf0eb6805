/* The boot protocols (vmm/loader.c and load_*.c) on any kernel image: the first byte picks
 * the type Keel is told (auto-detection, or one of the four), the rest is the image, loaded
 * with one module into 16 MiB of guest memory, a host buffer behind p2m_copy_to_guest. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errno.h"
#include "vmm/loader.h"

#define RAM (16u << 20)

static uint8_t *ram;

int p2m_copy_to_guest(const struct p2m *p, uint64_t gpa, const void *src, uint64_t len)
{
	if (gpa + len < gpa || gpa + len > p->ram_size)
		return -EFAULT;
	memcpy(ram + gpa, src, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum kernel_type types[] = { KERNEL_AUTO, KERNEL_ELF64, KERNEL_MULTIBOOT1, KERNEL_MULTIBOOT2,
						  KERNEL_REAL16 };
	static const char module[] = "a module";
	if (!ram && !(ram = malloc(RAM)))
		abort();
	if (size < 1)
		return 0;
	struct p2m p2m = { .ram_size = RAM };
	struct loader_input in = {
		.type = types[data[0] % (sizeof(types) / sizeof(types[0]))],
		.kernel = { data + 1, size - 1, "kernel", "console=uart" },
		.nmodules = 1,
		.modules = { { module, sizeof(module), "module", "its cmdline" } },
	};
	struct loader_result out;
	char err[256];
	if (loader_load(&p2m, &in, &out, err, sizeof(err)) == 0 &&
	    (out.kernel_low > out.kernel_high || out.kernel_high > RAM || out.modules_end > RAM))
		__builtin_trap();
	return 0;
}
