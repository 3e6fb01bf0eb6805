#include <stddef.h>
#include "arch/x86/extable.h"

extern const struct extable_entry __extable_start[], __extable_end[]; /* linker.ld */

const struct extable_entry *extable_find(uint64_t rip, unsigned vector)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
		if (e->rip == rip && vector < 32 && (e->vectors & (1u << vector)))
			return e;
	return NULL;
}
