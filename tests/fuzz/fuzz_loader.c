/* The boot protocols (vmm/loader.c and load_*.c) on any kernel image: the first byte picks
 * the type Keel is told (auto-detection, or one of the six), the rest is the image, loaded
 * with one module into 16 MiB of guest memory, a host buffer behind p2m_copy_to_guest. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errno.h"
#include "vmm/loader.h"

#define RAM (16u << 20)

static uint8_t *ram;
static struct guest_layout layout;

/* The layout's backed ranges, one host buffer at guest-physical 0. */
int p2m_copy_to_guest(const struct p2m *p, uint64_t gpa, const void *src, uint64_t len)
{
	const struct layout_range *r = layout_find(p->layout, gpa);
	if (gpa + len < gpa || !r || !r->backed || gpa + len > r->base + r->size || gpa + len > RAM)
		return -EFAULT;
	memcpy(ram + gpa, src, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum kernel_type types[] = { KERNEL_AUTO, KERNEL_ELF64, KERNEL_MULTIBOOT1, KERNEL_MULTIBOOT2,
						  KERNEL_REAL16, KERNEL_PVH, KERNEL_LINUX };
	static const char module[] = "a module";
	char why[128];
	if (!ram && (!(ram = malloc(RAM)) || layout_build(&layout, RAM, LAYOUT_HOLE_DEFAULT_MIB, 1ull << 48, why,
							    sizeof(why))))
		abort();
	if (size < 1)
		return 0;
	struct p2m p2m = { .layout = &layout };
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
