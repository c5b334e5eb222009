/* SPDX-License-Identifier: GPL-2.0-or-later */
/* worker.h - the worker thread: the enrichment that can wait, then the store, then every
 * output, in capture order; the module checks; a reload's configuration taken between two
 * events. Everything it owns (outputs.h, persist.h, reconcile.h) is touched by it alone once
 * it runs: the main thread hands it items (worker_push_*) and reads only the copy it
 * publishes (worker_view). Before worker_start and after worker_stop, the main thread. */
#ifndef KMWD_WORKER_H
#define KMWD_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kmw_config.h"
#include "kmw_enrich.h"
#include "kmw_evqueue.h"
#include "kmw_host.h"
#include "outputs.h"
#include "persist.h"
#include "reconcile.h"

/* events waiting for the slow enrichment at most; the capture thread waits beyond, and the
 * records queue before it (a record costs a few hundred bytes there, an event ~20 KB here) */
#define WORKER_SLOTS 64

/* What the main thread may know of the worker: a copy, published after each step. */
struct worker_view {
	struct outputs_counts out;
	struct persist_counts store;
	struct recon_counts checks;
	uint64_t enrich_gaveup; /* events with a bound or a failure in enrichment */
	const char *output;	/* the generation's: every generation lives until exit */
	enum kmw_format format;
	unsigned int generation; /* of the configuration the worker runs */
	int nsinks;
	char sink_name[OUTPUTS_MAX][128];
	struct kmw_sink_stats sink[OUTPUTS_MAX];
};

struct worker {
	bool ready; /* worker_init ran: there is something to finish */
	struct kmw_evqueue evq;
	const struct kmw_config *conf; /* the generation it runs */
	unsigned int generation;
	struct kmw_enricher *enricher; /* its second stage (the first is the main thread's) */
	struct outputs out;
	struct persist persist;
	struct recon recon;
	struct kmw_buf json[KMW_EVQUEUE_BATCH]; /* a batch's events in JSON: store and outputs */
	uint64_t enrich_gaveup;
	pthread_mutex_t view_lock;
	struct worker_view view; /* under view_lock */
};

/**
 * worker_init - @w for @conf (generation 1), nothing open yet.
 */
void worker_init(struct worker *w, const struct kmw_config *conf, struct kmw_enricher *enricher,
		 const struct kmw_host *facts);

/**
 * worker_open_outputs - the outputs of the configuration. Returns 0 or -errno (said).
 */
int worker_open_outputs(struct worker *w);

/* worker_add_output - one more output @s (owned from now on) in format @f; the tests' memory sink */
int worker_add_output(struct worker *w, struct kmw_sink *s, enum kmw_format f);

/**
 * worker_open_store - this boot, and the store of the configuration.
 */
void worker_open_store(struct worker *w);

/**
 * worker_catch_up - before the worker starts: the events of auditd's logs the store lacks,
 * then the module checks started. @logs_cover: auditd logged while kmodwatchd was down (it
 * runs beside it, or this is its plugin). @ctl, @rules_ours: for recon_start.
 */
void worker_catch_up(struct worker *w, bool logs_cover, int ctl, bool rules_ours);

/**
 * worker_start - the thread starts: from now on only it touches the outputs and the store.
 * Returns 0 or -errno (said).
 */
int worker_start(struct worker *w);

/* worker_push_event - an event (copied) to the worker; waits for room, never drops */
void worker_push_event(struct worker *w, const struct kmw_event *ev);

/* worker_push_gap - records lost in @g (copied): backfilled from auditd's logs */
void worker_push_gap(struct worker *w, const struct persist_gap *g);

/* worker_push_tick - a tick of the module checks (copied) */
void worker_push_tick(struct worker *w, const struct recon_tick *t);

/* worker_push_maintenance - the store's retention and a quiet checkpoint */
void worker_push_maintenance(struct worker *w);

/**
 * worker_push_config - a reload: generation @gen of the configuration, @conf, taken between
 * two events (the outputs opened again when @outputs, else reopened); NULL (a reload refused):
 * the outputs reopened only, as after a rotation.
 */
void worker_push_config(struct worker *w, const struct kmw_config *conf, unsigned int gen,
			bool outputs);

/* worker_waiting - items pushed and not yet taken */
unsigned int worker_waiting(struct worker *w);

/* worker_view - a copy of what the worker published last */
struct worker_view worker_view(struct worker *w);

/* worker_undelivered - messages of all outputs dropped or waiting; those waiting into @waiting */
uint64_t worker_undelivered(const struct worker_view *v, uint64_t *waiting);

/**
 * worker_stop - every item pushed is taken, then the thread ends; the outputs get their last
 * try, and the view its last copy. The main thread owns everything again.
 */
void worker_stop(struct worker *w);

/* worker_keep_gap - after worker_stop: a gap not backfilled waits in the store */
void worker_keep_gap(struct worker *w, const struct persist_gap *g);

void worker_fini(struct worker *w);

#endif
