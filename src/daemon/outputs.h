/* SPDX-License-Identifier: GPL-2.0-or-later */
/* outputs.h - the daemon's outputs: the main output file, the syslog destinations, journald,
 * opened from a configuration generation, each event formatted once per format and delivered
 * to all, failures and recoveries said once, a new set swapped in on reload. Worker thread,
 * once the worker runs; the main thread before it starts and after it stopped. */
#ifndef KMWD_OUTPUTS_H
#define KMWD_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>

#include "kmw_buf.h"
#include "kmw_config.h"
#include "kmw_format.h"
#include "kmw_sink.h"

#define OUTPUTS_MAX 8

struct outputs_counts {
	uint64_t events;    /* syscall events delivered to the outputs */
	uint64_t summaries; /* summary lines delivered */
	uint64_t alerts;    /* alert lines delivered */
};

struct outputs {
	struct kmw_sink *sinks[OUTPUTS_MAX];
	enum kmw_format fmt[OUTPUTS_MAX]; /* the format of each sink */
	bool down[OUTPUTS_MAX];		  /* a failure was said; a recovery will be */
	int n;
	bool batching;			    /* between outputs_begin and outputs_end */
	struct kmw_buf body[KMW_FMT_COUNT]; /* the event in each format, made once per event */
	struct outputs_counts count;
	bool stored; /* the store has every event: a drop loses less */
};

/* outputs_init - no output yet */
void outputs_init(struct outputs *o);

/**
 * outputs_open - the outputs of @conf. A main output file that cannot be opened, or a syslog
 * destination or option refused, fails (said); a collector that cannot be reached now does
 * not (its events wait). Returns 0 or -errno.
 */
int outputs_open(struct outputs *o, const struct kmw_config *conf);

/**
 * outputs_add - @s (owned from now on) as one more output in format @f. Returns 0 or -ENOSPC.
 */
int outputs_add(struct outputs *o, struct kmw_sink *s, enum kmw_format f);

/**
 * outputs_swap - the outputs of @conf instead (a reload): the old ones get their last try and
 * go; when the new cannot be opened, the old stay. Returns 0 or -errno.
 */
int outputs_swap(struct outputs *o, const struct kmw_config *conf);

/**
 * outputs_wants_json - whether an output takes JSON (then the caller's JSON is used).
 */
bool outputs_wants_json(const struct outputs *o);

/**
 * outputs_deliver - @ev to every output, in its format, each format made once (@json: the
 * JSON made already, or NULL). What an output cannot take now it keeps and retries.
 */
void outputs_deliver(struct outputs *o, const struct kmw_event *ev, const struct kmw_buf *json);

/* outputs_begin, outputs_end - the events delivered between them go together: a file takes
 * them with one write at the end */
void outputs_begin(struct outputs *o);
void outputs_end(struct outputs *o);

/* outputs_tick - retries, and failures and recoveries said */
void outputs_tick(struct outputs *o);

/* outputs_reopen - each opened again (after a rotation by logrotate) */
void outputs_reopen(struct outputs *o);

/* outputs_drain - each gets @ms to deliver what waits */
void outputs_drain(struct outputs *o, unsigned int ms);

/* outputs_close - the last try, what is left said (@stored: the store has it), all freed */
void outputs_close(struct outputs *o, bool stored);

#endif
