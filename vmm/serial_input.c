/* Keel's serial input (see serial_input.h). State of the machine's one serial line, not of
 * a CPU: the scheduler of the boot CPU polls it. */
#include "drivers/serial.h"
#include "lib/log.h"
#include "lib/string.h"
#include "vmm/dev/serial_port.h"
#include "vmm/domain.h"
#include "vmm/keel_console.h"
#include "vmm/serial_input.h"
#include "vmm/switch_keys.h"

static bool reading;         /* keel.cfg names serial_input */
static struct domain *owner; /* whose COM1 gets the input; NULL: Keel's console */
static unsigned owner_id;    /* its id: a slot may hold another domain once it is destroyed */
static struct switch_keys keys;
static uint8_t buffer[SERIAL_INPUT_BUFFER];
static unsigned head, count; /* the oldest byte, and how many */

static bool alive(const struct domain *d)
{
	return d->state != DOMAIN_ENDED && d->state != DOMAIN_PRESERVED;
}

/* The input, and the terminal's output with it, to d (NULL: Keel's console). */
static void give_to(struct domain *d)
{
	if (owner)
		console_set_terminal(owner, false);
	owner = d;
	if (owner) {
		owner_id = owner->id;
		console_set_terminal(owner, true);
	}
	count = 0; /* what was typed for the last owner is not for this one */
}

static void announce(void)
{
	if (owner) {
		log_info("serial input: now to dom%u %s's COM1 (Ctrl-A three times moves it on)", owner->id,
			 owner->config.name);
	} else {
		log_info("serial input: now to Keel's console (Ctrl-A three times moves it on)");
		keel_console_help();
	}
}

/* To the domain alive with the next id after the owner's; after the last, to Keel's
 * console; from Keel's console, to the first. */
static void move_on(void)
{
	struct domain *next = NULL;
	for (unsigned i = 0; i < domain_count(); i++) {
		struct domain *d = domain_at(i);
		if (alive(d) && (!owner || d->id > owner->id) && (!next || d->id < next->id))
			next = d;
	}
	give_to(next);
	announce();
}

void serial_input_init(const char *domain_name)
{
	if (!domain_name[0])
		return;
	reading = true;
	for (unsigned i = 0; i < domain_count(); i++)
		if (strcmp(domain_at(i)->config.name, domain_name) == 0)
			give_to(domain_at(i));
	if (!owner)
		log_warn("serial input: domain %s was not built", domain_name);
	announce();
}

/* One byte from the line: the switch sequence, or bytes for the owner. */
static void take(uint8_t c)
{
	uint8_t out[SWITCH_KEYS_OUT];
	unsigned n;
	if (switch_keys_feed(&keys, c, out, &n)) {
		move_on();
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!owner)
			keel_console_key(out[i]);
		else if (count < SERIAL_INPUT_BUFFER)
			buffer[(head + count++) % SERIAL_INPUT_BUFFER] = out[i];
	}
}

uint64_t serial_input_poll(uint64_t now_ns)
{
	if (!reading)
		return 0;
	if (owner && (!alive(owner) || owner->id != owner_id)) {
		if (owner->id == owner_id)
			log_info("serial input: dom%u %s is gone", owner->id, owner->config.name);
		else
			log_info("serial input: dom%u is gone", owner_id);
		give_to(NULL);
		announce();
	}
	/* At most a buffer's worth a poll: a line that never runs dry cannot hold the CPU. */
	uint8_t c;
	for (unsigned n = 0; n < SERIAL_INPUT_BUFFER && serial_read(&c); n++)
		take(c);
	while (owner && count && owner->state == DOMAIN_RUNNING && serial_port_receive(owner->com1, buffer[head])) {
		head = (head + 1) % SERIAL_INPUT_BUFFER;
		count--;
	}
	for (unsigned i = 0; i < domain_count(); i++)
		if (alive(domain_at(i)))
			return now_ns + SERIAL_INPUT_POLL_NS;
	return 0; /* nobody left: what is typed now is for no one */
}
