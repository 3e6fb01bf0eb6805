/* stdin's terminal in raw mode (terminal.h). */
#include "guests/dom0/keelctl/terminal.h"

#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t is_raw;

void terminal_restore(void)
{
	if (is_raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
		is_raw = 0;
	}
}

/* Restores the terminal, then ends keelctl as the signal would have. */
static void restore_and_die(int sig)
{
	terminal_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

bool terminal_raw(void)
{
	static const int fatal[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE };
	struct sigaction sa = { .sa_handler = restore_and_die };
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
		return false;
	raw = saved;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST | ONLCR;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	if (atexit(terminal_restore) != 0 || tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		return false;
	is_raw = 1;
	return true;
}
