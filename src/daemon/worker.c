// SPDX-License-Identifier: GPL-2.0-or-later
/* worker.c - the worker thread: enrichment that can wait, the store, the outputs, the module
 * checks, reloads between two events (worker.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "worker.h"

/* A line the worker made itself (an alert): the store, then every output, like an event. */
static void emit(struct kmw_event *ev, void *arg)
{
	struct worker *w = arg;
	struct kmw_buf *json = &w->json[0];
	const char *boot = persist_stamp(&w->persist, ev);
	bool made;

	buf_reset(json);
	made = !format_json(json, ev);
	if (!made)
		log_msg(LOG_ERR, "out of memory formatting alert %llu",
			(unsigned long long)ev->serial);
	persist_event(&w->persist, ev, boot, made ? json : NULL);
	outputs_deliver(&w->out, ev, made ? json : NULL);
	persist_flush(&w->persist, false, KMW_CKPT_QUIET);
}

void worker_init(struct worker *w, const struct kmw_config *conf, struct kmw_enricher *enricher,
		 const struct kmw_host *facts)
{
	int i;

	memset(w, 0, sizeof(*w));
	w->ready = true;
	pthread_mutex_init(&w->view_lock, NULL);
	w->conf = conf;
	w->generation = 1;
	w->enricher = enricher;
	outputs_init(&w->out);
	/* a persist that holds nothing yet, for the checks to point at */
	w->persist.conf = conf;
	w->persist.facts = facts;
	recon_init(&w->recon, conf, &w->persist, enricher, facts->name, emit, w);
	for (i = 0; i < KMW_EVQUEUE_BATCH; i++)
		buf_init(&w->json[i]);
}

int worker_open_outputs(struct worker *w)
{
	return outputs_open(&w->out, w->conf);
}

int worker_add_output(struct worker *w, struct kmw_sink *s, enum kmw_format f)
{
	return outputs_add(&w->out, s, f);
}

void worker_open_store(struct worker *w)
{
	persist_open(&w->persist, w->conf, w->persist.facts);
	w->out.stored = w->persist.store != NULL;
}

/* new to the store from auditd's logs: the outputs and the checks get it as well */
static void on_recovered(const struct kmw_event *ev, void *arg)
{
	struct worker *w = arg;

	outputs_deliver(&w->out, ev, NULL);
	recon_event(&w->recon, ev);
}

void worker_catch_up(struct worker *w, bool logs_cover, int ctl, bool rules_ours)
{
	bool filled = persist_backfill_at_start(&w->persist, on_recovered, w);

	recon_start(&w->recon, filled && logs_cover, ctl, rules_ours);
}

static void publish(struct worker *w)
{
	struct worker_view *v = &w->view;
	int i;

	pthread_mutex_lock(&w->view_lock);
	v->out = w->out.count;
	v->store = w->persist.n;
	v->checks = w->recon.n;
	v->enrich_gaveup = w->enrich_gaveup;
	v->output = w->conf->output;
	v->format = w->conf->format;
	v->generation = w->generation;
	v->nsinks = w->out.n;
	for (i = 0; i < w->out.n; i++) {
		snprintf(v->sink_name[i], sizeof(v->sink_name[i]), "%s",
			 sink_name(w->out.sinks[i]));
		sink_stats(w->out.sinks[i], &v->sink[i]);
	}
	pthread_mutex_unlock(&w->view_lock);
}

/* A reload's generation: the outputs opened again with it (or reopened), the rest taken. */
struct reload {
	const struct kmw_config *conf;
	unsigned int generation;
	bool outputs;
};

static void take_config(struct worker *w, const struct reload *r)
{
	if (!r->conf) {
		outputs_reopen(&w->out);
		return;
	}
	w->conf = r->conf;
	w->generation = r->generation;
	enrich_set_risk(w->enricher, &r->conf->risk);
	persist_set_config(&w->persist, r->conf);
	recon_set_config(&w->recon, r->conf);
	/* reopened either way: a SIGHUP after a rotation must find the new file */
	if (!r->outputs || outputs_swap(&w->out, r->conf))
		outputs_reopen(&w->out);
}

/*
 * Hashes, files, /sys, risk; then the store, then the outputs, in capture order. The store
 * takes the events of a few ms in one transaction (persist_flush): an output may have an event
 * the store commits a moment later, and a kill -9 costs the store that moment at most.
 */
static void take_events(struct worker *w, struct kmw_item **items, unsigned int n)
{
	bool json, made[KMW_EVQUEUE_BATCH];
	unsigned int k;

	for (k = 0; k < n; k++) {
		enrich_finish(w->enricher, items[k]->ev);
		if (items[k]->ev->nskipped)
			w->enrich_gaveup++;
	}
	json = w->persist.store != NULL || outputs_wants_json(&w->out);
	for (k = 0; k < n; k++) {
		/* one JSON for the store and the JSON outputs */
		const char *boot = persist_stamp(&w->persist, items[k]->ev);

		buf_reset(&w->json[k]);
		made[k] = json && !format_json(&w->json[k], items[k]->ev);
		if (json && !made[k])
			log_msg(LOG_ERR, "out of memory formatting event %llu",
				(unsigned long long)items[k]->ev->serial);
		persist_event(&w->persist, items[k]->ev, boot, made[k] ? &w->json[k] : NULL);
	}
	outputs_begin(&w->out);
	for (k = 0; k < n; k++) {
		outputs_deliver(&w->out, items[k]->ev, made[k] ? &w->json[k] : NULL);
		recon_event(&w->recon, items[k]->ev);
	}
	outputs_end(&w->out);
	/* the write-ahead log is copied into the store once the events are out */
	persist_flush(&w->persist, false, n > 1 ? KMW_CKPT_BUSY : KMW_CKPT_QUIET);
}

