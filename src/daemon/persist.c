// SPDX-License-Identifier: GPL-2.0-or-later
/* persist.c - the event store, its retention, the gaps and their backfill (persist.h) */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "kmw_clock.h"
#include "kmw_import.h"
#include "kmw_sysfs.h"
#include "log.h"
#include "persist.h"

void persist_open(struct persist *p, const struct kmw_config *conf, const struct kmw_host *facts)
{
	char err[512];
	long long btime;

	memset(p, 0, sizeof(*p));
	p->conf = conf;
	p->facts = facts;
	/* this boot: every event's id names it, stored or not */
	store_boot_id(p->boot_id, sizeof(p->boot_id));
	btime = sysfs_boot_time("/proc");
	p->boot_start_ms = btime * 1000;
	if (!conf->store)
		return;
	p->store = store_open(conf->store, true, err, sizeof(err));
	if (!p->store) {
		log_msg(LOG_ERR,
			"event store unavailable: %s; events still go to the outputs, and "
			"each one not stored is counted",
			err);
		return;
	}
	if (p->boot_id[0] && btime)
		store_note_boot(p->store, p->boot_id, btime * 1000);
}

void persist_defer_checkpoints(struct persist *p)
{
	if (p->store)
		store_defer_checkpoints(p->store);
}

void persist_set_config(struct persist *p, const struct kmw_config *conf)
{
	p->conf = conf;
}

/*
 * The boot an event belongs to: this one for what happened since it started, else the one
 * the store knows started last before it (a replayed log).
 */
static const char *boot_of(struct persist *p, const struct kmw_event *ev)
{
	int64_t t = ev->sec * 1000 + ev->msec;

	if (t >= p->boot_start_ms)
		return p->boot_id;
	if (!p->store)
		return "unknown";
	store_boot_for(p->store, t, p->boot_scratch, sizeof(p->boot_scratch));
	return p->boot_scratch;
}

const char *persist_stamp(struct persist *p, struct kmw_event *ev)
{
	const char *boot = boot_of(p, ev);

	ev->host = p->facts;
	/* another node's event (node=, through this auditd) did not happen in this boot */
	snprintf(ev->boot_id, sizeof(ev->boot_id), "%.*s", (int)sizeof(ev->boot_id) - 1,
		 strcmp(boot, "unknown") && event_is_local(ev) ? boot : "");
	return boot;
}

int persist_event(struct persist *p, const struct kmw_event *ev, const char *boot,
		  const struct kmw_buf *json)
{
	int rc;

	if (!p->conf->store)
		return 1;
	if (!p->store) {
		/* the first of them said why, once, in the log from persist_open */
		p->n.store_failures++;
		return -ENOENT;
	}
	if (!json) {
		p->n.store_failures++;
		return -ENOMEM;
	}
	/* one transaction for the events of a few ms: a commit per event writes each page of
	 * the table and its indexes again, and waits for it */
	if (!p->txn && store_begin(p->store) == 0) {
		p->txn = true;
		p->txn_ms = kmw_mono_ms();
		p->txn_events = 0;
		p->txn_stored_before = p->n.stored;
	}
	rc = store_insert(p->store, ev, boot, json->data, json->len);
	if (rc < 0) {
		p->n.store_failures++;
		if (p->n.store_failures == 1 || p->n.store_failures % 1000 == 0)
			log_msg(LOG_ERR,
				"cannot store event %llu: %s (%llu not stored; the outputs still "
				"get them)",
				(unsigned long long)ev->serial, store_error(p->store),
				(unsigned long long)p->n.store_failures);
		/* an error that ended the transaction took its events with it */
		if (p->txn && !store_in_transaction(p->store)) {
			p->n.store_failures += p->n.stored - p->txn_stored_before;
			p->n.stored = p->txn_stored_before;
			p->txn = false;
		}
	} else if (rc > 0) {
		p->n.stored++;
	}
	if (p->txn)
		p->txn_events++;
	return rc;
}

void persist_flush(struct persist *p, bool now, enum kmw_checkpoint when)
{
	unsigned int n = p->txn_events;

	if (p->txn && !now && kmw_mono_ms() - p->txn_ms < PERSIST_COMMIT_MS &&
	    p->txn_events < PERSIST_COMMIT_EVENTS)
		return;
	if (p->txn) {
		p->txn = false;
		if (store_commit(p->store) < 0) {
			p->n.store_failures += p->n.stored - p->txn_stored_before;
			p->n.stored = p->txn_stored_before;
			log_msg(LOG_ERR,
				"cannot store %u events: %s (%llu not stored; the outputs still "
				"get them)",
				n, store_error(p->store), (unsigned long long)p->n.store_failures);
		}
	}
	if (p->store && store_checkpoint(p->store, when) < 0)
		log_msg(LOG_ERR, "store checkpoint: %s", store_error(p->store));
}

