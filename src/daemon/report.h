/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.h - what the daemon tells: the state file for `kmodwatch status`, the metrics for
 * Prometheus, the periodic stats line, the stopping line; and at start, whether another
 * kmodwatchd reads this host's events already. It reads the other modules (the worker only
 * through its published view) and is read by none. Main thread. */
#ifndef KMWD_REPORT_H
#define KMWD_REPORT_H

#include <stdint.h>
#include <time.h>

#include "control.h"
#include "guard.h"
#include "intake.h"
#include "kmw_config.h"
#include "options.h"
#include "worker.h"

struct report {
	const struct kmw_config *conf; /* the generation in force */
	const char *state_file;	       /* the daemon's, the plugin's, or NULL (second consumer) */
	char *metrics_file;	       /* NULL: none */
	int metrics_err;	       /* the last write's -errno, said once */
	time_t started;
	uint64_t loss_ring[30]; /* the losses counted at each of the last 30 ticks */
	unsigned int loss_ticks;
	/* what it reads */
	struct control *control;
	struct guard *guard;
	struct intake *intake;
	struct worker *worker;
	struct kmw_enricher *enricher;
	const struct options_reload *reload;
};

/**
 * report_one_consumer - the daemon and the auditd plugin read the same events: both would
 * report each twice, as would two daemons. Whichever starts second says so. Returns 0, or
 * the exit code.
 */
int report_one_consumer(const struct kmw_config *conf);

/**
 * report_init - @r for @conf, reading the modules named. Returns 0 or -ENOMEM.
 */
int report_init(struct report *r, const struct kmw_config *conf, struct control *control,
		struct guard *guard, struct intake *intake, struct worker *worker,
		struct kmw_enricher *enricher, const struct options_reload *reload);

/* report_set_config - the generation in force from now on (a reload): the metrics file */
void report_set_config(struct report *r, const struct kmw_config *conf);

/* report_state - every tick: the state file and the metrics */
void report_state(struct report *r);

/* report_stats - every stats-interval: what was lost, and where, in one log line */
void report_stats(struct report *r);

/* report_stop - the stopping line, with the final counts */
void report_stop(struct report *r);

/* report_fini - the state file and the metrics removed (counters frozen at their last values
 * would look like a daemon that runs) */
void report_fini(struct report *r);

#endif
