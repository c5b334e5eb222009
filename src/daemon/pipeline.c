// SPDX-License-Identifier: GPL-2.0-or-later
/* pipeline.c - the worker thread: enrichment that can wait, the store and its retention,
 * backfill from auditd's logs, the outputs (opened, swapped on reload, retried), and the
 * view of them it publishes for the main thread */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "kmw_format.h"
#include "kmw_import.h"
#include "kmw_sink_syslog.h"
#include "kmw_sysfs.h"
#include "kmodwatchd.h"

/*
 * Every event goes to the store first (see on_items for the transaction). A store that
 * cannot take it (read-only, full, missing) costs the event nothing else: it
 * is counted and the outputs still get it. Returns 1 new, 0 duplicate, <0 error.
 */
static int store_event(struct daemon *d, const struct kmw_event *ev, const char *boot_id,
		       const struct kmw_buf *json)
{
	int rc;

	if (!d->o.store)
		return 1;
	if (!d->store) {
		/* the first of them says why, once, in the log from open_store */
		d->wc.store_failures++;
		return -ENOENT;
	}
	if (!json) {
		d->wc.store_failures++;
		return -ENOMEM;
	}
	rc = store_insert(d->store, ev, boot_id, json->data, json->len);
	if (rc < 0) {
		d->wc.store_failures++;
		if (d->wc.store_failures == 1 || d->wc.store_failures % 1000 == 0)
			log_msg(LOG_ERR, "cannot store event %llu: %s (%llu not stored; the outputs still "
				"get them)", (unsigned long long)ev->serial, store_error(d->store),
				(unsigned long long)d->wc.store_failures);
	} else if (rc > 0) {
		d->wc.stored++;
	}
	return rc;
}

static void apply_retention(struct daemon *d)
{
	int64_t before = d->o.retention_days ?
			 ((int64_t)time(NULL) - (int64_t)d->o.retention_days * 86400) * 1000 : 0;
	int n, total = 0;

	if (!d->store || (!before && !d->o.retention_mb))
		return;
	/* small batches, so that events never wait long behind the deletion */
	do {
		n = store_retention(d->store, before, (uint64_t)d->o.retention_mb << 20, 500);
		total += n > 0 ? n : 0;
	} while (n == 500 && total < 20000);
	if (n < 0)
		log_msg(LOG_ERR, "store retention: %s", store_error(d->store));
	else if (total)
		log_msg(LOG_INFO, "store retention removed %d old events", total);
}

/*
 * The boot an event belongs to: this one for what happened since it started,
 * else the one the store knows started last before it (a replayed log).
 */
static const char *boot_of(struct daemon *d, const struct kmw_event *ev)
{
	int64_t t = ev->sec * 1000 + ev->msec;

	if (t >= d->boot_start_ms)
		return d->boot_id;
	if (!d->store)
		return "unknown";
	store_boot_for(d->store, t, d->boot_scratch, sizeof(d->boot_scratch));
	return d->boot_scratch;
}

/* Who saw @ev: this host, and its boot (for its id); the same for every output and the store. */
static const char *stamp(struct daemon *d, struct kmw_event *ev)
{
	const char *boot = boot_of(d, ev);

	ev->host = &d->facts;
	/* another node's event (node=, through this auditd) did not happen in this boot */
	snprintf(ev->boot_id, sizeof(ev->boot_id), "%.*s", (int)sizeof(ev->boot_id) - 1,
		 strcmp(boot, "unknown") && event_is_local(ev) ? boot : "");
	return boot;
}

/* A sink that was down and has delivered all it kept: said once. */
static void sink_recovered(struct daemon *d, int i)
{
	if (!d->sink_down[i] || !sink_up(d->sinks[i]))
		return;
	d->sink_down[i] = false;
	log_msg(LOG_INFO, "%s: delivering again; nothing waits", sink_name(d->sinks[i]));
}

/* A sink that fails (not one merely busy, or connecting): said once, until it recovers. */
static void sink_failing(struct daemon *d, int i)
{
	struct kmw_sink_stats st;

	sink_stats(d->sinks[i], &st);
	if (d->sink_down[i] || !st.last_error || st.last_error == -EAGAIN ||
	    st.last_error == -EINPROGRESS)
		return;
	log_msg(LOG_ERR, "%s: cannot deliver now (%s): events kept to retry",
		sink_name(d->sinks[i]), st.why[0] ? st.why : strerror(-st.last_error));
	d->sink_down[i] = true;
}

