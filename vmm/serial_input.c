/* Keel's serial input for one domain (see serial_input.h). State of the machine's one
 * serial line, not of a CPU: the scheduler of the boot CPU polls it. */
#include "drivers/serial.h"
#include "lib/log.h"
#include "lib/string.h"
#include "vmm/dev/serial_port.h"
#include "vmm/domain.h"
#include "vmm/serial_input.h"

static struct domain *target;
static uint8_t buffer[SERIAL_INPUT_BUFFER];
static unsigned head, count; /* the oldest byte, and how many */

void serial_input_init(const char *domain_name)
{
	if (!domain_name[0])
		return;
	for (unsigned i = 0; i < domain_count(); i++)
		if (strcmp(domain_at(i)->config.name, domain_name) == 0)
			target = domain_at(i);
	if (target)
		log_info("serial input: what Keel's serial line receives goes to dom%u %s's COM1", target->id,
			 domain_name);
	else
		log_warn("serial input: domain %s was not built: what Keel's serial line receives is dropped",
			 domain_name);
}

uint64_t serial_input_poll(uint64_t now_ns)
{
	if (!target)
		return 0;
	/* At most a buffer's worth a poll: a line that never runs dry cannot hold the CPU. */
	uint8_t c;
	for (unsigned n = 0; n < SERIAL_INPUT_BUFFER && serial_read(&c); n++)
		if (count < SERIAL_INPUT_BUFFER)
			buffer[(head + count++) % SERIAL_INPUT_BUFFER] = c;
	if (target->state == DOMAIN_ENDED || target->state == DOMAIN_PRESERVED)
		return 0; /* gone for good: the line is read, so it keeps nothing, for nobody */
	while (count && target->state == DOMAIN_RUNNING && serial_port_receive(target->com1, buffer[head])) {
		head = (head + 1) % SERIAL_INPUT_BUFFER;
		count--;
	}
	return now_ns + SERIAL_INPUT_POLL_NS;
}
