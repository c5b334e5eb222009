/* SPDX-License-Identifier: GPL-2.0-or-later */
/* persist.h - what the daemon keeps: the event store (each event stamped with this host and
 * its boot, stored before any output has it), its retention, the gaps of records lost on the
 * way in, and their backfill from auditd's logs. Worker thread, once the worker runs; the
 * main thread before it starts and after it stopped. */
#ifndef KMWD_PERSIST_H
#define KMWD_PERSIST_H

#include <stdbool.h>
#include <stdint.h>

#include "kmw_buf.h"
#include "kmw_config.h"
#include "kmw_event.h"
#include "kmw_host.h"
#include "kmw_store.h"

/* auditd's log has a lost event within a few seconds; a gap starts this much before */
#define PERSIST_GAP_MARGIN_MS 2000
/* events go into the store in one transaction, committed this often, or at this many: what a
 * kill -9 of kmodwatchd can cost the store (the outputs have them, and auditd's log for the
 * backfill), doc/store.md */
#define PERSIST_COMMIT_MS 50
#define PERSIST_COMMIT_EVENTS 1000

/* Records lost on the way in, between two times: recovered from auditd's logs. */
struct persist_gap {
	int64_t from_ms, to_ms;
	uint64_t lost;
};

struct persist_counts {
	uint64_t stored, store_failures;
	uint64_t recovered; /* backfilled from auditd's logs */
	uint64_t gaps_backfilled;
};

struct persist {
	const struct kmw_config *conf; /* the generation in force (retention, backfill-dir) */
	const struct kmw_host *facts;  /* this host, stamped on every event */
	struct kmw_store *store;       /* NULL: none (or it could not be opened) */
	char boot_id[40];	       /* this boot */
	int64_t boot_start_ms;
	char boot_scratch[64];
	struct persist_counts n;
	/* the transaction open, since when, with how many events */
	bool txn;
	int64_t txn_ms;
	unsigned int txn_events;
	uint64_t txn_stored_before;
};

/* an event of auditd's logs new to the store: the outputs and the module checks get it too */
typedef void (*persist_recovered_fn)(const struct kmw_event *ev, void *arg);

/**
 * persist_open - this boot's id and start; the store of @conf, when it names one (one that
 * cannot be opened is said, and each event not stored is counted).
 */
void persist_open(struct persist *p, const struct kmw_config *conf, const struct kmw_host *facts);

/* persist_defer_checkpoints - from now on the worker checkpoints, once the events are out */
void persist_defer_checkpoints(struct persist *p);

/* persist_set_config - the generation in force from now on (a reload) */
void persist_set_config(struct persist *p, const struct kmw_config *conf);

/**
 * persist_stamp - who saw @ev: this host, and its boot (for its id). Returns the boot the
 * store files it under ("unknown" when none is known).
 */
const char *persist_stamp(struct persist *p, struct kmw_event *ev);

/**
 * persist_event - @ev (stamped) into the store, its JSON @json made already (NULL: it could
 * not be made), in the transaction open (one begins). A store that cannot take it costs the
 * event nothing else: it is counted. Returns 1 new, 0 already there, <0 -errno.
 */
int persist_event(struct persist *p, const struct kmw_event *ev, const char *boot,
		  const struct kmw_buf *json);

/**
 * persist_flush - the transaction committed when it is PERSIST_COMMIT_MS old or holds
 * PERSIST_COMMIT_EVENTS events, or at once with @now; then the write-ahead log copied into the
 * store as far as @when says. A commit that fails counts its events as not stored.
 */
void persist_flush(struct persist *p, bool now, enum kmw_checkpoint when);

/* persist_retention - events older than retention-days, or past retention-size, deleted */
void persist_retention(struct persist *p);

/**
 * persist_backfill_at_start - the events of auditd's logs since a little before the newest
 * stored (or the oldest gap left open) that the store lacks, to @fn too. Returns whether the
 * logs were read whole: the time kmodwatchd was down is covered.
 */
bool persist_backfill_at_start(struct persist *p, persist_recovered_fn fn, void *arg);

/**
 * persist_recover - records were lost in @g: the gap is kept in the store until a backfill
 * covers it, now or at a later start.
 */
void persist_recover(struct persist *p, const struct persist_gap *g, persist_recovered_fn fn,
		     void *arg);

/**
 * persist_keep_gap - at exit: a gap not yet backfilled waits in the store for the next start.
 */
void persist_keep_gap(struct persist *p, const struct persist_gap *g);

void persist_close(struct persist *p);

#endif