/* What a sink's answer says: a failure is logged when it starts, a recovery when it ends. */
static void sink_result(struct daemon *d, int i, int rc)
{
	struct kmw_sink_stats st;

	if (!rc) {
		sink_recovered(d, i);
		return;
	}
	sink_stats(d->sinks[i], &st);
	if (rc == -ENOBUFS && (st.dropped == 1 || st.dropped % 1000 == 0))
		log_msg(LOG_ERR, "%s: queue full, %llu events dropped so far%s",
			sink_name(d->sinks[i]), (unsigned long long)st.dropped,
			d->store ? " (the store has them)" : "");
	if (rc > 0 || rc == -ENOBUFS)
		sink_failing(d, i);
}

/*
 * To every output, in the format each wants, each format made once (the JSON
 * may come made: @json, or NULL). A sink that cannot take it now keeps it and
 * retries; nothing here waits on it. In a batch (deliver_begin), a file takes
 * the events at deliver_end, with one write.
 */
static void deliver(struct daemon *d, const struct kmw_event *ev, const struct kmw_buf *json)
{
	bool made[3] = { false, false, false };
	int i, rc;

	if (ev->kind == KMW_KIND_SUMMARY)
		d->wc.summaries++;
	else if (ev->kind == KMW_KIND_ALERT)
		d->wc.alerts++;
	else
		d->wc.events++;
	made[KMW_FMT_JSON] = json != NULL;
	for (i = 0; i < d->nsinks; i++) {
		enum kmw_format f = d->fmt[i];
		const struct kmw_buf *b = f == KMW_FMT_JSON && json ? json : &d->body[f];

		if (!made[f]) {
			buf_reset(&d->body[f]);
			if (format_event(&d->body[f], f, ev)) {
				log_msg(LOG_ERR, "out of memory formatting event %llu",
					(unsigned long long)ev->serial);
				continue;
			}
			made[f] = true;
		}
		/* the sink frames it: without our newline */
		rc = sink_emit(d->sinks[i], ev, b->data, b->len ? b->len - 1 : 0);
		if (rc || !d->sinks_batching)
			sink_result(d, i, rc);
	}
}

static void deliver_begin(struct daemon *d)
{
	int i;

	for (i = 0; i < d->nsinks; i++)
		sink_batch_begin(d->sinks[i]);
	d->sinks_batching = true;
}

static void deliver_end(struct daemon *d)
{
	int i;

	d->sinks_batching = false;
	for (i = 0; i < d->nsinks; i++) {
		int rc = sink_batch_end(d->sinks[i]);

		/* nothing collected (it all went to the retry queue): its state is as emit left it */
		if (rc != -ENODATA)
			sink_result(d, i, rc);
	}
}

static void on_tick(void *arg)
{
	struct daemon *d = arg;
	int i;

	/* idle: what a busy spell left in the write-ahead log goes into the store now */
	if (d->store && store_checkpoint(d->store, KMW_CKPT_IDLE) < 0)
		log_msg(LOG_ERR, "store checkpoint: %s", store_error(d->store));
	for (i = 0; i < d->nsinks; i++) {
		sink_tick(d->sinks[i]);
		/* also a connection that failed with nothing waiting on it */
		if (sink_up(d->sinks[i]))
			sink_recovered(d, i);
		else
			sink_failing(d, i);
	}
	pipeline_publish(d);
}

static int add_sink(struct daemon *d, const struct kmw_sink_conf *c, enum kmw_format f)
{
	struct kmw_sink *s;

	if (d->nsinks == (int)(sizeof(d->sinks) / sizeof(d->sinks[0])))
		return -ENOSPC;
	s = sink_new(c);
	if (!s)
		return -errno;
	d->fmt[d->nsinks] = f;
	d->sinks[d->nsinks++] = s;
	return 0;
}

