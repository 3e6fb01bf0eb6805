/* The end-of-run report: what every domain did, as a table of exits by reason. */
#ifndef KEEL_VMM_REPORT_H
#define KEEL_VMM_REPORT_H

#include "arch/x86/platform.h"

/* Prints the table and the final line; returns the exit status the run deserves.
 * not_built: domains that passed the configuration check but could not be built;
 * config_problems: problems found in keel.cfg (each dropped a setting or a domain). */
enum keel_status report_run(unsigned not_built, unsigned config_problems);
/* The table alone: each domain's exits by reason so far (Keel's console shows it too). */
void report_exit_table(void);

#endif