static void on_items(struct kmw_item **items, unsigned int n, void *arg)
{
	struct worker *w = arg;
	struct kmw_item *it = items[0];

	switch (it->kind) {
	case KMW_ITEM_MAINTENANCE:
		persist_retention(&w->persist);
		persist_flush(&w->persist, true, KMW_CKPT_QUIET);
		break;
	case KMW_ITEM_BACKFILL:
		persist_recover(&w->persist, it->ptr, on_recovered, w);
		free(it->ptr);
		break;
	case KMW_ITEM_INVENTORY:
		recon_tick(&w->recon, it->ptr);
		free(it->ptr);
		break;
	case KMW_ITEM_CONFIG:
		take_config(w, it->ptr);
		free(it->ptr);
		break;
	case KMW_ITEM_REOPEN: outputs_reopen(&w->out); break;
	default: take_events(w, items, n); break;
	}
	publish(w);
}

static void on_tick(void *arg)
{
	struct worker *w = arg;

	/* idle: the events of the transaction committed, and what a busy spell left in the
	 * write-ahead log copied into the store */
	persist_flush(&w->persist, true, KMW_CKPT_IDLE);
	outputs_tick(&w->out);
	publish(w);
}

int worker_start(struct worker *w)
{
	int rc;

	persist_defer_checkpoints(&w->persist);
	publish(w);
	rc = evqueue_start(&w->evq, WORKER_SLOTS, on_items, w);
	if (rc) {
		log_msg(LOG_ERR, "cannot start the enrichment thread: %s", strerror(-rc));
		return rc;
	}
	/* idle this long: the transaction is committed (PERSIST_COMMIT_MS) */
	evqueue_set_tick(&w->evq, on_tick, PERSIST_COMMIT_MS);
	return 0;
}

void worker_push_event(struct worker *w, const struct kmw_event *ev)
{
	evqueue_push(&w->evq, KMW_ITEM_EVENT, ev);
}

/* a control item carrying a copy of @len bytes of @p; none when out of memory (the next tick
 * brings another) */
static void push_copy(struct worker *w, enum kmw_item_kind kind, const void *p, size_t len)
{
	void *copy = malloc(len);

	if (!copy)
		return;
	memcpy(copy, p, len);
	evqueue_push_ptr(&w->evq, kind, copy);
}

void worker_push_gap(struct worker *w, const struct persist_gap *g)
{
	push_copy(w, KMW_ITEM_BACKFILL, g, sizeof(*g));
}

void worker_push_tick(struct worker *w, const struct recon_tick *t)
{
	push_copy(w, KMW_ITEM_INVENTORY, t, sizeof(*t));
}

void worker_push_maintenance(struct worker *w)
{
	evqueue_push(&w->evq, KMW_ITEM_MAINTENANCE, NULL);
}

void worker_push_config(struct worker *w, const struct kmw_config *conf, unsigned int gen,
			bool outputs)
{
	struct reload r = { conf, gen, outputs };

	if (!conf) {
		evqueue_push(&w->evq, KMW_ITEM_REOPEN, NULL);
		return;
	}
	push_copy(w, KMW_ITEM_CONFIG, &r, sizeof(r));
}

unsigned int worker_waiting(struct worker *w)
{
	return evqueue_waiting(&w->evq);
}

struct worker_view worker_view(struct worker *w)
{
	struct worker_view v;

	pthread_mutex_lock(&w->view_lock);
	v = w->view;
	pthread_mutex_unlock(&w->view_lock);
	return v;
}

uint64_t worker_undelivered(const struct worker_view *v, uint64_t *waiting)
{
	uint64_t n = 0, wt = 0;
	int i;

	for (i = 0; i < v->nsinks; i++) {
		n += v->sink[i].dropped + v->sink[i].queued;
		wt += v->sink[i].queued;
	}
	if (waiting)
		*waiting = wt;
	return n;
}

void worker_stop(struct worker *w)
{
	evqueue_stop(&w->evq);
	persist_flush(&w->persist, true, KMW_CKPT_QUIET);
	/* the outputs get their last try first, so that the stopping line is the final count */
	outputs_drain(&w->out, 2000);
	publish(w);
}

void worker_keep_gap(struct worker *w, const struct persist_gap *g)
{
	persist_keep_gap(&w->persist, g);
}

void worker_fini(struct worker *w)
{
	int i;

	if (!w->ready)
		return;
	evqueue_stop(&w->evq);
	recon_fini(&w->recon);
	outputs_close(&w->out, w->persist.store != NULL);
	persist_close(&w->persist);
	for (i = 0; i < KMW_EVQUEUE_BATCH; i++)
		buf_free(&w->json[i]);
	pthread_mutex_destroy(&w->view_lock);
}