void persist_retention(struct persist *p)
{
	const struct kmw_config *o = p->conf;
	int64_t before = o->retention_days
				 ? ((int64_t)time(NULL) - (int64_t)o->retention_days * 86400) * 1000
				 : 0;
	int n, total = 0;

	if (!p->store || (!before && !o->retention_mb))
		return;
	persist_flush(p, true, KMW_CKPT_QUIET);
	/* small batches, so that events never wait long behind the deletion */
	do {
		n = store_retention(p->store, before, (uint64_t)o->retention_mb << 20, 500);
		total += n > 0 ? n : 0;
	} while (n == 500 && total < 20000);
	if (n < 0)
		log_msg(LOG_ERR, "store retention: %s", store_error(p->store));
	else if (total)
		log_msg(LOG_INFO, "store retention removed %d old events", total);
}

struct recovered {
	struct persist *p;
	persist_recovered_fn fn;
	void *arg;
};

/* new to the store: missed while down, or lost on the way in */
static void on_recovered(const struct kmw_event *ev, const char *json, size_t len, void *arg)
{
	struct recovered *r = arg;

	(void)json;
	(void)len;
	r->p->n.stored++;
	r->fn(ev, r->arg);
}

/*
 * The module events of auditd's logs since @since_ms that the store lacks: stored, marked
 * historical, and to @fn. Returns 0 when the logs were read whole, -1 when there were none
 * or one failed.
 */
static int backfill(struct persist *p, int64_t since_ms, const char *why, persist_recovered_fn fn,
		    void *arg)
{
	const char *dirname = p->conf->backfill_dir;
	struct recovered r = { p, fn, arg };
	struct kmw_import_opts io = { .risk = &p->conf->risk,
				      .added = on_recovered,
				      .arg = &r,
				      .bad = log_bad_line,
				      .since_ms = since_ms };
	struct kmw_import_result im;
	char path[4096], *files[64];
	struct dirent *de;
	int n = 0, i;
	DIR *dir;

	if (!p->store || !dirname)
		return -1;
	persist_flush(p, true, KMW_CKPT_QUIET);
	dir = opendir(dirname);
	if (!dir)
		return -1; /* auditd does not log here: nothing to recover */
	while ((de = readdir(dir)) && n < 64)
		if (!strncmp(de->d_name, "audit.log", 9) &&
		    (!de->d_name[9] || de->d_name[9] == '.')) {
			snprintf(path, sizeof(path), "%s/%s", dirname, de->d_name);
			files[n] = strdup(path);
			if (files[n])
				n++;
		}
	closedir(dir);
	if (!n)
		return -1;
	import_logs(p->store, files, n, &io, &im);
	for (i = 0; i < n; i++)
		free(files[i]);
	p->n.recovered += im.added;
	p->n.store_failures += im.failed;
	log_msg(LOG_INFO,
		"backfill from %s %s: %llu module events since %lld ms, %llu recovered "
		"(stored now, marked historical)",
		dirname, why, (unsigned long long)im.seen, (long long)since_ms,
		(unsigned long long)im.added);
	return im.files_failed ? -1 : 0;
}

bool persist_backfill_at_start(struct persist *p, persist_recovered_fn fn, void *arg)
{
	int64_t newest = 0, gap, since;

	if (!p->store)
		return false;
	since = store_newest(p->store, &newest) == 0 ? newest - PERSIST_GAP_MARGIN_MS : 0;
	if (store_gap_oldest(p->store, &gap) == 0 && gap < since)
		since = gap;
	if (backfill(p, since, "at start", fn, arg) != 0)
		return false;
	store_gap_close(p->store, (int64_t)time(NULL) * 1000);
	return true;
}

void persist_recover(struct persist *p, const struct persist_gap *g, persist_recovered_fn fn,
		     void *arg)
{
	if (!p->store) {
		log_msg(LOG_WARNING,
			"records lost between %lld and %lld ms (%llu events by serial): "
			"no store to complete",
			(long long)g->from_ms, (long long)g->to_ms, (unsigned long long)g->lost);
		return;
	}
	persist_flush(p, true, KMW_CKPT_QUIET);
	if (store_gap_note(p->store, g->from_ms, g->to_ms, g->lost) < 0)
		log_msg(LOG_ERR, "store: %s", store_error(p->store));
	if (backfill(p, g->from_ms, "after records were lost", fn, arg) == 0) {
		p->n.gaps_backfilled++;
		if (store_gap_close(p->store, g->to_ms) < 0)
			log_msg(LOG_ERR, "store: %s", store_error(p->store));
	}
}

void persist_keep_gap(struct persist *p, const struct persist_gap *g)
{
	persist_flush(p, true, KMW_CKPT_QUIET);
	if (p->store && store_gap_note(p->store, g->from_ms, g->to_ms, g->lost) == 0)
		log_msg(LOG_INFO,
			"records were lost before exit: the next start backfills from %lld ms",
			(long long)g->from_ms);
}

void persist_close(struct persist *p)
{
	persist_flush(p, true, KMW_CKPT_QUIET);
	store_close(p->store);
	p->store = NULL;
}