/* The outputs from the options. A main output file that cannot be opened is fatal. */
int pipeline_open_sinks(struct daemon *d)
{
	struct kmw_sink_conf c = { 0 };
	struct group *gr;
	int i, rc;

	c.kind = KMW_SINK_FILE;
	c.target = d->o.output;
	c.format = d->o.format;
	c.prefix = d->o.output_prefix;
	c.rotate_bytes = (uint64_t)d->o.rotate_mb << 20;
	c.rotate_keep = d->o.rotate_keep;
	c.group = (gid_t)-1;
	if (d->o.output_group) {
		gr = getgrnam(d->o.output_group);
		if (!gr) {
			log_msg(LOG_ERR, "no group '%s' for --output-group", d->o.output_group);
			return -EINVAL;
		}
		c.group = gr->gr_gid;
	}
	rc = add_sink(d, &c, d->o.format);
	if (!rc && sink_stats_failed_open(d->sinks[d->nsinks - 1], &rc) && rc) {
		log_msg(LOG_ERR, "cannot open output %s: %s%s", d->o.output, strerror(-rc),
			rc == -ELOOP ? " (a symlink: refused)" : "");
		return rc;
	}
	for (i = 0; i < d->o.nsyslog; i++) {
		struct kmw_sink_stats st;
		char why[300];

		if (sink_syslog_check(d->o.syslog[i], true, why, sizeof(why))) {
			log_msg(LOG_ERR, "bad --syslog '%s': %s", d->o.syslog[i], why);
			return -EINVAL;
		}
		if (sink_tls_check(d->o.syslog[i], d->o.syslog_ca, d->o.syslog_cert, d->o.syslog_key,
				   d->o.syslog_tls_min, d->o.syslog_ciphers, why, sizeof(why))) {
			log_msg(LOG_ERR, "bad --syslog '%s': %s", d->o.syslog[i], why);
			return -EINVAL;
		}
		memset(&c, 0, sizeof(c));
		c.kind = KMW_SINK_SYSLOG;
		c.target = d->o.syslog[i];
		c.format = d->o.syslog_format;
		c.rfc = d->o.syslog_rfc;
		c.facility = d->o.syslog_facility;
		c.severity = d->o.syslog_severity;
		c.app_name = d->o.syslog_app;
		c.tls_ca = d->o.syslog_ca;
		c.tls_cert = d->o.syslog_cert;
		c.tls_key = d->o.syslog_key;
		c.tls_peer_name = d->o.syslog_peer_name;
		c.tls_min = d->o.syslog_tls_min;
		c.tls_ciphers = d->o.syslog_ciphers;
		rc = add_sink(d, &c, d->o.syslog_format);
		if (rc) {
			log_msg(LOG_ERR, "bad --syslog '%s': %s", d->o.syslog[i], strerror(-rc));
			return rc;
		}
		/* not fatal: the collector may come (or mend its certificate); events wait */
		if (sink_stats_failed_open(d->sinks[d->nsinks - 1], &rc) && rc) {
			sink_stats(d->sinks[d->nsinks - 1], &st);
			log_msg(LOG_ERR, "%s: cannot deliver now (%s): events kept to retry",
				sink_name(d->sinks[d->nsinks - 1]), st.why[0] ? st.why : strerror(-rc));
			d->sink_down[d->nsinks - 1] = true;
		}
	}
	if (d->o.journald) {
		memset(&c, 0, sizeof(c));
		c.kind = KMW_SINK_JOURNAL;
		c.format = KMW_FMT_JSON;
		c.severity = -1;
		c.app_name = d->o.syslog_app;
		rc = add_sink(d, &c, KMW_FMT_JSON);
		if (rc) {
			log_msg(LOG_ERR, "--journald: %s", rc == -ENOTSUP ?
				"this build has no libsystemd" : strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Worker thread: take a reloaded configuration's outputs, risk levels and retention. */
static void apply_config(struct daemon *d, struct kmw_config *n)
{
	struct kmw_sink *old[8];
	int nold = d->nsinks, i;

	memcpy(old, d->sinks, sizeof(old));
	d->nsinks = 0;
	d->o.output = n->output;
	d->o.format = n->format;
	d->o.output_prefix = n->output_prefix;
	d->o.rotate_mb = n->rotate_mb;
	d->o.rotate_keep = n->rotate_keep;
	d->o.output_group = n->output_group;
	memcpy(d->o.syslog, n->syslog, sizeof(d->o.syslog));
	d->o.nsyslog = n->nsyslog;
	d->o.syslog_rfc = n->syslog_rfc;
	d->o.syslog_facility = n->syslog_facility;
	d->o.syslog_severity = n->syslog_severity;
	d->o.syslog_app = n->syslog_app;
	d->o.syslog_format = n->syslog_format;
	d->o.journald = n->journald;
	d->o.retention_days = n->retention_days;
	d->o.retention_mb = n->retention_mb;
	d->o.risk = n->risk;
	enrich_set_risk(d->enricher, &n->risk);
	/* its strings are in use from now on: keep it until exit */
	n->older = d->o.older;
	d->o.older = n;
	if (pipeline_open_sinks(d)) {
		/* the new outputs cannot be had: keep the old ones */
		for (i = 0; i < d->nsinks; i++)
			sink_free(d->sinks[i]);
		memcpy(d->sinks, old, sizeof(old));
		d->nsinks = nold;
		log_msg(LOG_ERR, "configuration reload: the new outputs cannot be opened; the old stay");
		return;
	}
	for (i = 0; i < nold; i++) {
		sink_drain(old[i], 1000);
		sink_free(old[i]);
	}
	memset(d->sink_down, 0, sizeof(d->sink_down));
	log_msg(LOG_INFO, "configuration reloaded: %d output(s)", d->nsinks);
}

/* new to the store: missed while down; the outputs get it as well */
static void on_recovered(const struct kmw_event *ev, const char *json, size_t len, void *arg)
{
	struct daemon *d = arg;

	d->wc.stored++;
	deliver(d, ev, NULL);
	reconcile_event(d, ev);
}

/*
 * The module events of auditd's logs since @since_ms that the store lacks:
 * stored, marked historical, and sent to the outputs. Returns 0 when the logs
 * were read whole, -1 when there were none or one failed.
 */
static int backfill(struct daemon *d, int64_t since_ms, const char *why)
{
	struct kmw_import_opts io = { .risk = &d->o.risk, .added = on_recovered, .arg = d,
				      .bad = intake_bad_line, .since_ms = since_ms };
	struct kmw_import_result im;
	char path[4096], *files[64];
	struct dirent *de;
	int n = 0, i;
	DIR *dir;

	if (!d->store || !d->o.backfill_dir)
		return -1;
	dir = opendir(d->o.backfill_dir);
	if (!dir)
		return -1;	/* auditd does not log here: nothing to recover */
	while ((de = readdir(dir)) && n < 64)
		if (!strncmp(de->d_name, "audit.log", 9) && (!de->d_name[9] || de->d_name[9] == '.')) {
			snprintf(path, sizeof(path), "%s/%s", d->o.backfill_dir, de->d_name);
			files[n] = strdup(path);
			if (files[n])
				n++;
		}
	closedir(dir);
	if (!n)
		return -1;
	import_logs(d->store, files, n, &io, &im);
	for (i = 0; i < n; i++)
		free(files[i]);
	d->wc.recovered += im.added;
	d->wc.store_failures += im.failed;
	log_msg(LOG_INFO, "backfill from %s %s: %llu module events since %lld ms, %llu recovered "
		"(stored now, marked historical)", d->o.backfill_dir, why,
		(unsigned long long)im.seen, (long long)since_ms, (unsigned long long)im.added);
	return im.files_failed ? -1 : 0;
}

/* Worker: the gap is kept in the store until a backfill covers it. */
static void recover_gap(struct daemon *d, const struct gap *g)
{
	if (!d->store) {
		log_msg(LOG_WARNING, "records lost between %lld and %lld ms (%llu events by serial): "
			"no store to complete", (long long)g->from_ms, (long long)g->to_ms,
			(unsigned long long)g->lost);
		return;
	}
	if (store_gap_note(d->store, g->from_ms, g->to_ms, g->lost) < 0)
		log_msg(LOG_ERR, "store: %s", store_error(d->store));
	if (backfill(d, g->from_ms, "after records were lost") == 0) {
		d->wc.gaps_backfilled++;
		if (store_gap_close(d->store, g->to_ms) < 0)
			log_msg(LOG_ERR, "store: %s", store_error(d->store));
	}
}

/*
 * Worker thread: hashes, files, /sys, risk; then the store, then the outputs,
 * in capture order. Events that waited together are committed together (one
 * alone when the worker keeps up), and no output has an event before the
 * store does.
 */
static void take_items(struct kmw_item **items, unsigned int n, void *arg)
{
	struct daemon *d = arg;
	struct kmw_item *it = items[0];
	uint64_t stored_before = d->wc.stored;
	bool group, json, made[KMW_EVQUEUE_BATCH];
	unsigned int k;
	int rc, i;

	if (it->kind == KMW_ITEM_MAINTENANCE) {
		apply_retention(d);
		if (d->store)
			store_checkpoint(d->store, KMW_CKPT_QUIET);
		return;
	}
	if (it->kind == KMW_ITEM_BACKFILL) {
		recover_gap(d, it->ptr);
		free(it->ptr);
		return;
	}
	if (it->kind == KMW_ITEM_INVENTORY) {
		reconcile_tick(d, it->ptr);
		free(it->ptr);
		return;
	}
	if (it->kind == KMW_ITEM_REOPEN && it->ptr) {
		/* the strings of a configuration stay for the life of the process */
		apply_config(d, it->ptr);
		return;
	}
	if (it->kind == KMW_ITEM_REOPEN) {
		for (i = 0; i < d->nsinks; i++) {
			rc = sink_reopen(d->sinks[i]);
			if (rc)
				log_msg(LOG_ERR, "cannot reopen %s: %s", sink_name(d->sinks[i]), strerror(-rc));
		}
		log_msg(LOG_INFO, "outputs reopened");
		return;
	}
	for (k = 0; k < n; k++) {
		enrich_finish(d->enricher, &items[k]->ev);
		if (items[k]->ev.nskipped)
			d->wc.enrich_gaveup++;
	}
	group = n > 1 && d->store && store_begin(d->store) == 0;
	for (i = 0, json = d->store != NULL; i < d->nsinks && !json; i++)
		json = d->fmt[i] == KMW_FMT_JSON;
	for (k = 0; k < n; k++) {
		/* one JSON for the store and the JSON outputs */
		const char *boot = stamp(d, &items[k]->ev);

		buf_reset(&d->json[k]);
		made[k] = json && !format_json(&d->json[k], &items[k]->ev);
		if (json && !made[k])
			log_msg(LOG_ERR, "out of memory formatting event %llu",
				(unsigned long long)items[k]->ev.serial);
		store_event(d, &items[k]->ev, boot, made[k] ? &d->json[k] : NULL);
	}
	if (group && (rc = store_commit(d->store)) < 0) {
		d->wc.store_failures += d->wc.stored - stored_before;
		d->wc.stored = stored_before;
		log_msg(LOG_ERR, "cannot store %u events: %s (%llu not stored; the outputs still get "
			"them)", n, store_error(d->store), (unsigned long long)d->wc.store_failures);
	}
	deliver_begin(d);
	for (k = 0; k < n; k++) {
		deliver(d, &items[k]->ev, made[k] ? &d->json[k] : NULL);
		reconcile_event(d, &items[k]->ev);
	}
	deliver_end(d);
	/* the write-ahead log is copied into the store once the events are out */
	if (d->store && store_checkpoint(d->store, n > 1 ? KMW_CKPT_BUSY : KMW_CKPT_QUIET) < 0)
		log_msg(LOG_ERR, "store checkpoint: %s", store_error(d->store));
}

/* A line the worker made itself (an alert): the store, then every output, like an event. */
void pipeline_emit(struct daemon *d, struct kmw_event *ev)
{
	struct kmw_buf *json = &d->json[0];
	const char *boot = stamp(d, ev);
	bool made;

	buf_reset(json);
	made = !format_json(json, ev);
	if (!made)
		log_msg(LOG_ERR, "out of memory formatting alert %llu", (unsigned long long)ev->serial);
	store_event(d, ev, boot, made ? json : NULL);
	deliver(d, ev, made ? json : NULL);
	if (d->store && store_checkpoint(d->store, KMW_CKPT_QUIET) < 0)
		log_msg(LOG_ERR, "store checkpoint: %s", store_error(d->store));
}

static void on_items(struct kmw_item **items, unsigned int n, void *arg)
{
	take_items(items, n, arg);
	pipeline_publish(arg);
}

void pipeline_publish(struct daemon *d)
{
	int i;

	pthread_mutex_lock(&d->view_lock);
	d->view.c = d->wc;
	d->view.output = d->o.output;
	d->view.format = d->o.format;
	d->view.nsinks = d->nsinks;
	for (i = 0; i < d->nsinks; i++) {
		snprintf(d->view.sink_name[i], sizeof(d->view.sink_name[i]), "%s",
			 sink_name(d->sinks[i]));
		sink_stats(d->sinks[i], &d->view.sink[i]);
	}
	pthread_mutex_unlock(&d->view_lock);
}

struct worker_view pipeline_view(struct daemon *d)
{
	struct worker_view v;

	pthread_mutex_lock(&d->view_lock);
	v = d->view;
	pthread_mutex_unlock(&d->view_lock);
	return v;
}

/* Undelivered messages of all outputs: dropped, and waiting now. */
uint64_t pipeline_undelivered(const struct worker_view *v, uint64_t *waiting)
{
	uint64_t n = 0, w = 0;
	int i;

	for (i = 0; i < v->nsinks; i++) {
		n += v->sink[i].dropped + v->sink[i].queued;
		w += v->sink[i].queued;
	}
	if (waiting)
		*waiting = w;
	return n;
}

/*
 * At start: from a little before the newest stored event, or the oldest gap left open.
 * Returns whether auditd's logs were read whole since then: the time kmodwatchd was down
 * is covered.
 */
bool pipeline_backfill_at_start(struct daemon *d)
{
	int64_t newest = 0, gap;
	int64_t since;

	if (!d->store)
		return false;
	since = store_newest(d->store, &newest) == 0 ? newest - GAP_MARGIN_MS : 0;
	if (store_gap_oldest(d->store, &gap) == 0 && gap < since)
		since = gap;
	if (backfill(d, since, "at start") != 0)
		return false;
	store_gap_close(d->store, (int64_t)time(NULL) * 1000);
	return true;
}

void pipeline_open_store(struct daemon *d)
{
	char err[512];
	long long btime;

	/* this boot: every event's id names it, stored or not */
	store_boot_id(d->boot_id, sizeof(d->boot_id));
	btime = sysfs_boot_time("/proc");
	d->boot_start_ms = btime * 1000;
	if (!d->o.store)
		return;
	d->store = store_open(d->o.store, true, err, sizeof(err));
	if (!d->store) {
		log_msg(LOG_ERR, "event store unavailable: %s; events still go to the outputs, and "
			"each one not stored is counted", err);
		return;
	}
	if (d->boot_id[0] && btime)
		store_note_boot(d->store, d->boot_id, btime * 1000);
}

void pipeline_init(struct daemon *d)
{
	int i;

	/* unknown until the module checks read them */
	d->wc.posture = (struct kmw_posture){ -1, -1, -1, -1 };
	for (i = 0; i < 3; i++)
		buf_init(&d->body[i]);
	for (i = 0; i < KMW_EVQUEUE_BATCH; i++)
		buf_init(&d->json[i]);
}

/* The worker starts: from now on only it touches the outputs and the store. */
int pipeline_start(struct daemon *d)
{
	int rc;

	/* the worker checkpoints once the events are out (on_items), not before */
	if (d->store)
		store_defer_checkpoints(d->store);
	pipeline_publish(d);
	rc = evqueue_start(&d->evq, EVQUEUE_SLOTS, on_items, d);
	if (rc) {
		log_msg(LOG_ERR, "cannot start the enrichment thread: %s", strerror(-rc));
		return rc;
	}
	evqueue_set_tick(&d->evq, on_tick, 200);
	return 0;
}

/* After the worker: the outputs' last try, then everything the worker owned goes. */
void pipeline_fini(struct daemon *d)
{
	bool stored;
	int i;

	reconcile_fini(d);
	stored = d->store != NULL;
	store_close(d->store);
	d->store = NULL;
	for (i = 0; i < d->nsinks; i++) {
		uint64_t left = sink_drain(d->sinks[i], 2000);

		if (left)
			log_msg(LOG_ERR, "%s: %llu events could not be delivered before exit%s",
				sink_name(d->sinks[i]), (unsigned long long)left,
				stored ? " (the store has them)" : "");
		sink_free(d->sinks[i]);
	}
	d->nsinks = 0;
	for (i = 0; i < 3; i++)
		buf_free(&d->body[i]);
	for (i = 0; i < KMW_EVQUEUE_BATCH; i++)
		buf_free(&d->json[i]);
}
